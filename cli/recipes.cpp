#include "cli/recipes.h"

#include "cli/toml_strings.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/filtergraph/filtergraph.h"
#include "core/presets.h"

namespace omni {

extern const char* const kEmbeddedRecipes;

namespace {

std::vector<Recipe> load() {
  std::vector<Recipe> all;
  for (const PresetLayer& layer : preset_layers(kEmbeddedRecipes, "recipes.toml", "OMNI_RECIPES")) {
    toml::table t;
    try {
      t = toml::parse(layer.text, layer.where);
    } catch (const toml::parse_error& e) {
      fail("{}: {} (line {})", layer.where, e.description(), e.source().begin.line);
    }
    for (const auto& [key, node] : t) {
      const std::string name(key.str()), where = layer.where + ": [" + name + "]";
      const toml::table* r = node.as_table();
      if (!r) fail("{}: a recipe is a table", where);
      Recipe x;
      x.name = name;
      x.where = layer.where;
      x.help = (*r)["help"].value_or(std::string());
      auto chain = (*r)["chain"].value<std::string>();
      if (!chain) fail("{}: no chain", where);
      x.chain = *chain;
      x.args = toml_strings(r->get("args"), where, "args");
      x.say = toml_strings(r->get("say"), where, "say");
      if (const toml::node* p = r->get("params")) {
        const toml::table* pt = p->as_table();
        if (!pt) fail("{}: params must be a table (name = \"default\")", where);
        for (const auto& [pk, pv] : *pt) {
          std::string v;
          if (auto s = pv.value<std::string>()) v = *s;
          else if (auto i = pv.value<int64_t>()) v = std::to_string(*i);
          else if (auto d = pv.value<double>()) v = fmt::format("{}", *d);
          else fail("{}: params.{} must be a string or a number", where, pk.str());
          x.params.emplace_back(std::string(pk.str()), v);
        }
      }
      std::erase_if(all, [&](const Recipe& o) { return o.name == name; });
      all.push_back(std::move(x));
    }
  }
  return all;
}

// {param} replaced by its value; an unknown {name} is the recipe file's mistake.
std::string fill(const std::string& text, const std::vector<std::pair<std::string, std::string>>& values, const Recipe& r) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out += text[i];
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string::npos) fail("{}: recipe {}: '{{' without '}}' in \"{}\"", r.where, r.name, text);
    const std::string key = text.substr(i + 1, close - i - 1);
    auto it = std::find_if(values.begin(), values.end(), [&](const auto& p) { return p.first == key; });
    if (it == values.end()) fail("{}: recipe {}: {{{}}} is not one of its params", r.where, r.name, key);
    out += it->second;
    i = close;
  }
  return out;
}

}  // namespace

const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> r = load();
  return r;
}

RecipeUse use_recipe(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const Recipe* r = nullptr;
  std::vector<std::string> names;
  for (const Recipe& x : recipes()) {
    names.push_back(x.name);
    if (x.name == name) r = &x;
  }
  if (!r) fail("-recipe {}: no recipe of that name{}; omni -recipes lists them", name, did_you_mean(name, names));
  auto values = r->params;
  if (colon != std::string::npos) {
    for (const auto& [key, value] : split_filter_options(std::string_view(spec).substr(colon + 1))) {
      std::vector<std::string> keys;
      for (const auto& p : r->params) keys.push_back(p.first);
      if (key.empty()) fail("-recipe {}: give parameters as name=value ({})", spec, fmt::join(keys, ", "));
      auto it = std::find_if(values.begin(), values.end(), [&](const auto& p) { return p.first == key; });
      if (it == values.end())
        fail("-recipe {}: {} has no parameter '{}'{}{}", spec, name, key, did_you_mean(key, keys),
             keys.empty() ? "; it takes none" : fmt::format("; it takes {}", fmt::join(keys, ", ")));
      it->second = value;
    }
  }
  RecipeUse u;
  u.chain = fill(r->chain, values, *r);
  for (const std::string& a : r->args) u.args.push_back(fill(a, values, *r));
  return u;
}

std::string recipes_text() {
  std::string out = "Recipes (omni -i IN -recipe NAME[:param=value...] OUT):\n";
  for (const Recipe& r : recipes()) {
    out += fmt::format("  {:<20} {}\n", r.name, r.help);
    std::vector<std::string> p;
    for (const auto& [k, v] : r.params) p.push_back(k + "=" + v);
    out += fmt::format("  {:<20}   -vf \"{}\"{}{}\n", "", r.chain, r.args.empty() ? "" : " " + fmt::format("{}", fmt::join(r.args, " ")),
                       p.empty() ? "" : fmt::format("  (defaults: {})", fmt::join(p, ", ")));
  }
  out += "Add your own in ~/.config/omni/recipes.toml or $OMNI_RECIPES (the format of presets/recipes.toml).\n";
  return out;
}

}  // namespace omni

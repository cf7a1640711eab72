#include "core/filtergraph/options.h"

#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "core/filtergraph/filtergraph.h"

extern "C" {
#include <libavutil/parseutils.h>
}

namespace omni {

const char* opt_type_name(OptType t) {
  switch (t) {
    case OptType::Int: return "int";
    case OptType::Float: return "float";
    case OptType::Bool: return "bool";
    case OptType::String: return "string";
    case OptType::Color: return "color";
    case OptType::Duration: return "duration";
    case OptType::ImageSize: return "image_size";
    case OptType::Path: return "path";
    case OptType::Enum: return "enum";
  }
  return "?";
}

const OptionValue& OptionValues::at(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) fail("internal: option '{}' is not in the table", name);
  return it->second;
}

bool OptionValues::was_set(std::string_view name) const {
  auto it = user_set_.find(name);
  return it != user_set_.end() && it->second;
}

static std::vector<std::string> split_choices(const char* choices) {
  std::vector<std::string> out;
  std::string_view s = choices ? choices : "";
  while (!s.empty()) {
    size_t bar = s.find('|');
    out.emplace_back(s.substr(0, bar));
    if (bar == std::string_view::npos) break;
    s.remove_prefix(bar + 1);
  }
  return out;
}

std::string describe_range(const OptionDef& d) {
  if (d.type == OptType::Enum) return d.choices ? d.choices : "";
  if (d.min != d.max) return fmt::format("[{}, {}]", d.min, d.max);
  return "";
}

static void check_range(std::string_view where, const OptionDef& d, std::string_view text, double v) {
  if (d.min != d.max && (v < d.min || v > d.max))
    fail("{}: {}={} is out of range [{}, {}]", where, d.name, text, d.min, d.max);
}

OptionValue parse_option_value(std::string_view where, const OptionDef& d, std::string_view text) {
  OptionValue v;
  v.text = std::string(text);
  const std::string& t = v.text;
  auto bad = [&](const char* expect) {
    fail("{}: {}={} is not a valid {}; expected {}", where, d.name, t, opt_type_name(d.type), expect);
  };
  switch (d.type) {
    case OptType::Int: {
      char* end = nullptr;
      errno = 0;
      long long x = std::strtoll(t.c_str(), &end, 0);
      if (t.empty() || *end || errno) bad("a whole number");
      check_range(where, d, t, double(x));
      v.i = x;
      break;
    }
    case OptType::Float: {
      char* end = nullptr;
      double x = std::strtod(t.c_str(), &end);
      if (t.empty() || *end || !std::isfinite(x)) bad("a number");
      check_range(where, d, t, x);
      v.f = x;
      break;
    }
    case OptType::Bool: {
      if (t == "1" || t == "true" || t == "yes" || t == "on") v.i = 1;
      else if (t == "0" || t == "false" || t == "no" || t == "off") v.i = 0;
      else bad("1/0, true/false, yes/no or on/off");
      break;
    }
    case OptType::String:
    case OptType::Path:
      if (d.type == OptType::Path && t.empty()) bad("a file path");
      break;
    case OptType::Color:
      if (av_parse_color(v.rgba, t.c_str(), -1, nullptr) < 0) bad("a colour name, #RRGGBB or 0xRRGGBB[AA]");
      break;
    case OptType::Duration: {
      int64_t us = 0;
      if (av_parse_time(&us, t.c_str(), 1) < 0) bad("a duration like 1.5, 00:01:02.5 or 250ms");
      v.f = us / 1e6;
      check_range(where, d, t, v.f);
      break;
    }
    case OptType::ImageSize:
      if (av_parse_video_size(&v.w, &v.h, t.c_str()) < 0) bad("WxH or a size name like hd720");
      break;
    case OptType::Enum: {
      auto names = split_choices(d.choices);
      for (size_t k = 0; k < names.size(); ++k)
        if (names[k] == t) { v.i = int64_t(k); return v; }
      fail("{}: {}={} is not one of {}{}", where, d.name, t, d.choices ? d.choices : "", did_you_mean(t, names));
    }
  }
  return v;
}

OptionValues parse_options(std::string_view where, std::span<const OptionDef> table, std::string_view args) {
  OptionValues out;
  std::vector<std::string> names;
  for (const auto& d : table) names.emplace_back(d.name);

  std::vector<bool> seen(table.size(), false);
  size_t positional = 0;
  bool named_seen = false;
  for (auto& [key, value] : split_filter_options(args)) {
    size_t idx = table.size();
    if (key.empty()) {
      if (named_seen) fail("{}: positional value '{}' after a named option; write it as name=value", where, value);
      if (positional >= table.size()) fail("{}: too many values: '{}' has no option to go to", where, value);
      idx = positional++;
    } else {
      named_seen = true;
      for (size_t k = 0; k < table.size(); ++k)
        if (key == table[k].name) idx = k;
      if (idx == table.size()) fail("{}: unknown option '{}'{}", where, key, did_you_mean(key, names));
    }
    if (seen[idx]) fail("{}: option '{}' is given twice", where, table[idx].name);
    seen[idx] = true;
    out.set(table[idx].name, parse_option_value(where, table[idx], value), true);
  }
  for (size_t k = 0; k < table.size(); ++k) {
    if (seen[k]) continue;
    if (!table[k].def) fail("{}: option '{}' is required ({})", where, table[k].name, table[k].help);
    out.set(table[k].name, parse_option_value(where, table[k], table[k].def), false);
  }
  return out;
}

}  // namespace omni

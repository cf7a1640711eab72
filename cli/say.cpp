// The sentence compiler (say.h). A sentence is cut into words (units); fillers are dropped; then,
// from the left, the rule or modifier whose pattern matches the most words is taken, again and
// again, joins ("and", "然后", ",") skipped between them. Anything no pattern takes is reported
// word for word, and nothing runs.
#include "cli/say.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <toml++/toml.h>

#include <fmt/format.h>

#include "cli/recipes.h"
#include "cli/toml_strings.h"
#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/filtergraph/filtergraph.h"
#include "core/filtergraph/options.h"
#include "core/perception/objects.h"
#include "core/presets.h"

namespace omni {

extern const char* const kEmbeddedSayEn;
extern const char* const kEmbeddedSayZh;

namespace {

enum class Kind { Word, Number, File, Text, Punct };

struct Unit {
  std::string text;  // lower case for words
  Kind kind = Kind::Word;
  size_t begin = 0, end = 0;  // bytes in the sentence
};

bool is_ascii_word_char(unsigned char c) { return std::isalnum(c) || std::strchr("_./\\:~+%-#'", c); }

// One UTF-8 code point's length at s[i].
size_t cp_len(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

const std::vector<std::pair<std::string, std::string>>& quotes() {
  static const std::vector<std::pair<std::string, std::string>> q = {{"\"", "\""}, {"“", "”"}, {"「", "」"}, {"『", "』"}, {"‘", "’"}, {"《", "》"}};
  return q;
}

bool is_media_file(const std::string& w) {
  static const char* ext[] = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".json"};
  std::string l = w;
  for (char& c : l) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* e : ext)
    if (l.size() > std::strlen(e) && l.compare(l.size() - std::strlen(e), std::string::npos, e) == 0) return true;
  return false;
}

bool is_number(const std::string& w) {
  if (w.empty()) return false;
  bool dot = false, digit = false;
  for (char c : w) {
    if (c == '.' && !dot) dot = true;
    else if (std::isdigit(static_cast<unsigned char>(c))) digit = true;
    else return false;
  }
  return digit && w.back() != '.';
}

std::vector<Unit> cut(const std::string& s) {
  std::vector<Unit> u;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    bool quoted = false;
    for (const auto& [open, close] : quotes())
      if (s.compare(i, open.size(), open) == 0) {
        const size_t e = s.find(close, i + open.size());
        if (e == std::string::npos) break;
        u.push_back({s.substr(i + open.size(), e - i - open.size()), Kind::Text, i, e + close.size()});
        i = e + close.size();
        quoted = true;
        break;
      }
    if (quoted) continue;
    if (c < 0x80 && is_ascii_word_char(c)) {
      size_t e = i;
      while (e < s.size() && static_cast<unsigned char>(s[e]) < 0x80 && is_ascii_word_char(static_cast<unsigned char>(s[e]))) ++e;
      std::string w = s.substr(i, e - i);
      // A sentence's full stop or colon after a word is punctuation, not part of it.
      size_t keep = w.size();
      while (keep > 0 && std::strchr(".:'", w[keep - 1]) && !(w[keep - 1] == '.' && keep >= 2 && std::isdigit(static_cast<unsigned char>(w[keep - 2])) && keep < w.size()))
        --keep;
      std::string tail = w.substr(keep);
      w.resize(keep);
      if (!w.empty()) {
        if (is_media_file(w)) {
          u.push_back({w, Kind::File, i, i + w.size()});
        } else {
          std::string l = w;
          for (char& ch : l) ch = char(std::tolower(static_cast<unsigned char>(ch)));
          // "5s", "50%", "10sec": a number and its unit.
          size_t d = 0;
          while (d < l.size() && (std::isdigit(static_cast<unsigned char>(l[d])) || l[d] == '.')) ++d;
          if (d > 0 && d < l.size() && is_number(l.substr(0, d)) && std::isalpha(static_cast<unsigned char>(l[d])) | (l[d] == '%')) {
            u.push_back({l.substr(0, d), Kind::Number, i, i + d});
            u.push_back({l.substr(d), Kind::Word, i + d, i + w.size()});
          } else {
            u.push_back({l, is_number(l) ? Kind::Number : Kind::Word, i, i + w.size()});
          }
        }
      }
      for (size_t k = 0; k < tail.size(); ++k) u.push_back({std::string(1, tail[k]), Kind::Punct, i + keep + k, i + keep + k + 1});
      i = e;
      continue;
    }
    const size_t n = cp_len(s, i);
    const std::string ch = s.substr(i, n);
    static const std::string punct[] = {",", ";", "!", "?", "，", "。", "；", "、", "！", "？", "：", "…"};
    const bool p = std::find(std::begin(punct), std::end(punct), ch) != std::end(punct);
    u.push_back({ch, p ? Kind::Punct : Kind::Word, i, i + n});
    i += n;
  }
  return u;
}

using Words = std::vector<std::string>;

Words texts(const std::vector<Unit>& u) {
  Words w;
  for (const Unit& x : u) w.push_back(x.text);
  return w;
}

// ---- numbers ---------------------------------------------------------------------------------

std::string number_text(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9) return fmt::format("{}", int64_t(std::llround(v)));
  std::string s = fmt::format("{:.6f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A number at units[p]: digits, an English number word, or Chinese numerals (五, 十五, 二十, 一百);
// the units it takes.
std::optional<std::pair<double, size_t>> read_number(const std::vector<Unit>& u, size_t p) {
  if (p >= u.size()) return std::nullopt;
  if (u[p].kind == Kind::Number) return std::make_pair(std::stod(u[p].text), size_t(1));
  static const std::map<std::string, int> en = {
      {"one", 1},      {"two", 2},       {"three", 3},    {"four", 4},     {"five", 5},    {"six", 6},      {"seven", 7},
      {"eight", 8},    {"nine", 9},      {"ten", 10},     {"eleven", 11},  {"twelve", 12}, {"fifteen", 15}, {"twenty", 20},
      {"thirty", 30},  {"forty", 40},    {"fifty", 50},   {"sixty", 60},   {"ninety", 90}, {"hundred", 100}, {"half", -1}};
  if (auto it = en.find(u[p].text); it != en.end() && it->second > 0) return std::make_pair(double(it->second), size_t(1));
  static const std::map<std::string, int> zh = {{"零", 0}, {"一", 1}, {"二", 2}, {"两", 2}, {"三", 3}, {"四", 4}, {"五", 5},
                                                {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9}};
  double total = 0, cur = 0;
  size_t q = p;
  bool any = false;
  for (; q < u.size(); ++q) {
    const std::string& t = u[q].text;
    if (auto it = zh.find(t); it != zh.end()) cur = it->second, any = true;
    else if (t == "十") total += (any && cur ? cur : 1) * 10, cur = 0, any = true;
    else if (t == "百") total += (any && cur ? cur : 1) * 100, cur = 0, any = true;
    else break;
  }
  if (!any) return std::nullopt;
  return std::make_pair(total + cur, q - p);
}

std::optional<std::pair<std::string, size_t>> read_seconds(const std::vector<Unit>& u, size_t p) {
  auto n = read_number(u, p);
  if (!n) return std::nullopt;
  size_t q = p + n->second;
  if (q >= u.size()) return std::nullopt;
  static const std::map<std::string, double> unit = {{"seconds", 1}, {"second", 1}, {"secs", 1}, {"sec", 1}, {"s", 1},
                                                     {"minutes", 60}, {"minute", 60}, {"mins", 60}, {"min", 60}};
  if (auto it = unit.find(u[q].text); it != unit.end()) return std::make_pair(number_text(n->first * it->second), n->second + 1);
  if (u[q].text == "秒") return std::make_pair(number_text(n->first), n->second + (q + 1 < u.size() && u[q + 1].text == "钟" ? 2 : 1));
  if (u[q].text == "分" && q + 1 < u.size() && u[q + 1].text == "钟") return std::make_pair(number_text(n->first * 60), n->second + 2);
  return std::nullopt;
}

std::optional<std::pair<std::string, size_t>> read_percent(const std::vector<Unit>& u, size_t p) {
  if (p + 3 < u.size() + 0 && u[p].text == "百" && u[p + 1].text == "分" && u[p + 2].text == "之")
    if (auto n = read_number(u, p + 3)) return std::make_pair(number_text(n->first / 100), n->second + 3);
  auto n = read_number(u, p);
  if (!n) return std::nullopt;
  const size_t q = p + n->second;
  if (q < u.size() && (u[q].text == "%" || u[q].text == "percent" || u[q].text == "pct")) return std::make_pair(number_text(n->first / 100), n->second + 1);
  if (q + 1 < u.size() && u[q].text == "per" && u[q + 1].text == "cent") return std::make_pair(number_text(n->first / 100), n->second + 2);
  return std::nullopt;
}

// ---- the vocabulary ---------------------------------------------------------------------------

struct Item {
  bool slot = false;
  std::string text;       // a word, or the slot's name ("color2")
  std::string type;       // the slot's type ("color")
  bool optional = false;
};
using Pattern = std::vector<Item>;

struct Rule {
  std::vector<Pattern> say;
  std::vector<std::string> said;  // the patterns as written, for --vocabulary and suggestions
  std::string make;                // do: "remove=people[:who={who}]"
  std::vector<std::string> args;
  bool modifier = false;
  std::string set;                 // a modifier's option
  std::vector<std::string> for_;   // the filters a modifier applies to
  std::string where;
};

struct Vocabulary {
  std::vector<Words> fillers, joins;
  std::map<std::string, std::vector<std::pair<Words, std::string>>> slots;  // type -> (phrase, value)
  std::vector<Rule> rules;
  std::vector<std::string> known;  // every word, for suggestions
  std::vector<std::string> sources;
};

// A phrase's words with the fillers dropped (longest filler first at each place).
Words drop_fillers(const Words& w, const std::vector<Words>& fillers) {
  Words out;
  for (size_t i = 0; i < w.size();) {
    size_t best = 0;
    for (const Words& f : fillers)
      if (f.size() > best && i + f.size() <= w.size() && std::equal(f.begin(), f.end(), w.begin() + long(i))) best = f.size();
    if (best) i += best;
    else out.push_back(w[i++]);
  }
  return out;
}

std::vector<std::string> list(const toml::table& t, const char* key, const std::string& where) { return toml_strings(t.get(key), where, key); }

bool builtin_slot(const std::string& type) {
  return type == "object" || type == "file" || type == "text" || type == "number" || type == "seconds" || type == "percent";
}

Pattern pattern_of(const std::string& text, const Vocabulary& v, const std::string& where) {
  Pattern p;
  size_t i = 0;
  auto literal = [&](const std::string& s) {
    for (const std::string& w : drop_fillers(texts(cut(s)), v.fillers)) p.push_back({false, w, "", false});
  };
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == std::string::npos) {
      literal(text.substr(i));
      break;
    }
    literal(text.substr(i, open - i));
    const size_t close = text.find('}', open);
    if (close == std::string::npos) fail("{}: \"{}\": '{{' without '}}'", where, text);
    std::string name = text.substr(open + 1, close - open - 1);
    Item it{true, name, "", false};
    if (!it.text.empty() && it.text.back() == '?') it.optional = true, it.text.pop_back();
    it.type = it.text;
    while (!it.type.empty() && std::isdigit(static_cast<unsigned char>(it.type.back()))) it.type.pop_back();
    if (!builtin_slot(it.type) && !v.slots.count(it.type)) fail("{}: \"{}\": no slot {{{}}}", where, text, it.type);
    p.push_back(it);
    i = close + 1;
  }
  return p;
}

void add_layer(Vocabulary& v, const std::string& text, const std::string& where) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    fail("{}: {} (line {})", where, e.description(), e.source().begin.line);
  }
  v.sources.push_back(where);
  for (const std::string& f : list(t, "fillers", where)) v.fillers.push_back(texts(cut(f)));
  for (const std::string& j : list(t, "joins", where)) v.joins.push_back(texts(cut(j)));
  if (const toml::table* slots = t["slot"].as_table())
    for (const auto& [type, node] : *slots) {
      const toml::table* values = node.as_table();
      if (!values) fail("{}: slot.{} must be a table (value = [\"phrases\"])", where, type.str());
      for (const auto& [value, phrases] : *values) {
        const std::string vw = where + ": slot." + std::string(type.str()) + "." + std::string(value.str());
        const toml::array* a = phrases.as_array();
        if (!a) fail("{} must be a list of phrases", vw);
        for (const auto& e : *a) {
          auto s = e.value<std::string>();
          if (!s) fail("{} must be a list of phrases", vw);
          v.slots[std::string(type.str())].emplace_back(texts(cut(*s)), std::string(value.str()));
        }
      }
    }
  auto rules = [&](const char* key, bool modifier) {
    const toml::array* a = t[key].as_array();
    if (!a) return;
    for (const auto& e : *a) {
      const toml::table* r = e.as_table();
      const std::string rw = fmt::format("{}: [[{}]] #{}", where, key, v.rules.size() + 1);
      if (!r) fail("{} must be a table", rw);
      Rule x;
      x.where = rw;
      x.modifier = modifier;
      x.said = list(*r, "say", rw);
      if (x.said.empty()) fail("{}: no say", rw);
      x.make = (*r)["do"].value_or(std::string());
      x.args = list(*r, "args", rw);
      x.set = (*r)["set"].value_or(std::string());
      x.for_ = list(*r, "for", rw);
      if (modifier && (x.set.empty() || x.for_.empty())) fail("{}: a modifier needs set and for", rw);
      if (!modifier && x.make.empty() && x.args.empty()) fail("{}: a rule needs do or args", rw);
      v.rules.push_back(std::move(x));
    }
  };
  rules("rule", false);
  rules("modifier", true);
}

Vocabulary load() {
  Vocabulary v;
  add_layer(v, kEmbeddedSayEn, "presets/say.en.toml");
  add_layer(v, kEmbeddedSayZh, "presets/say.zh.toml");
  std::vector<PresetLayer> user = preset_layers("", "say.toml", "OMNI_SAY");
  for (size_t i = 1; i < user.size(); ++i) add_layer(v, user[i].text, user[i].where);
  // The slots' phrases without their fillers ("on the left" is said "on left" once they go).
  for (auto& [type, phrases] : v.slots)
    for (auto& [words, value] : phrases) words = drop_fillers(words, v.fillers);
  // The detector's classes.
  auto& objects = v.slots["object"];
  for (const ObjectClass& c : object_classes()) {
    objects.emplace_back(texts(cut(c.en)), c.en);
    if (!c.zh.empty()) objects.emplace_back(texts(cut(c.zh)), c.en);
    for (const std::string& a : c.aliases) objects.emplace_back(texts(cut(a)), c.en);
  }
  // The recipes, by the phrases they name.
  for (const Recipe& r : recipes()) {
    if (r.say.empty()) continue;
    Rule x;
    x.where = r.where + ": [" + r.name + "]";
    x.said = r.say;
    RecipeUse u = use_recipe(r.name);
    x.make = u.chain;
    x.args = u.args;
    v.rules.push_back(std::move(x));
  }
  for (Rule& r : v.rules)
    for (const std::string& s : r.said) r.say.push_back(pattern_of(s, v, r.where));
  for (const Rule& r : v.rules)
    for (const Pattern& p : r.say)
      for (const Item& it : p)
        if (!it.slot && it.text.size() > 2) v.known.push_back(it.text);
  for (const auto& [type, phrases] : v.slots)
    for (const auto& [words, value] : phrases)
      for (const std::string& w : words)
        if (w.size() > 2) v.known.push_back(w);
  std::sort(v.known.begin(), v.known.end());
  v.known.erase(std::unique(v.known.begin(), v.known.end()), v.known.end());
  return v;
}

const Vocabulary& vocabulary() {
  static const Vocabulary v = load();
  return v;
}

// ---- matching ----------------------------------------------------------------------------------

using Bindings = std::map<std::string, std::string>;

// The ways slot `it` can take words at p: (value, words taken).
std::vector<std::pair<std::string, size_t>> slot_matches(const Item& it, const std::vector<Unit>& u, size_t p, const Vocabulary& v) {
  std::vector<std::pair<std::string, size_t>> out;
  if (p >= u.size()) return out;
  if (it.type == "file") {
    if (u[p].kind == Kind::File) out.emplace_back(u[p].text, 1);
  } else if (it.type == "text") {
    if (u[p].kind == Kind::Text) out.emplace_back(u[p].text, 1);
  } else if (it.type == "number") {
    if (auto n = read_number(u, p)) out.emplace_back(number_text(n->first), n->second);
  } else if (it.type == "seconds") {
    if (auto s = read_seconds(u, p)) out.push_back(*s);
  } else if (it.type == "percent") {
    if (auto s = read_percent(u, p)) out.push_back(*s);
  } else {
    for (const auto& [words, value] : v.slots.at(it.type)) {
      if (words.empty() || p + words.size() > u.size()) continue;
      bool same = true;
      for (size_t k = 0; k < words.size() && same; ++k) same = u[p + k].kind != Kind::Text && u[p + k].text == words[k];
      if (!same && it.type == "object" && words.size() == 1 && u[p].kind == Kind::Word) {
        // English plurals the aliases do not list: "trucks", "benches".
        const std::string& w = u[p].text;
        same = (w.size() > 2 && w.back() == 's' && w.compare(0, w.size() - 1, words[0]) == 0) ||
               (w.size() > 3 && w.compare(w.size() - 2, 2, "es") == 0 && w.compare(0, w.size() - 2, words[0]) == 0);
      }
      if (same) out.emplace_back(value, words.size());
    }
  }
  return out;
}

// The most words pattern `pat` can take from p (from item i on), with its slots' values.
size_t match(const Pattern& pat, size_t i, const std::vector<Unit>& u, size_t p, const Vocabulary& v, Bindings& b, bool& ok) {
  if (i == pat.size()) {
    ok = true;
    return p;
  }
  const Item& it = pat[i];
  size_t best = 0;
  bool any = false;
  Bindings best_b;
  if (!it.slot) {
    if (p < u.size() && u[p].kind != Kind::Text && u[p].kind != Kind::File && u[p].text == it.text) {
      bool sub = false;
      size_t e = match(pat, i + 1, u, p + 1, v, b, sub);
      if (sub) ok = true;
      return sub ? e : 0;
    }
    return 0;
  }
  for (const auto& [value, n] : slot_matches(it, u, p, v)) {
    Bindings nb = b;
    nb[it.text] = value;
    bool sub = false;
    const size_t e = match(pat, i + 1, u, p + n, v, nb, sub);
    if (sub && (!any || e > best)) best = e, best_b = nb, any = true;
  }
  if (it.optional) {
    Bindings nb = b;
    bool sub = false;
    const size_t e = match(pat, i + 1, u, p, v, nb, sub);
    if (sub && (!any || e > best)) best = e, best_b = nb, any = true;
  }
  if (any) b = best_b, ok = true;
  return best;
}

// "remove=people[:who={who}]" with the values: a [part] stays only when all its slots were said.
std::string expand(const std::string& t, const Bindings& b, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '[') {
      const size_t close = t.find(']', i);
      if (close == std::string::npos) fail("{}: \"{}\": '[' without ']'", where, t);
      const std::string part = t.substr(i + 1, close - i - 1);
      bool all = true;
      for (size_t k = part.find('{'); k != std::string::npos; k = part.find('{', k + 1)) {
        const size_t e = part.find('}', k);
        if (e == std::string::npos || !b.count(part.substr(k + 1, e - k - 1))) all = false;
      }
      if (all) out += expand(part, b, where);
      i = close;
    } else if (t[i] == '{') {
      const size_t close = t.find('}', i);
      if (close == std::string::npos) fail("{}: \"{}\": '{{' without '}}'", where, t);
      const std::string name = t.substr(i + 1, close - i - 1);
      auto it = b.find(name);
      if (it == b.end()) fail("{}: \"{}\": {{{}}} is used but its pattern has no such slot", where, t, name);
      // Escaped for the option level; the graph level is escaped when the chain is written.
      out += escape_token(it->second, ":'\\");
      i = close;
    } else {
      out += t[i];
    }
  }
  return out;
}

// A `do` template's filters: split at the commas outside [optional parts], {slots} and quotes.
std::vector<std::string> filters_in(const std::string& t) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\\' && i + 1 < t.size()) {
      cur += c, cur += t[++i];
      continue;
    }
    if (c == '\'') quoted = !quoted;
    else if (!quoted && (c == '[' || c == '{')) ++depth;
    else if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct Step {
  std::string name;
  std::vector<std::pair<std::string, std::string>> options;  // key "" = positional
};

Step filter_of(const std::string& text) {
  Step f;
  const size_t eq = text.find('=');
  f.name = text.substr(0, eq);
  if (eq != std::string::npos) f.options = split_filter_options(std::string_view(text).substr(eq + 1));
  return f;
}

std::string write(const Step& f) {
  std::string args;
  for (const auto& [k, v] : f.options) {
    if (!args.empty()) args += ':';
    args += k.empty() ? escape_token(v, ":=") : k + "=" + escape_token(v, ":");
  }
  return args.empty() ? f.name : f.name + "=" + escape_token(args, "[],;");
}

std::string span(const std::string& s, const std::vector<Unit>& u, size_t a, size_t b) {
  if (a >= b) return "";
  return s.substr(u[a].begin, u[b - 1].end - u[a].begin);
}

bool is_join(const std::vector<Unit>& u, size_t p, const Vocabulary& v, size_t& n) {
  n = p < u.size() && u[p].kind == Kind::Punct ? 1 : 0;
  for (const Words& j : v.joins)
    if (j.size() > n && p + j.size() <= u.size()) {
      bool same = true;
      for (size_t k = 0; k < j.size() && same; ++k) same = u[p + k].kind != Kind::Text && u[p + k].text == j[k];
      if (same) n = j.size();
    }
  return n > 0;
}

}  // namespace

Said compile_sentence(const std::string& sentence) {
  const Vocabulary& v = vocabulary();
  // The sentence's words, fillers out (their places kept for the messages).
  std::vector<Unit> all = cut(sentence), u;
  for (size_t i = 0; i < all.size();) {
    size_t best = 0;
    for (const Words& f : v.fillers)
      if (f.size() > best && i + f.size() <= all.size()) {
        bool same = true;
        for (size_t k = 0; k < f.size() && same; ++k) same = all[i + k].kind == Kind::Word && all[i + k].text == f[k];
        if (same) best = f.size();
      }
    if (best) i += best;
    else u.push_back(all[i++]);
  }
  std::vector<Step> chain;
  Said said;
  std::vector<std::string> understood;  // "\"remove the people\" (remove=people)"
  std::vector<std::string> pieces;
  size_t p = 0;
  while (p < u.size()) {
    size_t jn;
    if (is_join(u, p, v, jn)) {
      p += jn;
      continue;
    }
    // The longest match; among equals, a modifier whose filter is the latest in the chain, then
    // the first written.
    size_t best_end = p;
    const Rule* best = nullptr;
    Bindings best_b;
    int best_target = -1;
    for (const Rule& r : v.rules) {
      int target = -1;
      if (r.modifier) {
        for (int k = int(chain.size()) - 1; k >= 0 && target < 0; --k)
          if (std::find(r.for_.begin(), r.for_.end(), chain[size_t(k)].name) != r.for_.end()) target = k;
      }
      for (const Pattern& pat : r.say) {
        Bindings b;
        bool ok = false;
        const size_t e = match(pat, 0, u, p, v, b, ok);
        if (!ok || e <= p) continue;
        const bool better = e > best_end || (e == best_end && best && best->modifier && r.modifier && target > best_target);
        if (better) best_end = e, best = &r, best_b = b, best_target = target;
      }
    }
    if (!best) {
      // Not understood: up to the next join.
      size_t e = p;
      while (e < u.size() && !is_join(u, e, v, jn)) ++e;
      const std::string bad = span(sentence, u, p, e);
      std::string hint;
      for (size_t k = p; k < e && hint.empty(); ++k)
        if (u[k].kind == Kind::Word && u[k].text.size() > 2 && static_cast<unsigned char>(u[k].text[0]) < 0x80 && !std::binary_search(v.known.begin(), v.known.end(), u[k].text))
          if (std::string n = nearest_name(u[k].text, v.known); !n.empty()) hint = fmt::format(" (did you mean \"{}\" for \"{}\"?)", n, u[k].text);
      if (understood.empty())
        fail("edit: I did not understand \"{}\"{}; nothing was run (omni edit --vocabulary lists the words I know)", bad, hint);
      fail("edit: I understood {} but not \"{}\"{}; nothing was run", fmt::join(understood, ", "), bad, hint);
    }
    const std::string piece = span(sentence, u, p, best_end);
    std::string made;
    if (best->modifier) {
      if (best_target < 0)
        fail("edit: \"{}\" changes {}, and nothing before it in the sentence does that; nothing was run", piece, fmt::join(best->for_, " or "));
      Step& f = chain[size_t(best_target)];
      for (const auto& [key, value] : filter_of("x=" + expand(best->set, best_b, best->where)).options) {
        auto it = std::find_if(f.options.begin(), f.options.end(), [&](const auto& o) { return o.first == key; });
        if (it != f.options.end()) it->second = value;
        else f.options.emplace_back(key, value);
      }
      made = f.name + ": " + expand(best->set, best_b, best->where);
    } else {
      std::vector<std::string> parts;
      // A recipe's chain may hold several filters.
      for (const std::string& part : filters_in(best->make)) {
        Step f = filter_of(expand(part, best_b, best->where));
        chain.push_back(f);
        parts.push_back(write(f));
      }
      for (size_t k = 0; k < best->args.size(); k += 2) {
        const std::string key = best->args[k];
        const std::string value = k + 1 < best->args.size() ? expand(best->args[k + 1], best_b, best->where) : "";
        // A later time replaces an earlier one.
        auto it = std::find(said.args.begin(), said.args.end(), key);
        if (it != said.args.end() && it + 1 != said.args.end()) *(it + 1) = value;
        else said.args.push_back(key), said.args.push_back(value);
        parts.push_back(key + " " + value);
      }
      made = fmt::format("{}", fmt::join(parts, " "));
    }
    understood.push_back(fmt::format("\"{}\" ({})", piece, made));
    pieces.push_back("\"" + piece + "\"");
    p = best_end;
  }
  if (chain.empty() && said.args.empty()) fail("edit: the sentence is empty; say what to do, e.g. omni edit -i in.mp4 \"remove the people\" out.mp4");
  std::vector<std::string> written;
  for (const Step& f : chain) written.push_back(write(f));
  said.chain = fmt::format("{}", fmt::join(written, ","));
  said.understood = fmt::format("{}", fmt::join(pieces, ", "));
  // Each filter's options checked as the filter itself checks them (a value out of range says so).
  const ParsedGraph g = parse_filtergraph(said.chain.empty() ? "null" : said.chain);
  for (const FilterNode& n : g.chains.at(0))
      if (const FilterDesc* d = find_omni_filter(n.name)) {
        try {
          parse_options(n.name, d->options, n.args);
        } catch (const Error& e) {
          fail("edit: {} (from {}); nothing was run", e.what(), said.understood);
        }
      }
  return said;
}

std::string vocabulary_text() {
  const Vocabulary& v = vocabulary();
  std::string out = fmt::format("omni edit understands (from {}):\n\n", fmt::join(v.sources, ", "));
  for (const Rule& r : v.rules) {
    if (r.modifier) continue;
    std::string what = r.make;
    if (!r.args.empty()) what += (what.empty() ? "" : " ") + fmt::format("{}", fmt::join(r.args, " "));
    out += fmt::format("  {}\n", what);
    for (const std::string& s : r.said) out += fmt::format("      {}\n", s);
  }
  out += "\nand, after a filter, these change it:\n";
  for (const Rule& r : v.rules) {
    if (!r.modifier) continue;
    out += fmt::format("  {} (on {})\n", r.set, fmt::join(r.for_, ", "));
    for (const std::string& s : r.said) out += fmt::format("      {}\n", s);
  }
  out += "\nwhere:\n";
  for (const auto& [type, phrases] : v.slots) {
    if (type == "object") continue;
    std::map<std::string, std::vector<std::string>> by;
    for (const auto& [words, value] : phrases) by[value].push_back(fmt::format("{}", fmt::join(words, words.size() && words[0].size() > 1 && (unsigned char)words[0][0] < 0x80 ? " " : "")));
    out += fmt::format("  {{{}}}\n", type);
    for (const auto& [value, ph] : by) out += fmt::format("      {}: {}\n", value, fmt::join(ph, ", "));
  }
  out += "  {object}: the object detector's 80 classes, in English or Chinese (presets/objects.toml)\n"
         "  {file}: a file name (beach.jpg, hero.png, clip.mp4); {text}: words in quotes (\"Happy birthday\", 「你好」)\n"
         "  {number}: 5, five, 五; {seconds}: 5 seconds, 1.5 min, 5秒; {percent}: 50%, 50 percent, 百分之五十\n"
         "Fillers (skipped anywhere):";
  for (const Words& f : v.fillers) out += " " + fmt::format("{}", fmt::join(f, f.size() && (unsigned char)f[0][0] < 0x80 ? " " : ""));
  out += "\nJoins (between clauses):";
  for (const Words& j : v.joins) out += " " + fmt::format("{}", fmt::join(j, " "));
  out += "\n";
  return out;
}

}  // namespace omni

#include "core/filtergraph/filtergraph.h"

#include <list>
#include <optional>

#include "core/error.h"

namespace omni {

static constexpr std::string_view kSpace = " \n\t\r";

static bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }

static void skip_space(std::string_view& s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
}

size_t ParsedGraph::filter_count() const {
  size_t n = 0;
  for (const auto& c : chains) n += c.size();
  return n;
}

std::string get_token(std::string_view& s, std::string_view term) {
  skip_space(s);
  std::string out;
  size_t keep = 0;  // chars of `out` protected from trailing-space trimming (escaped or quoted)
  size_t p = 0;
  while (p < s.size() && term.find(s[p]) == std::string_view::npos) {
    char c = s[p++];
    if (c == '\\' && p < s.size()) {
      out += s[p++];
      keep = out.size();
    } else if (c == '\'') {
      while (p < s.size() && s[p] != '\'') out += s[p++];
      if (p < s.size()) {
        ++p;
        keep = out.size();
      }
    } else {
      out += c;
    }
  }
  while (out.size() > keep && is_space(out.back())) out.pop_back();
  s.remove_prefix(p);
  return out;
}

std::string escape_token(std::string_view raw, std::string_view term) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    bool edge_space = is_space(c) && (i == 0 || i + 1 == raw.size() ||
                                      raw.find_first_not_of(kSpace, i) == std::string_view::npos ||
                                      raw.find_last_not_of(kSpace, i) == std::string_view::npos);
    if (c == '\\' || c == '\'' || term.find(c) != std::string_view::npos || edge_space) out += '\\';
    out += c;
  }
  return out;
}

namespace {

class GraphReader {
 public:
  explicit GraphReader(std::string_view text) : all_(text), s_(text) {}

  ParsedGraph read() {
    ParsedGraph g;
    skip_space(s_);
    if (s_.substr(0, 10) == "sws_flags=") {
      size_t semi = s_.find(';');
      if (semi == std::string_view::npos) error("sws_flags is not terminated with ';'");
      g.sws_flags = std::string(s_.substr(10, semi - 10));
      s_.remove_prefix(semi + 1);
    }
    std::vector<FilterNode> chain;
    for (;;) {
      skip_space(s_);
      chain.push_back(read_filter());
      skip_space(s_);
      if (s_.empty()) break;
      char c = s_.front();
      s_.remove_prefix(1);
      if (c == ';') {
        g.chains.push_back(std::move(chain));
        chain.clear();
      } else if (c != ',') {
        error(fmt::format("unexpected '{}' where ',' or ';' or the end was expected", c), 1);
      }
    }
    g.chains.push_back(std::move(chain));
    return g;
  }

 private:
  [[noreturn]] void error(const std::string& what, size_t back = 0) const {
    size_t off = all_.size() - s_.size() - back;
    std::string snippet(all_.substr(off, 24));
    fail("filtergraph: {} at offset {} (\"{}\")", what, off, snippet);
  }

  std::vector<std::string> read_labels() {
    std::vector<std::string> labels;
    while (!s_.empty() && s_.front() == '[') {
      std::string_view at = s_;
      s_.remove_prefix(1);
      std::string name = get_token(s_, "]");
      if (name.empty()) { s_ = at; error("empty link label"); }
      if (s_.empty() || s_.front() != ']') { s_ = at; error("'[' without a matching ']'"); }
      s_.remove_prefix(1);
      labels.push_back(std::move(name));
      skip_space(s_);
    }
    return labels;
  }

  FilterNode read_filter() {
    FilterNode f;
    f.in_labels = read_labels();
    skip_space(s_);
    f.offset = all_.size() - s_.size();
    std::string name = get_token(s_, "=,;[");
    if (name.empty()) error(s_.empty() ? "missing filter name at the end" : "missing filter name");
    size_t at = name.find('@');
    if (at != std::string::npos) {
      f.id = name.substr(at + 1);
      name.resize(at);
    }
    f.name = std::move(name);
    if (!s_.empty() && s_.front() == '=') {
      s_.remove_prefix(1);
      f.args = get_token(s_, "[],;");
      f.has_args = true;
    }
    f.out_labels = read_labels();
    if (!s_.empty() && s_.front() == ']') error("']' without a matching '['");
    return f;
  }

  std::string_view all_, s_;
};

}  // namespace

ParsedGraph parse_filtergraph(std::string_view text) {
  if (text.find_first_not_of(kSpace) == std::string_view::npos) fail("filtergraph: the graph is empty; give at least one filter, e.g. -vf null");
  return GraphReader(text).read();
}

std::string to_string(const ParsedGraph& g) {
  std::string out;
  if (!g.sws_flags.empty()) out += "sws_flags=" + g.sws_flags + ";";
  for (size_t c = 0; c < g.chains.size(); ++c) {
    if (c) out += ';';
    for (size_t k = 0; k < g.chains[c].size(); ++k) {
      const FilterNode& f = g.chains[c][k];
      if (k) out += ',';
      for (const auto& l : f.in_labels) out += "[" + escape_token(l, "]") + "]";
      out += escape_token(f.name, "=,;[@");
      // A first filter literally named "sws_flags" must not turn into the sws_flags= prefix.
      bool looks_like_prefix = c == 0 && k == 0 && g.sws_flags.empty() && f.in_labels.empty() && f.name == "sws_flags";
      if (!f.id.empty() || looks_like_prefix) out += "@" + escape_token(f.id, "=,;[");
      if (f.has_args) out += "=" + escape_token(f.args, "[],;");
      for (const auto& l : f.out_labels) out += "[" + escape_token(l, "]") + "]";
    }
  }
  return out;
}

static bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '/' || c == '.';
}

std::vector<std::pair<std::string, std::string>> split_filter_options(std::string_view args) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view s = args;
  while (!s.empty()) {
    // get_key(): optional white space, key chars, optional white space, then '='.
    std::string_view t = s;
    skip_space(t);
    size_t n = 0;
    while (n < t.size() && is_key_char(t[n])) ++n;
    std::string key(t.substr(0, n));
    t.remove_prefix(n);
    skip_space(t);
    if (!t.empty() && t.front() == '=') {
      t.remove_prefix(1);
      s = t;
    } else {
      key.clear();
    }
    std::string value = get_token(s, ":");
    out.emplace_back(std::move(key), std::move(value));
    if (!s.empty()) s.remove_prefix(1);  // the ':'
  }
  return out;
}

std::string escape_option_value(std::string_view raw) { return escape_token(raw, ":="); }

LinkedGraph link_filtergraph(const ParsedGraph& g, const PadCounter& pad_counter) {
  // A direct transcription of graphparser.c's list handling, on indices instead of contexts.
  struct InOut {
    std::string name;
    PadRef pad;  // node == -1: a label not yet tied to a pad
  };
  using List = std::list<InOut>;
  LinkedGraph lg;
  List open_inputs, open_outputs, curr;

  auto extract = [](const std::string& name, List& l) -> std::optional<InOut> {
    for (auto it = l.begin(); it != l.end(); ++it)
      if (it->name == name) {
        InOut r = *it;
        l.erase(it);
        return r;
      }
    return std::nullopt;
  };

  for (size_t c = 0; c < g.chains.size(); ++c) {
    for (const FilterNode& f : g.chains[c]) {
      int index = int(lg.nodes.size());
      lg.nodes.push_back(f);
      // parse_inputs: labelled inputs first, then what the previous filter left unlabelled.
      List parsed;
      for (size_t p = 0; p < f.in_labels.size(); ++p) {
        if (auto m = extract(f.in_labels[p], open_outputs)) parsed.push_back(*m);
        else parsed.push_back({f.in_labels[p], {-1, int(p)}});
      }
      parsed.splice(parsed.end(), curr);
      curr = std::move(parsed);

      auto [nin, nout] = pad_counter(f);
      for (int pad = 0; pad < nin; ++pad) {
        InOut p;
        if (!curr.empty()) {
          p = curr.front();
          curr.pop_front();
        }
        if (p.pad.node >= 0) {
          lg.links.push_back({p.pad, {index, pad}});
        } else {
          p.pad = {index, pad};
          open_inputs.push_back(p);
        }
      }
      if (!curr.empty())
        fail("filtergraph: too many inputs for the '{}' filter at offset {}: it has {} input{}", f.name, f.offset, nin,
             nin == 1 ? "" : "s");
      for (int pad = 0; pad < nout; ++pad) curr.push_back({"", {index, pad}});

      // parse_outputs: each label takes the next unlabelled output.
      for (const auto& label : f.out_labels) {
        if (curr.empty())
          fail("filtergraph: no output pad of '{}' is left for the label '[{}]' (offset {})", f.name, label, f.offset);
        InOut input = curr.front();
        curr.pop_front();
        if (auto m = extract(label, open_inputs)) {
          lg.links.push_back({input.pad, m->pad});
        } else {
          input.name = label;
          open_outputs.push_front(input);
        }
      }
    }
    // End of a chain (';' or the end): whatever is still unlabelled becomes an open output.
    open_outputs.splice(open_outputs.end(), curr);
    curr.clear();
  }
  for (auto& p : open_inputs) lg.inputs.push_back({p.pad, p.name});
  for (auto& p : open_outputs) lg.outputs.push_back({p.pad, p.name});
  return lg;
}

}  // namespace omni

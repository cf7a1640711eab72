// The filtergraph text, read exactly as FFmpeg 5.1 reads it (libavfilter/graphparser.c and
// av_get_token / av_opt_get_key_value), so everything users know from ffmpeg holds:
//
//   graph   := ["sws_flags=" FLAGS ";"] chain (";" chain)*
//   chain   := filter ("," filter)*
//   filter  := ("[" label "]")* name ["@" id] ["=" args] ("[" label "]")*
//
// Two escaping levels: the graph level (quotes '...' and \x, terminated by "[],;"), then the
// option level inside args ("key=value:key=value" or positional values, with '...' and \x again).
// This file knows no libavfilter; it is pure text handling (and is what the parser fuzzer runs).
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace omni {

struct FilterNode {
  std::vector<std::string> in_labels;   // "[a][b]" before the name
  std::string name;                     // filter name, e.g. "scale"
  std::string id;                       // instance id after '@', or ""
  std::string args;                     // graph-level unescaped argument string ("" if none)
  bool has_args = false;                // "=..." was present (even if empty)
  std::vector<std::string> out_labels;  // "[c]" after the args
  size_t offset = 0;                    // where the filter started in the text, for errors
};

struct ParsedGraph {
  std::string sws_flags;                   // from a leading "sws_flags=...;", else ""
  std::vector<std::vector<FilterNode>> chains;  // chains of ','-joined filters, split by ';'
  size_t filter_count() const;
};

// av_get_token(): skips leading white space, reads up to an unescaped, unquoted char of `term`,
// drops trailing (unescaped) white space. Advances `s` past what it read (not past the term char).
std::string get_token(std::string_view& s, std::string_view term);

// The inverse of get_token for a given term set: backslash-escapes what get_token would stop at
// or drop, so get_token(escape_token(x, term), term) == x.
std::string escape_token(std::string_view raw, std::string_view term);

// Parses graph text. Throws Error("filtergraph: ...") with the offset and a pointer to the text.
ParsedGraph parse_filtergraph(std::string_view text);

// Writes a ParsedGraph back as text that parse_filtergraph (and FFmpeg) read as the same graph.
std::string to_string(const ParsedGraph& g);

// The option level: splits "k=v:v2:k3='a:b'" into (key, value) pairs; key is "" for positional
// values. Follows av_opt_get_key_value: a key is [A-Za-z0-9_./-]+ followed by '='.
std::vector<std::pair<std::string, std::string>> split_filter_options(std::string_view args);

// Escapes a value for the option level (inverse of split_filter_options for one value).
std::string escape_option_value(std::string_view raw);

// ---- Linking: which pad connects to which, with libavfilter's rules -------------------------

struct PadRef {
  int node = -1;  // index into the flattened filter list (chain by chain, in text order)
  int pad = 0;
  bool operator==(const PadRef&) const = default;
};
struct GraphLink {
  PadRef from, to;  // output pad of `from.node` feeds input pad of `to.node`
};
struct OpenPad {
  PadRef pad;
  std::string label;  // "" for an unlabelled pad
};
struct LinkedGraph {
  std::vector<FilterNode> nodes;  // flattened, in text order
  std::vector<GraphLink> links;
  std::vector<OpenPad> inputs;   // unconnected input pads (bound to streams by the caller)
  std::vector<OpenPad> outputs;  // unconnected output pads (bound to outputs by the caller)
};

// Number of (input, output) pads of a node; the caller knows filters (omni's or libavfilter's).
using PadCounter = std::function<std::pair<int, int>(const FilterNode&)>;

// Connects pads exactly as avfilter_graph_parse2 does: labels match open pads of the other
// direction, unlabelled outputs feed the next filter of the chain, the rest stay open.
LinkedGraph link_filtergraph(const ParsedGraph& g, const PadCounter& pads);

}  // namespace omni

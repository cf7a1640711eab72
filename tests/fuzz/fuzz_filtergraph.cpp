// libFuzzer target for the filtergraph text: parse, link with a fixed pad counter, write back,
// and parse again. Must never crash, and what it writes must parse to the same graph.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/filtergraph/filtergraph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    omni::ParsedGraph g = omni::parse_filtergraph(text);
    std::string back = omni::to_string(g);
    omni::ParsedGraph g2 = omni::parse_filtergraph(back);
    if (omni::to_string(g2) != back) abort();  // the writer is not a fixed point: a real bug
    for (const auto& chain : g.chains)
      for (const auto& f : chain) {
        auto opts = omni::split_filter_options(f.args);
        (void)opts;
      }
    auto counter = [](const omni::FilterNode& f) { return std::pair<int, int>(int(f.name.size() % 3), int(f.args.size() % 3)); };
    omni::link_filtergraph(g, counter);
  } catch (const omni::Error&) {
  }
  return 0;
}

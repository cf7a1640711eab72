// The registry: one line per omni filter, sorted by name (libavfilter's allfilters.c habit).
// Capability filters add their line here as they land (issues: matte, remove, restyle, ...).
#include <algorithm>
#include <vector>

#include "core/filtergraph/filter.h"

namespace omni {

extern const FilterDesc add_filter;
extern const FilterDesc matte_filter;
extern const FilterDesc motion_transfer_filter;
extern const FilterDesc next_shot_filter;
extern const FilterDesc remove_filter;
extern const FilterDesc replace_filter;
extern const FilterDesc restyle_filter;

static std::vector<const FilterDesc*>& table() {
  static std::vector<const FilterDesc*> t = {
      &add_filter,
      &matte_filter,
      &motion_transfer_filter,
      &next_shot_filter,
      &remove_filter,
      &replace_filter,
      &restyle_filter,
  };
  return t;
}

std::span<const FilterDesc* const> omni_filters() { return table(); }

const FilterDesc* find_omni_filter(std::string_view name) {
  for (const FilterDesc* d : table())
    if (name == d->name) return d;
  return nullptr;
}

void register_extra_filter(const FilterDesc* desc) {
  auto& t = table();
  t.push_back(desc);
  std::sort(t.begin(), t.end(), [](auto* a, auto* b) { return std::string_view(a->name) < b->name; });
}

}  // namespace omni

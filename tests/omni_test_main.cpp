// omni with the test-only filters registered (testdelay, testalpha).
#include "cli/omni_main.h"
#include "core/filtergraph/filter.h"

namespace omni {
extern const FilterDesc testdelay_filter, testalpha_filter;
}

int main(int argc, char** argv) {
  omni::register_extra_filter(&omni::testdelay_filter);
  omni::register_extra_filter(&omni::testalpha_filter);
  return omni::omni_main(argc, argv);
}

// Preset files' layers (see presets.h).
#include "core/presets.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/error.h"

namespace omni {

namespace {
std::string slurp(std::ifstream& f) { return std::string((std::istreambuf_iterator<char>(f)), {}); }
}  // namespace

std::vector<PresetLayer> preset_layers(std::string_view embedded, const std::string& file, const char* env) {
  std::vector<PresetLayer> layers{{std::string(embedded), "presets/" + file}};
  std::string user;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) user = std::string(x) + "/omni/" + file;
  else if (const char* h = std::getenv("HOME"); h && *h) user = std::string(h) + "/.config/omni/" + file;
  if (std::ifstream f(user); !user.empty() && f) layers.push_back({slurp(f), user});
  if (const char* p = std::getenv(env); p && *p) {
    std::ifstream f(p);
    if (!f) fail("{}={}: cannot read", env, p);
    layers.push_back({slurp(f), p});
  }
  return layers;
}

}  // namespace omni

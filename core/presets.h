// Preset files (styles, grades; recipes and vocabularies to come): the copy built into omni
// first, then the user's own file, then the file an environment variable names. Later layers
// override earlier ones by name; each reader merges them.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace omni {

struct PresetLayer {
  std::string text;   // TOML
  std::string where;  // the name errors give it: presets/grades.toml, the user's path, $OMNI_GRADES's path
};

// file: "grades.toml" (presets/grades.toml built in, $XDG_CONFIG_HOME/omni/grades.toml or
// ~/.config/omni/grades.toml when it exists); env: "OMNI_GRADES" (when set, it must be readable).
std::vector<PresetLayer> preset_layers(std::string_view embedded, const std::string& file, const char* env);

}  // namespace omni

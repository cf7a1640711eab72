// Recipes: named chains with parameters (presets/recipes.toml, then ~/.config/omni/recipes.toml,
// then $OMNI_RECIPES; a later one of the same name replaces an earlier one).
//   omni -i in.mp4 -recipe vertical-short out.mp4
//   omni -i in.mp4 -recipe "green-screen:color=blue" out.mp4
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace omni {

struct Recipe {
  std::string name, help;
  std::string chain;                                         // with {param} places
  std::vector<std::string> args;                             // output options, with {param} places
  std::vector<std::pair<std::string, std::string>> params;   // name, default
  std::vector<std::string> say;                              // phrases `omni edit` knows it by
  std::string where;                                         // the file it came from
};

const std::vector<Recipe>& recipes();

struct RecipeUse {
  std::string chain;
  std::vector<std::string> args;
};
// "NAME[:param=value...]" filled in. Throws Error for an unknown recipe or parameter (with the
// nearest name).
RecipeUse use_recipe(const std::string& spec);

// `omni -recipes`: each recipe, its parameters and what it runs.
std::string recipes_text();

}  // namespace omni

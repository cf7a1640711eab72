// A TOML list of strings, for the preset readers of cli/ (recipes, omni edit's vocabulary).
#pragma once
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/error.h"

namespace omni {

// n: the node (may be null: an empty list); `where` and `key` name it in the error.
inline std::vector<std::string> toml_strings(const toml::node* n, const std::string& where, const std::string& key) {
  std::vector<std::string> out;
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a) fail("{}: {} must be a list of strings", where, key);
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s) fail("{}: {} must be a list of strings", where, key);
    out.push_back(*s);
  }
  return out;
}

}  // namespace omni

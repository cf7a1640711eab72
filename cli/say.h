// `omni edit`'s sentence compiler: a sentence in English or Chinese (or both) to a filter chain
// and output options, deterministically, from the vocabulary in presets/say.*.toml (and the
// user's $OMNI_SAY or ~/.config/omni/say.toml, and the recipes' own `say` phrases). No model: the
// same sentence always gives the same chain, which omni prints so the user learns the command.
#pragma once
#include <string>
#include <vector>

namespace omni {

struct Said {
  std::string chain;              // -vf text, e.g. "remove=people,restyle=pixel" ("" when none)
  std::vector<std::string> args;  // output options, e.g. {"-t", "5"}
  std::string understood;         // what was understood, quoted pieces ("remove the people", ...)
};

// Throws Error, one line, naming what was understood and what was not ("edit: I understood
// \"remove the people\" (remove=people) but not \"with sparkles\"; nothing was run"), with the
// nearest known word for a misspelling; or naming the filter's own error for a value out of range.
Said compile_sentence(const std::string& sentence);

// The loaded vocabulary, for `omni edit --vocabulary`.
std::string vocabulary_text();

}  // namespace omni

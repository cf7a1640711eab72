// The command line, declared once as a table (llama.cpp's arg.cpp habit): each row has the
// option's names, value hint, help and what it does. The table drives parsing, `omni -h` and the
// man page, so they cannot drift apart.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/media/job.h"

namespace omni {

enum class ArgScope { Global, File, Output };  // File: applies to the next -i or the output

struct ParseState {
  Job job;
  InputSpec pending;          // per-file options seen since the last file
  bool pending_used = false;
  std::vector<std::pair<std::string, std::string>> pending_av;  // library options before the next file
  std::vector<std::string> actions;  // -h, -filters, -version, ... (run instead of a job)
  std::string action_arg;
  std::string recipe_chain;  // -recipe's chain, put before -vf's
};

struct ArgDef {
  std::vector<std::string> names;  // first is the main one: "-c:v", "-vcodec", "-codec:v"
  const char* hint;                // value hint ("CODEC"), nullptr for a flag
  const char* help;
  ArgScope scope;
  const char* group;               // "main", "video", "audio", "output", "info"
  std::function<void(ParseState&, const std::string&)> apply;
};

const std::vector<ArgDef>& arg_table();
// The row with this name (any of its names), or nullptr.
const ArgDef* find_arg(const std::string& name);

// Parses argv (without argv[0]). Throws Error with a one-line message.
ParseState parse_args(const std::vector<std::string>& args);

}  // namespace omni

namespace omni {
// -loglevel is needed before anything else is parsed (errors while parsing may log).
int loglevel_from_args(const std::vector<std::string>& args);
}  // namespace omni

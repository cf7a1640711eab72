// omni edit: a sentence instead of -vf.
//   omni edit -i in.mp4 "remove the people and make it look like pixel art" out.mp4
//   omni edit -i in.mp4 "把视频改为绿幕，保留画面中的人" out.mp4
//   omni edit -i in.mp4 "blur the background" --dry-run
// The sentence is compiled (cli/say.cpp) and the chain printed on stderr; then it is an ordinary
// omni job with the same options (temporary name and rename, -y/-n, progress).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/args.h"
#include "cli/say.h"
#include "core/error.h"

extern "C" {
#include <libavutil/log.h>
}

namespace omni {

int run_command(std::vector<std::string> args);  // cli/omni_main.cpp

namespace {

// As a shell reads it back: bare when safe, else in double quotes.
std::string shell_word(const std::string& s, bool always = false) {
  bool safe = !s.empty();
  for (unsigned char c : s)
    if (!(std::isalnum(c) || std::strchr("_./:=,+-@%", c) || c >= 0x80)) safe = false;
  if (safe && !always) return s;
  std::string out = "\"";
  for (char c : s) {
    if (std::strchr("\\\"$`", c)) out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* kUsage =
    "usage: omni edit [options] -i INPUT \"SENTENCE\" OUTPUT\n"
    "       omni edit -i INPUT \"SENTENCE\" --dry-run      print the command, run nothing\n"
    "       omni edit --vocabulary                       the words it knows (presets/say.*.toml)\n"
    "The sentence, in English or Chinese, becomes a filter chain (printed, so you learn the -vf);\n"
    "every other option is omni's (-y, -t, -c:v ...). Examples:\n"
    "  omni edit -i in.mp4 \"remove the people and make it look like pixel art\" out.mp4\n"
    "  omni edit -i in.mp4 \"把视频改为绿幕，保留画面中的人\" out.mp4\n";

}  // namespace

int edit_main(const std::vector<std::string>& args) {
  bool dry = false;
  std::vector<std::string> options, positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--vocabulary" || a == "-vocabulary") {
      fputs(vocabulary_text().c_str(), stdout);
      return 0;
    }
    if (a == "-h" || a == "--help" || a == "-help") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--dry-run" || a == "-dry_run") {
      dry = true;
      continue;
    }
    if (a.size() >= 2 && a[0] == '-') {
      options.push_back(a);
      // An option's value travels with it: omni's table says which take one; a library option always does.
      const ArgDef* d = find_arg(a);
      const bool flag = d && !d->hint;
      if (!flag && i + 1 < args.size()) options.push_back(args[++i]);
      continue;
    }
    positional.push_back(a);
  }
  if (positional.empty()) fail("edit: no sentence; {}", "usage: omni edit -i INPUT \"SENTENCE\" OUTPUT (omni edit -h)");
  if (positional.size() > 2)
    fail("edit: more than a sentence and an output given ('{}', '{}', '{}'); put the sentence in quotes", positional[0], positional[1],
         positional[2]);
  if (positional.size() == 1 && !dry) fail("edit: no output file given; usage: omni edit -i INPUT \"SENTENCE\" OUTPUT (or --dry-run)");
  for (const std::string& o : options)
    if (o == "-vf" || o == "-filter:v" || o == "-filter_complex" || o == "-lavfi" || o == "-recipe")
      fail("edit: {} and a sentence both say what to do; give one (omni -i IN {} ... OUT runs a chain)", o, o);
  const Said said = compile_sentence(positional[0]);
  std::vector<std::string> run = options;
  if (!said.chain.empty()) run.push_back("-vf"), run.push_back(said.chain);
  run.insert(run.end(), said.args.begin(), said.args.end());
  if (positional.size() == 2) run.push_back(positional[1]);
  std::string shown = said.chain.empty() ? "" : "-vf " + shell_word(said.chain, true);
  for (const std::string& a : said.args) shown += (shown.empty() ? "" : " ") + shell_word(a);
  if (dry) {
    std::string cmd = "omni";
    for (const std::string& a : run) cmd += " " + (a == said.chain ? shell_word(a, true) : shell_word(a));
    if (positional.size() == 1) cmd += " OUTPUT";
    fmt::print("{}\n", cmd);
    return 0;
  }
  // As ffmpeg's notices: shown unless the user asked for errors only (-v error, -v quiet).
  if (av_log_get_level() >= AV_LOG_WARNING) fmt::print(stderr, "omni: edit: {}\n", shown);
  return run_command(run);
}

}  // namespace omni

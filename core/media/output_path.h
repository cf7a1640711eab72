// Where the output really goes: a temporary name in the target folder, renamed over the final
// name only when the file is complete (so a crash or kill never leaves a half file under the
// name the user asked for). Pipes, devices and image-sequence patterns are written directly.
#pragma once
#include <string>
#include <vector>

#include "core/media/job.h"

namespace omni {

class OutputPath {
 public:
  // Checks -y/-n, asks on a TTY, refuses an output that is one of the inputs, a read-only file
  // and a folder it cannot write to. `direct`: write the final name itself (an image-sequence
  // pattern, a pipe). Throws Error.
  OutputPath(const std::string& final_path, const std::vector<std::string>& inputs, Overwrite mode, bool direct);
  ~OutputPath();  // removes the temporary file unless commit() ran

  const std::string& write_path() const { return direct_ ? final_ : tmp_; }
  // Call right before the file is created: from then on a crash (SIGSEGV, SIGABRT, ...) or a
  // forced exit removes the temporary file (an async-signal-safe unlink in the handler).
  void arm();
  void commit();  // renames the temporary file to the final name (throws on failure)

 private:
  std::string final_, tmp_;
  bool direct_ = false, committed_ = false;
};

// True when `path` is a plain file we may stage under a temporary name ("-", "pipe:", other
// protocols and existing devices are not).
bool is_stageable_path(const std::string& path);

// Removes the armed temporary output now. Async-signal-safe: for signal handlers.
void remove_partial_output();

// Installs handlers for the fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) that remove
// the temporary output, then die of the same signal.
void install_crash_cleanup();

}  // namespace omni

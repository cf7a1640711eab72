// Where the output really goes: a temporary name in the target folder, renamed over the final
// name only when the file is complete (so a crash or kill never leaves a half file under the
// name the user asked for). Pipes, devices and image-sequence patterns are written directly.
#pragma once
#include <string>
#include <vector>

#include "core/job.h"

namespace omni {

class OutputPath {
 public:
  // Checks -y/-n, asks on a TTY, refuses an output that is one of the inputs. Throws Error.
  OutputPath(const std::string& final_path, const std::vector<std::string>& inputs, Overwrite mode, bool direct);
  ~OutputPath();  // removes the temporary file unless commit() ran

  const std::string& write_path() const { return direct_ ? final_ : tmp_; }
  void commit();  // renames the temporary file to the final name (throws on failure)

 private:
  std::string final_, tmp_;
  bool direct_ = false, committed_ = false;
};

// True when `path` is a plain file we may stage under a temporary name ("-", "pipe:", other
// protocols and existing devices are not).
bool is_stageable_path(const std::string& path);

}  // namespace omni

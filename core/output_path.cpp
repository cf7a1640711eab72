#include "core/output_path.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

namespace omni {

bool is_stageable_path(const std::string& path) {
  if (path == "-" || path.empty()) return false;
  // "proto:..." (pipe:1, tcp://...) but not a Windows-ish or relative path with a colon later.
  size_t colon = path.find(':');
  size_t slash = path.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash) && colon > 1) return false;
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return false;  // /dev/null, a FIFO
  return true;
}

static std::string base_name(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

static std::string dir_name(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "." : s == 0 ? "/" : p.substr(0, s);
}

OutputPath::OutputPath(const std::string& final_path, const std::vector<std::string>& inputs, Overwrite mode,
                       bool direct)
    : final_(final_path), direct_(direct || !is_stageable_path(final_path)) {
  struct stat out_st;
  bool exists = stat(final_path.c_str(), &out_st) == 0;
  if (exists) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      struct stat in_st;
      if (stat(inputs[i].c_str(), &in_st) == 0 && in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino)
        fail("output '{}' is the same file as input #{} ('{}'); write to another name", final_path, i, inputs[i]);
    }
  }
  if (exists && S_ISREG(out_st.st_mode)) {
    if (mode == Overwrite::Never) throw Error(fmt::format("output '{}' already exists; not overwriting (-n)", final_path));
    if (mode == Overwrite::Ask) {
      if (!isatty(STDIN_FILENO))
        fail("output '{}' already exists; add -y to overwrite it, or -n to skip existing outputs", final_path);
      std::cerr << "File '" << final_path << "' already exists. Overwrite? [y/N] " << std::flush;
      std::string answer;
      std::getline(std::cin, answer);
      if (answer.empty() || (answer[0] != 'y' && answer[0] != 'Y')) fail("output '{}': not overwritten", final_path);
    }
  }
  if (!direct_) {
    tmp_ = dir_name(final_path) + "/." + base_name(final_path) + fmt::format(".omni-{}.part", getpid());
    struct stat dir_st;
    if (stat(dir_name(final_path).c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode))
      fail("output '{}': the folder '{}' does not exist; create it first", final_path, dir_name(final_path));
  }
}

OutputPath::~OutputPath() {
  if (!direct_ && !committed_) std::remove(tmp_.c_str());
}

void OutputPath::commit() {
  if (direct_ || committed_) return;
  if (std::rename(tmp_.c_str(), final_.c_str()) != 0)
    fail("output '{}': cannot rename the finished file into place: {}", final_, std::strerror(errno));
  committed_ = true;
}

}  // namespace omni

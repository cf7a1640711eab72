#include "core/media/output_path.h"

#include <cerrno>
#include <climits>
#include <dirent.h>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

namespace omni {

// The armed temporary file, as a fixed buffer a signal handler may read (one output per process).
static char g_partial[PATH_MAX];
static volatile sig_atomic_t g_partial_armed = 0;

void remove_partial_output() {
  if (g_partial_armed) {
    unlink(g_partial);
    g_partial_armed = 0;
  }
}

static struct sigaction g_previous[NSIG];

// Removes the file, puts back whatever handled the signal before (the default, or a sanitizer's
// reporter) and returns: a fault happens again at once and reaches that handler with its real
// address; abort() raises again by itself; a signal sent by someone is raised again.
static void on_fatal_signal(int sig, siginfo_t* info, void*) {
  remove_partial_output();
  sigaction(sig, &g_previous[sig], nullptr);
  if (info->si_code <= 0) raise(sig);  // SI_USER, SI_TKILL, SI_QUEUE: not a fault
}

void install_crash_cleanup() {
  struct sigaction sa {};
  sa.sa_sigaction = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, &g_previous[sig]);
}

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

// Temporary files of earlier runs for the same output that were killed (SIGKILL cannot be
// caught) and whose process is gone: removed, so kills do not pile up hidden files.
static void remove_stale_parts(const std::string& dir, const std::string& base) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  const std::string prefix = "." + base + ".omni-";
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() <= prefix.size() + 5 || n.compare(0, prefix.size(), prefix) != 0 || !n.ends_with(".part")) continue;
    std::string pid_text = n.substr(prefix.size(), n.size() - prefix.size() - 5);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = pid_t(std::stol(pid_text));
    if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) unlink((dir + "/" + n).c_str());
  }
  closedir(d);
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
    // A rename would replace a file the user could not have written (mode 444): ffmpeg's open
    // fails there with "Permission denied", and so do we, before any work.
    if (access(final_path.c_str(), W_OK) != 0)
      fail("output '{}': permission denied (the file is read-only); make it writable or choose another name", final_path);
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
    if (access(dir_name(final_path).c_str(), W_OK | X_OK) != 0)
      fail("output '{}': permission denied (cannot write in the folder '{}')", final_path, dir_name(final_path));
    if (tmp_.size() >= sizeof g_partial) fail("output '{}': the path is too long", final_path);
    remove_stale_parts(dir_name(final_path), base_name(final_path));
  }
}

void OutputPath::arm() {
  if (direct_ || g_partial_armed) return;
  memcpy(g_partial, tmp_.c_str(), tmp_.size() + 1);
  g_partial_armed = 1;
}

OutputPath::~OutputPath() {
  if (!direct_ && !committed_) {
    g_partial_armed = 0;
    std::remove(tmp_.c_str());
  }
}

void OutputPath::commit() {
  if (direct_ || committed_) return;
  if (std::rename(tmp_.c_str(), final_.c_str()) != 0)
    fail("output '{}': cannot rename the finished file into place: {}", final_, std::strerror(errno));
  g_partial_armed = 0;
  committed_ = true;
}

}  // namespace omni

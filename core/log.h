// FFmpeg's log output, routed through omni: messages at or below the user's -loglevel are
// printed as ffmpeg prints them; error messages are also kept so that omni's one-line errors can
// quote what the library said ("Invalid argument" alone helps nobody).
#pragma once
#include <string>

namespace omni {

void install_av_log();                 // once, at start-up
void set_log_level(int av_log_level);  // AV_LOG_*; what -loglevel sets
int log_level();
std::string take_last_av_error();      // the last error-level line the libraries logged, then ""

// While one exists, library messages are kept instead of printed; on destruction they are
// printed unless discard() was called or the scope is left by an exception (used around steps
// whose failure we report ourselves, in one line).
class LogHold {
 public:
  LogHold();
  ~LogHold();
  void discard();
  LogHold(const LogHold&) = delete;
  LogHold& operator=(const LogHold&) = delete;

 private:
  int exceptions_;  // in flight when it was made
};

}  // namespace omni

// Progress reporting like ffmpeg's: a status line on stderr ("frame= fps= q= size= time=
// bitrate= speed=" plus eta when the input duration is known) and, with -progress URL, blocks
// of key=value lines ending in progress=continue|end for scripts.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

struct AVIOContext;

namespace omni {

struct ProgressState {
  int64_t frames = 0;       // video frames encoded for the first video output
  double quality = -1;      // encoder q of the last packet, -1 when unknown
  int64_t bytes = 0;        // bytes written to the output so far
  double out_time = 0;      // seconds of output written (largest end timestamp)
  double duration = -1;     // expected output duration in seconds, -1 when unknown
};

class Progress {
 public:
  Progress(bool stats, const std::string& url);  // url may be "" (no -progress)
  ~Progress();
  void update(const ProgressState& s, bool final = false);  // rate-limited unless final
  bool due(bool final) const;  // whether update() would print now (callers skip gathering the state)

 private:
  bool stats_;
  AVIOContext* pb_ = nullptr;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace omni

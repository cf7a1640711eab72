// Video frame-rate sync as ffmpeg 5.1's do_video_out does it (-fps_mode / -vsync): which frames
// go to the encoder, how often, and with which timestamps. cfr duplicates and drops to hold a
// constant rate; vfr keeps each frame's time and drops only frames that fall behind; passthrough
// keeps every frame as it is. ffmpeg's default depends on the muxer: cfr for formats with fixed
// frame durations (mp4, mov, mpeg), vfr for those that store any timestamp (mkv, webm), avi vfr,
// passthrough where the format stores none.
#pragma once
#include <cstdint>
#include <string>

struct AVOutputFormat;

namespace omni {

enum class SyncMode { Cfr, VsCfr, Vfr, Passthrough };

// The mode for `requested` ("", cfr, vfr, passthrough, drop) with this muxer. `single_stream`:
// the frames come from an input file with one stream (ffmpeg's "vscfr": no initial duplicates).
SyncMode sync_mode(const std::string& requested, const AVOutputFormat* muxer, bool single_stream);

class VideoSync {
 public:
  explicit VideoSync(SyncMode mode = SyncMode::Vfr) : mode_(mode) {}
  SyncMode mode() const { return mode_; }

  // For the next frame (or the end of the stream: have_frame false): sync_ipts is its time in
  // encoder ticks (fractional), duration its length in ticks. Returns nb: how many frames to
  // send, of which the first nb0 repeat the previous frame; the frames take the timestamps
  // next_pts(), next_pts()+1, ... (call sent() after each).
  struct Plan {
    int nb0 = 0, nb = 0;
  };
  Plan plan(bool have_frame, double sync_ipts, double duration, int64_t frames_left);
  int64_t next_pts() const { return next_; }
  void sent() { ++next_, ++frame_number_; }

 private:
  SyncMode mode_;
  int64_t next_ = 0, frame_number_ = 0;
  int last_nb0_[3] = {0, 0, 0};
};

}  // namespace omni

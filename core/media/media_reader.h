// MediaReader: a second picture source for filters that take a path (matte's bg=beach.jpg or
// bg=waves.mp4, later replace's with=...). Anything FFmpeg decodes: a still image gives the same
// picture every time; a video follows the time it is asked for (the picture shown at that time
// in the clip) and loops: at time t past its duration d it shows the picture at t mod d.
// Pictures come out at the requested size (Fit: cover = aspect kept, centre crop; contain =
// aspect kept, black bars; stretch), in the requested pixel format, with BT.601/709 chosen like
// the frames they will be mixed with.
#pragma once
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

enum class Fit { Cover, Contain, Stretch };

class MediaReader {
 public:
  explicit MediaReader(const std::string& path, Fit fit = Fit::Cover);  // throws a one-line Error if it cannot decode
  ~MediaReader();
  // The picture at time `t` (seconds from the start of the clip), at `like`'s size, pixel format
  // and colour tags. Times should mostly increase (going back costs a seek).
  Frame at(double t, const Frame& like);
  // The picture at time `t` at the clip's own size, as 8-bit BGRA: its alpha when it has one
  // (PNG, WebM VP8/VP9 with alpha, FFV1 or ProRes 4444, GIF), else opaque. add=video='s pictures.
  cv::Mat bgra_at(double t);
  bool has_alpha() const;  // its pictures carry alpha (as decoded)
  bool is_still() const;
  double duration() const;  // seconds, 0 for a still

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
};

// Seconds since the first frame it was given, from the frames' timestamps: the time at which a
// filter asks a MediaReader for its picture (a background clip starts with the video).
class ClipClock {
 public:
  void set_time_base(AVRational tb) { tb_ = tb; }
  double seconds(const Frame& f) {
    ++count_;
    if (f.pts() == AV_NOPTS_VALUE) return (count_ - 1) * av_q2d(tb_);
    if (first_ == AV_NOPTS_VALUE) first_ = f.pts();
    return (f.pts() - first_) * av_q2d(tb_);
  }

 private:
  AVRational tb_{1, 25};
  int64_t first_ = AV_NOPTS_VALUE, count_ = 0;
};

}  // namespace omni

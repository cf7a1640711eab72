#include "core/media/vsync.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace omni {

SyncMode sync_mode(const std::string& requested, const AVOutputFormat* muxer, bool single_stream) {
  if (requested == "passthrough" || requested == "drop") return SyncMode::Passthrough;
  if (requested == "vfr") return SyncMode::Vfr;
  SyncMode m;
  if (requested == "cfr") m = SyncMode::Cfr;
  else if (std::string(muxer->name) == "avi") m = SyncMode::Vfr;
  else if (muxer->flags & AVFMT_VARIABLE_FPS) m = (muxer->flags & AVFMT_NOTIMESTAMPS) ? SyncMode::Passthrough : SyncMode::Vfr;
  else m = SyncMode::Cfr;
  if (m == SyncMode::Cfr && single_stream) m = SyncMode::VsCfr;
  return m;
}

static int median3(int a, int b, int c) { return std::max(std::min(a, b), std::min(std::max(a, b), c)); }

VideoSync::Plan VideoSync::plan(bool have_frame, double sync_ipts, double duration, int64_t frames_left) {
  Plan p;
  if (!have_frame) {
    // The end: repeat the last frame as often as the recent frames needed repeating.
    p.nb0 = p.nb = median3(last_nb0_[0], last_nb0_[1], last_nb0_[2]);
  } else {
    double delta0 = sync_ipts - double(next_);
    double delta = delta0 + duration;
    p.nb = 1;
    if (delta0 < 0 && delta > 0 && mode_ != SyncMode::Passthrough) {
      // The frame starts before the next slot but ends after it: it takes that slot.
      sync_ipts = double(next_);
      duration += delta0;
      delta0 = 0;
    }
    switch (mode_) {
      case SyncMode::VsCfr:
        if (frame_number_ == 0 && delta0 >= 0.5) {  // no duplicates of the first frame to fill a gap at the start
          delta = duration;
          delta0 = 0;
          next_ = std::llrint(sync_ipts);
        }
        [[fallthrough]];
      case SyncMode::Cfr:
        if (delta < -1.1) p.nb = 0;
        else if (delta > 1.1) {
          p.nb = int(std::llrint(delta));
          if (delta0 > 1.1) p.nb0 = int(std::llrint(delta0 - 0.6));
        }
        break;
      case SyncMode::Vfr:
        if (delta <= -0.6) p.nb = 0;
        else if (delta > 0.6) next_ = std::llrint(sync_ipts);
        break;
      case SyncMode::Passthrough:
        next_ = std::llrint(sync_ipts);
        break;
    }
  }
  if (frames_left >= 0) p.nb = int(std::min<int64_t>(p.nb, frames_left));
  p.nb0 = std::min(p.nb0, p.nb);
  last_nb0_[2] = last_nb0_[1];
  last_nb0_[1] = last_nb0_[0];
  last_nb0_[0] = p.nb0;
  return p;
}

}  // namespace omni

// core/perception: salient objects over a stream.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

// ---- salient objects ----------------------------------------------------------------------

// The salient-object mask (ISNet) over a stream. ISNet costs seconds per frame on a CPU, so it
// runs on key frames only: the first, every `keyint` frames, at scene cuts, and when the carried
// mask degrades (the frame no longer matches the previous one moved along the flow). In between
// the mask is carried along dense optical flow (DIS) at a working resolution.
class SalientTracker {
 public:
  // `one_object`: the most salient object only, followed whole across key frames (remove:
  // keep_one_object in salient.cpp); else everything the network marks (a matte's exact edge).
  explicit SalientTracker(int keyint, std::string model = "isnet", bool one_object = false);
  ~SalientTracker();
  cv::Mat probability(Frame& f);   // CV_32F in [0,1] at the working resolution; memoised
  int model_runs() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

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
  explicit SalientTracker(int keyint, std::string model = "isnet");
  ~SalientTracker();
  cv::Mat probability(Frame& f);   // CV_32F in [0,1] at the working resolution; memoised
  int model_runs() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

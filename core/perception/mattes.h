// core/perception: probability maps to frame-size alphas.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

// ---- mattes -------------------------------------------------------------------------------

struct MatteOptions {
  float threshold = 0.5f;  // probability that counts as "subject"
  float softness = 0.25f;  // width of the probability ramp around the threshold
  int refine = 8;          // guided-filter radius in frame pixels (0: plain upscaling)
  float smooth = 0.6f;     // temporal smoothing where the frame is still (0: none)
  float feather = 0;       // extra Gaussian softening of the edge, frame pixels
};

// Probability map (any resolution) → 8-bit alpha at frame resolution: thresholded with a soft
// ramp, aligned to the frame's edges with a guided filter (the frame's luma as guide), smoothed
// over time where the picture is still (no lag where it moves). One per stream: it keeps the
// previous frame.
class MatteRefiner {
 public:
  explicit MatteRefiner(MatteOptions o) : o_(o) {}
  cv::Mat refine(const cv::Mat& probability, const Frame& f);  // CV_8U, frame size
  void reset() { prev_p_.release(); }

 private:
  MatteOptions o_;
  cv::Mat prev_p_, prev_i_;
};

}  // namespace omni

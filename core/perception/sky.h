// core/perception: where the sky is, without a network (none that ships here segments sky).
//
// Sky is bright, smooth and open to the top of the picture. Seeds are the pixels that are all
// three (and not green: vegetation is smooth and bright too); the seeds' colours, clustered
// (blue sky and white clouds are two colours, and one ellipse round both would take in a pale
// wall), give every pixel a colour likeness; likeness times smoothness, kept only where it
// joins the seeds, is the probability. It fails where the sky shows through fine texture (the
// gaps between branches stay old sky), under a night sky, and on a smooth bright wall that
// meets the top of the picture in the sky's own colour.
#pragma once
#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

class SkyFinder {
 public:
  // CV_32F in [0,1] at a working size (the frame scaled to about 320 pixels wide); all zero
  // when the frame shows no sky.
  cv::Mat probability(const Frame& f);
  // The share of the frame the last probability calls sky (above 0.5).
  double coverage() const { return coverage_; }

 private:
  double coverage_ = 0;
};

}  // namespace omni

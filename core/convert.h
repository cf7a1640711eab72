// 8-bit BGR pictures to and from a frame's own planar YUV, with the frame's colour matrix
// (BT.601/709/2020) and range, through swscale. For filters whose method works in RGB but whose
// output must keep the input's format and colour tags (libavfilter's automatic conversion to an
// RGB format and back loses the tags and assumes BT.601 on the way back: a BT.709 clip came
// out with shifted colours, 26 dB).
#pragma once
#include <memory>

#include <opencv2/core/mat.hpp>

#include "core/frame.h"

namespace omni {

class BgrConverter {
 public:
  BgrConverter();
  ~BgrConverter();
  cv::Mat to_bgr(const Frame& f);                 // frame size, CV_8UC3
  void from_bgr(const cv::Mat& bgr, Frame& out);  // bgr: frame size; out: allocated, tags set

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

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

// A continuous CV_8UC3 picture with slack after its last row, for swscale to write into or read
// from. swscale's SIMD paths move whole groups of 8-16 pixels: into a tightly packed BGR picture
// whose width is not a multiple of 16 (426, 360, 1080, 40) they wrote up to 45 bytes past the end
// and corrupted the heap. Every BGR picture that swscale touches comes from here.
cv::Mat sws_bgr(int width, int height);

class BgrConverter {
 public:
  BgrConverter();
  ~BgrConverter();
  cv::Mat to_bgr(const Frame& f);                 // frame size, CV_8UC3
  void from_bgr(const cv::Mat& bgr, Frame& out);  // bgr: frame size; out: allocated, tags set
  // (bgr is copied into a padded picture first unless it came from sws_bgr)

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

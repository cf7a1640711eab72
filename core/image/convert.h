// 8-bit BGR pictures to and from a frame's own planar YUV, with the frame's colour matrix
// (BT.601/709/2020) and range, through swscale. For filters whose method works in RGB but whose
// output must keep the input's format and colour tags (libavfilter's automatic conversion to an
// RGB format and back loses the tags and assumes BT.601 on the way back: a BT.709 clip came
// out with shifted colours, 26 dB).
#pragma once
#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

struct SwsContext;

namespace omni {

// swscale into and out of 8-bit BGR pictures. swscale's SIMD paths move whole groups of 8-16
// pixels: into a tightly packed BGR picture whose width is not a multiple of 16 (426, 360, 1080,
// 40) they wrote up to 45 bytes past the end and corrupted the heap. These go through a scratch
// buffer with slack and copy, so the pictures stay plain cv::Mats (an ROI of a padded block would
// not do: OpenCV's filters read the pixels around an ROI as its border).
void sws_to_bgr(SwsContext* c, const AVFrame* src, cv::Mat& out, std::vector<uint8_t>& scratch);     // out: allocated, CV_8UC3 (or CV_8UC4 for BGRA)
void sws_from_bgr(SwsContext* c, const cv::Mat& bgr, AVFrame* dst, std::vector<uint8_t>& scratch);  // bgr: CV_8UC3

// `out` takes `original`'s samples wherever `changed` (CV_8U, frame size, non-zero = edited) is
// zero, plane by plane; a chroma sample is kept only when none of the pixels it covers changed.
// A BGR round trip is close but not exact (swscale's rounding moved luma by 1-2 levels), and an
// edit of one region must give the rest back as it came in. Same size and format.
void keep_unchanged(const Frame& original, const cv::Mat& changed, Frame& out);

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

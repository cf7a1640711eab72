// Test frames from pictures, shared by the unit tests.
#pragma once
#include <opencv2/imgproc.hpp>

#include "core/media/frame.h"

namespace omni::test {

// A 4:2:0 frame from a BGR picture (OpenCV's BT.601 limited-range conversion).
inline Frame frame_from_bgr(const cv::Mat& bgr) {
  cv::Mat i420;
  cv::cvtColor(bgr, i420, cv::COLOR_BGR2YUV_I420);
  int w = bgr.cols, h = bgr.rows;
  Frame f = Frame::alloc(w, h, AV_PIX_FMT_YUV420P);
  i420(cv::Rect(0, 0, w, h)).copyTo(f.mat(0));
  cv::Mat u(h / 2, w / 2, CV_8U, i420.ptr(h)), v(h / 2, w / 2, CV_8U, i420.ptr(h) + (w / 2) * (h / 2));
  u.copyTo(f.mat(1));
  v.copyTo(f.mat(2));
  f.av()->colorspace = AVCOL_SPC_BT470BG;
  f.av()->color_range = AVCOL_RANGE_MPEG;
  return f;
}

}  // namespace omni::test

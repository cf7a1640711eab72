#include "core/image/flow.h"

#include <algorithm>

#include <opencv2/core.hpp>

namespace omni {

// Measured: no size with both sides >= 32 crashed or threw (OpenCV 4.6, every preset, sides up to 1000).
constexpr int kMinSide = 32;

void dense_flow(cv::DISOpticalFlow& dis, const cv::Mat& from, const cv::Mat& to, cv::Mat& flow) {
  if (from.cols >= kMinSide && from.rows >= kMinSide) {
    dis.calc(from, to, flow);
    return;
  }
  int right = std::max(0, kMinSide - from.cols), bottom = std::max(0, kMinSide - from.rows);
  cv::Mat a, b, f;
  cv::copyMakeBorder(from, a, 0, bottom, 0, right, cv::BORDER_REPLICATE);
  cv::copyMakeBorder(to, b, 0, bottom, 0, right, cv::BORDER_REPLICATE);
  dis.calc(a, b, f);
  flow = f(cv::Rect(0, 0, from.cols, from.rows)).clone();
}

}  // namespace omni

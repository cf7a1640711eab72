// Dense optical flow (OpenCV's DIS) at any picture size. DIS itself throws for pictures under 8
// px on a side and, in OpenCV 4.6, reads out of bounds and crashes when the shorter side is under
// 32 px while the longer is large (a 640x240 pixel-art block grid is 80x30: SIGSEGV). Pictures are
// padded (edges replicated) to 32 px on each side first and the flow cropped back, so callers
// never meet either limit.
#pragma once
#include <opencv2/core/mat.hpp>
#include <opencv2/video/tracking.hpp>

namespace omni {

// flow: CV_32FC2 of from's size, from(x) ≈ to(x + flow(x)). from, to: CV_8U of the same size.
void dense_flow(cv::DISOpticalFlow& dis, const cv::Mat& from, const cv::Mat& to, cv::Mat& flow);

}  // namespace omni

// core/image: a homography warp that takes OpenCV's affine path when the homography is one over
// the output (a panning camera's has almost no perspective): warpAffine costs about a third of
// warpPerspective. Used by the scene memory's tiles.
#pragma once
#include <opencv2/core.hpp>

namespace omni {

// dst(x, y) = src(M * (x, y, 1)) for the pixels of a `size` output (M maps output pixels into
// `src`, as with WARP_INVERSE_MAP). The affine warp through three of the output's corners is used
// where it misses the fourth corner and the centre by under 0.1 px.
void warp_inverse(const cv::Mat& src, cv::Mat& dst, const cv::Matx33d& M, cv::Size size, int interpolation, int border = cv::BORDER_CONSTANT,
                  const cv::Scalar& value = cv::Scalar());

}  // namespace omni

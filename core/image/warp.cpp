// core/image/warp.h says what it does.
#include "core/image/warp.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace omni {

void warp_inverse(const cv::Mat& src, cv::Mat& dst, const cv::Matx33d& M, cv::Size size, int interpolation, int border, const cv::Scalar& value) {
  auto through = [&](double x, double y) {
    const cv::Vec3d q = M * cv::Vec3d(x, y, 1);
    return cv::Point2f(float(q[0] / q[2]), float(q[1] / q[2]));
  };
  const float w = float(size.width), h = float(size.height);
  const cv::Point2f from[3] = {{0, 0}, {w, 0}, {0, h}}, to[3] = {through(0, 0), through(w, 0), through(0, h)};
  const cv::Matx23d A = cv::getAffineTransform(from, to);
  auto off = [&](double x, double y) {
    return cv::norm(cv::Point2d(A(0, 0) * x + A(0, 1) * y + A(0, 2), A(1, 0) * x + A(1, 1) * y + A(1, 2)) - cv::Point2d(through(x, y)));
  };
  if (std::max(off(w, h), off(w / 2, h / 2)) < 0.1)
    cv::warpAffine(src, dst, cv::Mat(A), size, interpolation | cv::WARP_INVERSE_MAP, border, value);
  else
    cv::warpPerspective(src, dst, cv::Mat(M), size, interpolation | cv::WARP_INVERSE_MAP, border, value);
}

}  // namespace omni

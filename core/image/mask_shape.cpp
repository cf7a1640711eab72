#include "core/image/mask_shape.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace omni {

MaskShape mask_shape(const cv::Mat& mask, float turn) {
  MaskShape s;
  if (mask.empty()) return s;
  cv::Mat on = mask.depth() == CV_32F ? cv::Mat(mask > 0.5f) : cv::Mat(mask > 127);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(on, labels, stats, centroids, 8, CV_32S);
  int best = 0, best_area = 0;
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_AREA) > best_area) best = i, best_area = stats.at<int>(i, cv::CC_STAT_AREA);
  if (best == 0) return s;
  cv::Mat part = labels == best;
  const cv::Moments m = cv::moments(part, true);
  s.found = true;
  s.area = float(m.m00);
  const double mu20 = m.mu20 / m.m00, mu02 = m.mu02 / m.m00, mu11 = m.mu11 / m.m00;
  s.axis = float(0.5 * std::atan2(2 * mu11, mu20 - mu02));
  const double common = std::sqrt(4 * mu11 * mu11 + (mu20 - mu02) * (mu20 - mu02));
  const double l1 = (mu20 + mu02 + common) / 2, l2 = std::max(1e-6, (mu20 + mu02 - common) / 2);
  s.elongation = float(std::sqrt(l1 / l2));
  // Extents along the turned axes: the pixels' projections, 2nd to 98th percentile (a ragged
  // edge pixel does not set the size).
  const float c = std::cos(turn), sn = std::sin(turn);
  std::vector<float> u, v;
  u.reserve(size_t(best_area)), v.reserve(size_t(best_area));
  const cv::Rect box(stats.at<int>(best, cv::CC_STAT_LEFT), stats.at<int>(best, cv::CC_STAT_TOP), stats.at<int>(best, cv::CC_STAT_WIDTH),
                     stats.at<int>(best, cv::CC_STAT_HEIGHT));
  for (int y = box.y; y < box.y + box.height; ++y) {
    const uint8_t* p = part.ptr(y);
    for (int x = box.x; x < box.x + box.width; ++x)
      if (p[x]) {
        const float fx = float(x) + 0.5f, fy = float(y) + 0.5f;
        u.push_back(fx * c + fy * sn), v.push_back(-fx * sn + fy * c);
      }
  }
  auto range = [](std::vector<float>& a, float& lo, float& hi) {
    const size_t i = a.size() / 50, j = a.size() - 1 - a.size() / 50;
    std::nth_element(a.begin(), a.begin() + long(i), a.end());
    lo = a[i];
    std::nth_element(a.begin(), a.begin() + long(j), a.end());
    hi = a[j];
  };
  float u0, u1, v0, v1;
  range(u, u0, u1), range(v, v0, v1);
  // One pixel's own width on each side: a one-pixel mask is one pixel wide.
  s.width = u1 - u0 + 1, s.height = v1 - v0 + 1;
  const float uc = (u0 + u1) / 2, vc = (v0 + v1) / 2;
  s.centre = cv::Point2f(uc * c - vc * sn, uc * sn + vc * c);
  return s;
}

}  // namespace omni

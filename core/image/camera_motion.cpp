#include "core/image/camera_motion.h"

#include <cmath>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace omni {

cv::Matx23d similarity_matrix(const Similarity& s, cv::Point2d c) {
  const double a = s.scale * std::cos(s.angle), b = s.scale * std::sin(s.angle);
  return {a, -b, c.x - a * c.x + b * c.y + s.shift.x, b, a, c.y - b * c.x - a * c.y + s.shift.y};
}

Similarity similarity_power(const Similarity& s, double p) {
  Similarity r;
  r.scale = std::pow(s.scale, p), r.angle = s.angle * p, r.shift = s.shift * p, r.found = s.found;
  return r;
}

struct CameraMotion::State {
  cv::Mat prev;
  double k = 1;  // working size = frame size / k
};

CameraMotion::CameraMotion() : s_(std::make_unique<State>()) {}
CameraMotion::~CameraMotion() = default;

Similarity CameraMotion::step(const cv::Mat& gray) {
  const int k = std::max(1, (gray.cols + 479) / 480);
  cv::Mat small;
  if (k == 1) small = gray.clone();
  else cv::resize(gray, small, {gray.cols / k, gray.rows / k}, 0, 0, cv::INTER_AREA);
  Similarity out;
  if (!s_->prev.empty() && s_->prev.size() == small.size()) {
    std::vector<cv::Point2f> p0, p1, a, b;
    cv::goodFeaturesToTrack(s_->prev, p0, 300, 0.01, 6);
    if (p0.size() >= 8) {
      std::vector<uint8_t> st;
      std::vector<float> err;
      cv::calcOpticalFlowPyrLK(s_->prev, small, p0, p1, st, err, {21, 21}, 3);
      for (size_t i = 0; i < p0.size(); ++i)
        if (st[i]) a.push_back(p0[i]), b.push_back(p1[i]);
    }
    if (a.size() >= 8) {
      std::vector<uint8_t> inl;
      cv::Mat M = cv::estimateAffinePartial2D(a, b, inl, cv::RANSAC, 1.0, 2000, 0.995);
      int n = 0;
      for (uint8_t v : inl) n += v;
      if (!M.empty() && n >= 8) {
        // To full-size pixels, about the centre: x' = A x + t on the small picture (pixel
        // centres at (i + 0.5) k - 0.5 in the full one).
        const double ca = M.at<double>(0, 0), sb = M.at<double>(1, 0);
        const cv::Matx22d A(ca, -sb, sb, ca);
        const cv::Vec2d t(M.at<double>(0, 2), M.at<double>(1, 2));
        const cv::Vec2d cs((small.cols - 1) / 2.0, (small.rows - 1) / 2.0);
        const cv::Vec2d moved = A * cs + t - cs;  // where the centre goes, small pixels
        out.scale = std::hypot(ca, sb), out.angle = std::atan2(sb, ca);
        out.shift = cv::Point2d(moved[0] * k, moved[1] * k);
        out.found = true;
      }
    }
  }
  s_->prev = small;
  return out;
}

}  // namespace omni

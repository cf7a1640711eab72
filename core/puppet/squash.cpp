#include "core/puppet/squash.h"

#include <cmath>

namespace omni {

cv::Matx22f SquashStretch::update(cv::Point2f root, float torso, float dt) {
  const cv::Matx22f identity = cv::Matx22f::eye();
  if (!started_ || dt <= 0) {
    started_ = true, last_ = root, v_ = a_ = {};
    return identity;
  }
  // Velocity and acceleration in torso lengths a second, each low-passed (a 0.1 s time constant):
  // a tracked body trembles a pixel or two, which a difference would turn into a wobble.
  const float k = dt / (dt + 0.1f);
  const cv::Point2f v = (root - last_) * (1.f / (std::max(torso, 1.f) * dt));
  last_ = root;
  const cv::Point2f a = (v - v_) * (1.f / dt);
  v_ += (v - v_) * k;
  a_ += (a - a_) * k;
  if (amount_ <= 0) return identity;
  // Stretch along the motion: 1 + 0.25 * amount at speed and beyond (3 torsos a second is a run),
  // the other way 1 / that, so the area stays.
  const float speed = std::hypot(v_.x, v_.y);
  cv::Matx22f m = identity;
  if (speed > 1e-3f) {
    const float s = 1 + 0.25f * amount_ * std::tanh(speed / 3);
    const cv::Point2f d = v_ * (1 / speed);
    const cv::Matx22f r(d.x, -d.y, d.y, d.x);  // columns: the motion, and across it
    m = r * cv::Matx22f(s, 0, 0, 1 / s) * r.t();
  }
  // Squash as a fall stops: an upward acceleration while moving down (y grows downward). A body
  // landing from a jump decelerates by some 30 torsos a second squared.
  if (a_.y < 0 && v_.y > -0.5f) {
    const float q = 1 - 0.2f * amount_ * std::tanh(-a_.y / 30);
    m = cv::Matx22f(1 / q, 0, 0, q) * m;
  }
  return m;
}

void apply_about(std::vector<cv::Point2f>& pts, const cv::Matx22f& m, cv::Point2f anchor) {
  for (auto& p : pts) {
    const cv::Point2f d = p - anchor;
    p = anchor + cv::Point2f(m(0, 0) * d.x + m(0, 1) * d.y, m(1, 0) * d.x + m(1, 1) * d.y);
  }
}

}  // namespace omni

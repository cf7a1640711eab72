// core/puppet: squash and stretch, the animator's old trick for weight and speed: the posed
// character stretched along its motion when it moves fast and squashed as a fall stops, its area
// kept. Off unless asked (motion-transfer's squash=): a puppet that follows a real performer
// already moves like them.
#pragma once
#include <vector>

#include <opencv2/core.hpp>

namespace omni {

class SquashStretch {
 public:
  // amount: 0 (none) to 1 (up to 25 % longer along the motion, 20 % shorter as a fall stops).
  explicit SquashStretch(float amount) : amount_(amount) {}
  // The next frame: where the body's root is, the torso's length (the unit speed is judged in)
  // and the time since the last. Returns the 2x2 map to apply about the character's ground point
  // (identity on the first frame and for a still body).
  cv::Matx22f update(cv::Point2f root, float torso, float dt);
  void reset() { started_ = false; }

 private:
  float amount_;
  bool started_ = false;
  cv::Point2f last_{}, v_{}, a_{};  // position, velocity and acceleration (torso lengths a second)
};

// `m` applied to the points about `anchor`.
void apply_about(std::vector<cv::Point2f>& pts, const cv::Matx22f& m, cv::Point2f anchor);

}  // namespace omni

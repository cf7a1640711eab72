// core/image: a box that follows what moves inside it (remove=x:y:w:h:track=1, replace=object's
// box). Corners inside the box that move differently from the background (the camera's motion,
// from corners outside) give its motion; when nothing inside moves on its own, the box moves
// with the camera.
#pragma once
#include <opencv2/core.hpp>

namespace omni {

class BoxFollower {
 public:
  explicit BoxFollower(cv::Rect2d box) : box_(box) {}
  // The box in this frame (CV_8UC3 BGR, every frame in order).
  cv::Rect2d update(const cv::Mat& bgr);
  cv::Rect2d box() const { return box_; }

 private:
  cv::Rect2d box_;
  cv::Mat prev_;  // the previous frame's luma
};

}  // namespace omni

// core/image: how the camera moved between two frames, as one similarity (zoom, roll, pan)
// about the picture's centre: corners tracked by pyramidal Lucas-Kanade on the luma at <= 480 px,
// the similarity fitted by RANSAC (moving people are outliers). next-shot=continue carries the
// last second's mean motion on past the clip's end.
#pragma once
#include <memory>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace omni {

struct Similarity {
  double scale = 1, angle = 0;  // radians
  cv::Point2d shift;            // of the centre, pixels
  bool found = false;           // false: too few tracked corners agreed (identity)
};

// The map x -> centre + scale * R(angle) * (x - centre) + shift.
cv::Matx23d similarity_matrix(const Similarity& s, cv::Point2d centre);
// `s` raised to a real power (a fraction of the step: scale^p, angle * p, shift * p).
Similarity similarity_power(const Similarity& s, double p);

class CameraMotion {
 public:
  CameraMotion();
  ~CameraMotion();
  // The motion from the previous picture given to this one (`gray`: the luma, CV_8U, any size);
  // identity for the first.
  Similarity step(const cv::Mat& gray);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

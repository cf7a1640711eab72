// core/perception: the ground as a plane seen by a camera, without a depth model — where its
// horizon is (the vanishing point of edges that recede along the ground: tiles, planks, kerbs,
// road markings, a table's edges) and how a flat picture lying on it at a point looks from the
// camera (perspective). A camera level in roll with its principal point at the frame's centre is
// assumed; its focal length is a guess (a phone's wide lens) unless the user says otherwise.
// add's on=ground.
#pragma once
#include <opencv2/core.hpp>

namespace omni {

struct Horizon {
  float row = 0;      // frame pixels (may be above the frame: a camera looking down)
  bool found = false; // false: no set of receding edges agreed; row is a guess (a third of the way down)
  int lines = 0;      // the edges that agreed on it
};

// gray: CV_8U, the frame's luma. below: the point the horizon must lie above (the horizon of
// the ground a thing lies on is above that thing).
Horizon find_horizon(const cv::Mat& gray, cv::Point2f below);

// The focal length in pixels assumed for a frame: a phone camera's main lens (about 70 degrees
// across the long side).
float default_focal(cv::Size frame);

struct GroundView {
  cv::Size frame;
  float horizon = 0;  // row of the horizon, frame pixels
  float focal = 0;    // pixels
};

// The homography from the picture's pixels to the frame's for a picture of `picture` size lying
// flat with its centre on the ground at `at`, `width` frame pixels wide across there, turned
// `angle` radians on the ground (clockwise seen from above); its top edge lies away from the
// camera. Returns false when `at` is not below the horizon or the picture is too large to lie
// there (its near edge would reach under the camera; then H is untouched).
bool lay_on_ground(cv::Size picture, cv::Point2f at, float width, float angle, const GroundView& view, cv::Matx33d& H);

}  // namespace omni

// A point of the scene followed through camera motion: the background around it is tracked
// (corners followed by pyramidal Lucas-Kanade from a key frame, a homography fitted to them with
// RANSAC), so whatever is pinned there stays on the table through a pan or a zoom. Corners are
// followed from the key frame, not chained frame to frame, so small errors do not add up; a new
// key frame is taken only when too many corners are lost.
#pragma once
#include <memory>

#include <opencv2/core.hpp>

namespace omni {

class ScenePin {
 public:
  // at: the point in the first frame (frame pixels); radius: the region whose motion it follows.
  ScenePin(cv::Point2f at, float radius);
  ~ScenePin();
  // gray: this frame's luma, CV_8U, frame size. exclude: CV_8U, nonzero where things move on
  // their own (people), or empty. Returns the homography from the first frame to this one.
  cv::Matx33d update(const cv::Mat& gray, const cv::Mat& exclude);
  cv::Point2f where() const;  // the pinned point in the last frame
  bool lost() const;          // too little texture around the point to follow it this frame
  int key_frames() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The similarity (position, scale, rotation) that a homography applies near a point: where
// the point goes, and the local scale and angle (from the homography's Jacobian there).
struct LocalMotion {
  cv::Point2f at;
  float scale = 1, angle = 0;
};
LocalMotion local_motion(const cv::Matx33d& H, cv::Point2f p);

}  // namespace omni

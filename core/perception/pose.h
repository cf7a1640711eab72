// core/perception: body pose over a stream.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

// ---- pose ---------------------------------------------------------------------------------

struct Landmark {
  float x = 0, y = 0, z = 0;    // frame pixels (z: depth, same scale as x, hips ≈ 0)
  float visibility = 0, presence = 0;
};
struct Pose {
  bool found = false;
  float score = 0;                 // the landmark model's pose-present probability
  std::array<Landmark, 33> landmarks{};
  cv::Mat mask;                    // person probability, CV_32F, frame size or mask_size() (empty unless asked)
};

// MediaPipe's two stages over a stream: the detector finds a person, the landmark model runs on
// a rotated region of interest that then follows the landmarks frame to frame; the detector runs
// again only when tracking is lost. Landmarks are smoothed with a One-Euro filter (steady when
// still, no lag when moving fast).
class PoseTracker {
 public:
  // smooth = false: the landmarks as the model gives them (the caller smooths what it derives
  // from them; the region that follows the body is smoothed either way).
  // who: which person to follow when the detector finds several: "" the most confident, or
  // largest, left, right, center, a rank by size (1 = largest) as targets' who= (chosen when
  // tracking starts or restarts; the region then follows that body).
  explicit PoseTracker(std::string model = "pose-full", bool want_mask = false, bool smooth = true, std::string who = "");
  ~PoseTracker();
  // Where BlazePose's detector finds nobody, MoveNet's multi-pose finds the person if they are
  // small (under a third of the picture's height: its 17 keypoints as landmarks, no depth, no
  // hands and feet). Before track().
  void also_far_people();
  // Several trackers over the same frames, each following another person: slot k > 0 keeps this
  // one's memo apart from the others', and avoid() names the bodies they follow (boxes, frame
  // pixels): when tracking (re)starts, a body whose hips' middle lies in one of them is not taken.
  void set_slot(int k);
  // The mask at this size (the whole frame, scaled), not the frame's: a caller that works on it
  // smaller is spared warping it at full size and shrinking it again. Before track().
  void mask_size(cv::Size s);
  void avoid(std::vector<cv::Rect2f> bodies);
  // Let the body go (the next frame looks again): the caller found two trackers on one body.
  void lose();
  const Pose& track(Frame& f);     // memoised per frame ("perception/pose")
  int detector_runs() const;       // how often tracking was (re)started, for tests and stats

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

// core/perception: hands. MediaPipe's palm detector (256x256, 2944 anchors: a palm box and 7
// keypoints) starts a hand; the hand landmark model (224x224) gives 21 points on a crop rotated
// so the fingers point up; HandTracker follows each hand from its own points frame to frame,
// re-detecting every few frames or when a hand is lost, with One-Euro smoothing. Palms small in
// the picture are looked for inside the people the object detector finds.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include <opencv2/core/types.hpp>

#include "core/media/frame.h"

namespace omni {

struct InferResult;

struct PalmDetection {
  float score = 0;
  cv::Rect2f box;                        // frame pixels
  std::array<cv::Point2f, 7> keypoints;  // wrist, index/middle/ring/pinky bases, thumb joints
};
std::vector<PalmDetection> decode_palm_detections(const InferResult& r, float min_score = 0.5f);
std::vector<PalmDetection> detect_palms(Frame& f);  // memoised per frame

struct Hand {
  int id = -1;
  float presence = 0;                    // the landmark model's hand flag
  cv::Rect2f box;                        // the points' bounds
  std::array<cv::Point3f, 21> points;    // wrist 0, thumb 1-4, index 5-8, middle 9-12, ring 13-16, pinky 17-20
};

class HandTracker {
 public:
  explicit HandTracker(int max_hands = 4, int redetect = 15);
  ~HandTracker();
  const std::vector<Hand>& track(Frame& f);  // memoised per frame ("perception/hands")
  int detector_runs() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

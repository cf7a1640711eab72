// core/perception: people in a frame.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"
#include "core/perception/models.h"

namespace omni {

// ---- people -------------------------------------------------------------------------------

// Probability that each pixel shows a person (CV_32F in [0,1], the model's resolution; stretch
// it to the frame). model: "selfie", "selfie-landscape", or "auto" (landscape model for frames
// wider than 4:3). tiles > 1 also runs it on an NxN grid of overlapping tiles, for people far
// from the camera (N*N+1 inferences). Memoised per frame.
cv::Mat person_probability(Frame& f, const std::string& model, int tiles = 1);
std::string resolve_person_model(const std::string& model, int width, int height);

// MediaPipe's pose detector, decoded: SSD anchors, sigmoid scores, weighted non-maximum
// suppression. Boxes and the 4 keypoints (hip centre, full-body scale point, shoulder centre,
// upper-body scale point) are in image pixels.
struct PersonDetection {
  float score = 0;
  cv::Rect2f box;
  std::array<cv::Point2f, 4> keypoints;
};
std::vector<PersonDetection> decode_pose_detections(const InferResult& r, int image_width, int image_height,
                                                    float min_score = 0.5f);
std::vector<PersonDetection> detect_people(Frame& f);  // memoised per frame

// MoveNet multi-pose: up to 6 people, each a box and 17 COCO keypoints (nose, eyes, ears,
// shoulders, elbows, wrists, hips, knees, ankles: x, y in image pixels, z = the point's score).
struct PersonPose {
  float score = 0;
  cv::Rect2f box;
  std::array<cv::Point3f, 17> keypoints;
};
std::vector<PersonPose> decode_multipose(const InferResult& r, float min_score = 0.2f);
std::vector<PersonPose> detect_poses(Frame& f);  // memoised per frame

}  // namespace omni

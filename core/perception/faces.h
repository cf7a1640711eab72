// core/perception: faces. MediaPipe's short-range face detector (BlazeFace, 128x128) finds face
// boxes and 6 keypoints (eyes, nose, mouth, ears); the face mesh model (192x192) gives 468 points
// on a rotated crop of each face (eyes level), and FaceTracker follows each face from its mesh,
// frame to frame, re-detecting every few frames or when a face is lost, with One-Euro smoothing.
// Faces small in the picture are looked for inside the people the object detector finds.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include <opencv2/core/types.hpp>

#include "core/media/frame.h"

namespace omni {

struct InferResult;

struct FaceDetection {
  float score = 0;
  cv::Rect2f box;                        // frame pixels
  std::array<cv::Point2f, 6> keypoints;  // right eye, left eye, nose tip, mouth, right ear, left ear
};
// BlazeFace (short range) decoded: 896 anchors, sigmoid scores, weighted NMS; image pixels of a
// letterboxed input.
std::vector<FaceDetection> decode_face_detections(const InferResult& r, int image_width, int image_height, float min_score = 0.5f);
// Faces in the frame: the whole frame, and the upper part of each person the object detector finds.
std::vector<FaceDetection> detect_faces(Frame& f);

struct Face {
  int id = -1;
  float presence = 0;                 // the mesh model's face flag
  cv::Rect2f box;                     // the mesh's bounds, frame pixels
  std::vector<cv::Point3f> mesh;      // 468 points, frame pixels (z: depth, same scale)
};

// Well-known mesh indices (MediaPipe's canonical face mesh).
namespace face_points {
constexpr int kRightEyeOuter = 33, kRightEyeInner = 133, kLeftEyeInner = 362, kLeftEyeOuter = 263;
constexpr int kUpperLip = 13, kLowerLip = 14, kMouthRight = 61, kMouthLeft = 291, kNoseTip = 1, kChin = 152, kForehead = 10;
}  // namespace face_points

class FaceTracker {
 public:
  explicit FaceTracker(int max_faces = 4, int redetect = 15);
  ~FaceTracker();
  const std::vector<Face>& track(Frame& f);  // memoised per frame ("perception/faces")
  int detector_runs() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

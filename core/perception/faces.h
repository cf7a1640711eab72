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
// Faces of one person only: the detector on the top of their box (a square 0.6 of its shorter
// side), converted alone at the detector's size. A filter that follows one person in a crowd
// pays for one detector run, not one per person plus the whole frame. Not memoised.
std::vector<FaceDetection> detect_faces_of(Frame& f, const cv::Rect2f& person);

struct Face {
  int id = -1;
  float presence = 0;                 // the mesh model's face flag
  cv::Rect2f box;                     // the mesh's bounds, frame pixels
  std::vector<cv::Point3f> mesh;      // 468 points, frame pixels (z: depth, same scale)
  // With iris on (FaceTracker's `iris`): MediaPipe's iris model on each eye, frame pixels.
  // iris[e]: centre then 4 points on the iris's edge; eye[e]: the model's 16 eyelid points, in
  // the order of face_points::kEyeContour[e]. e = 0: the eye on the picture's left.
  std::array<std::array<cv::Point2f, 5>, 2> iris{};
  std::array<std::array<cv::Point2f, 16>, 2> eye{};
  bool has_iris = false;
};

// Well-known mesh indices (MediaPipe's canonical face mesh).
namespace face_points {
constexpr int kRightEyeOuter = 33, kRightEyeInner = 133, kLeftEyeInner = 362, kLeftEyeOuter = 263;
constexpr int kUpperLip = 13, kLowerLip = 14, kMouthRight = 61, kMouthLeft = 291, kNoseTip = 1, kChin = 152, kForehead = 10;
// Each eye's contour: lower lid corner to corner, then the upper lid between the corners (the
// order of the iris model's first 16 eye points).
constexpr int kEyeContour[2][16] = {{33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173},
                                    {263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398}};
}  // namespace face_points

class FaceTracker {
 public:
  // iris: also run the iris model on both eyes of each face (Face::iris, Face::eye).
  explicit FaceTracker(int max_faces = 4, int redetect = 15, bool iris = false);
  ~FaceTracker();
  const std::vector<Face>& track(Frame& f);  // memoised per frame ("perception/faces")
  int detector_runs() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

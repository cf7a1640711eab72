// core/perception: where on a body an asset goes. A body anchor (eyes, head, a hand...) is a
// point, a size and an angle per frame, from the tracked pose (MediaPipe's 33 landmarks) and,
// for the face's anchors, from the face mesh when a face is tracked (finer than the pose's few
// face points). add places an image there; motion-transfer and next-shot may follow them too.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "core/media/frame.h"

namespace omni {

// An asset's place in one frame: the anchor point, the asset's width there (frame pixels) and
// its rotation (radians, image y down), and which point of the asset sits on the anchor point
// (pivot: 0..1 across its width and height; a hat's is its lower edge).
struct Placement {
  bool found = false;
  cv::Point2f at;
  float width = 0, angle = 0;
  cv::Point2f pivot{0.5f, 0.5f};
};

// The anchor names, in the order help lists them ("left"/"right": the person's own).
const std::vector<std::string>& body_anchor_names();
bool is_body_anchor(const std::string& name);

class BodyAnchor {
 public:
  // Fails on an unknown name, suggesting the nearest. who: the person followed when there are
  // several ("" the pose detector's most confident; largest, left, right, center, a rank).
  explicit BodyAnchor(const std::string& name, const std::string& who = "");
  ~BodyAnchor();
  static std::vector<std::string> models_for(const std::string& name);
  // The anchor in this frame, smoothed over time (not found: the pose or the points are missing).
  Placement place(Frame& f);
  bool used_face_mesh() const;  // the last placement came from the face mesh

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

// core/perception: objects by name. COCO's 80 classes (presets/objects.toml: English, Chinese and
// alias names) found by an object detector (NanoDet by default), per frame, memoised.
#pragma once
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "core/media/frame.h"

namespace omni {

struct InferResult;

struct ObjectClass {
  int id = 0;
  std::string en, zh;
  std::vector<std::string> aliases;
};
const std::vector<ObjectClass>& object_classes();
// The class a name means (English, Chinese or alias; case-insensitive); -1 when none.
int find_object_class(const std::string& name);
// The same, or Error "no object class 'x' (did you mean 'y'?)".
int object_class(const std::string& name);

struct Detection {
  int cls = -1;        // COCO class id
  float score = 0;
  cv::Rect2f box;      // frame pixels
  int track = -1;      // stable id over a stream (ObjectTracker), -1 when not tracked
};

// NanoDet's heads decoded: per level (strides 8, 16, 32) class scores and 4 x 11-bin box
// distributions (expected distance from the cell centre), boxes in model pixels mapped to the
// image (stretched input), then per-class non-maximum suppression (IoU 0.5).
std::vector<Detection> decode_nanodet(const InferResult& r, int image_width, int image_height, float min_score = 0.3f);

// Objects in the frame (all classes, score >= min_score), memoised per frame and model.
// tiles > 1 also runs the detector on an NxN grid of overlapping tiles (small, distant objects).
std::vector<Detection> detect_objects(Frame& f, int tiles = 1, float min_score = 0.3f, const std::string& model = "nanodet");

float box_iou(const cv::Rect2f& a, const cv::Rect2f& b);
// Greedy non-maximum suppression within each class; boxes sorted by score, best first.
std::vector<Detection> nms(std::vector<Detection> d, float iou);

}  // namespace omni

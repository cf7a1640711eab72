// core/puppet: a character picture made ready to perform: cut out (its alpha, or a plain white or
// black background keyed), its skeleton found (a rig file, else the pose model run on the
// picture when it shows something person-like), and meshed. motion-transfer's input; `omni rig`
// writes the skeleton it finds for a person to check and edit.
#pragma once
#include <string>

#include <opencv2/core.hpp>

#include "core/puppet/rig.h"

namespace omni {

struct Character {
  cv::Mat bgr;    // CV_8UC3
  cv::Mat alpha;  // CV_32F 0..1
  Rig rig;
  std::string path;
  std::string cut_out;  // what cut it out of its background ("": its own alpha or key=)
};

// The picture and its cut-out alone. key: "" (the picture's alpha; a picture without one is cut
// out as matte does: the person segmenter, else the salient-object model when installed), white or
// black (that plain background keyed), none (the whole picture).
Character load_character_picture(const std::string& path, const std::string& key, const std::string& what);

// The same, and its skeleton. rig_path: "" to find the skeleton with the pose
// model (it must be installed: pose-detector and pose-full); `what` names the caller in errors.
// No skeleton found and no rig file: a clear error saying how to make one.
Character load_character(const std::string& path, const std::string& key, const std::string& rig_path, const std::string& what);

// The character seen in a mirror: its picture flipped left to right, its rig with it.
Character mirrored(const Character& c);

// The character over mid grey (CV_8UC3).
cv::Mat over_grey(const Character& c);

// The pose model's skeleton of the character over mid grey (picture pixels, with each joint's
// visibility), or false when it sees no body.
bool find_skeleton(const Character& c, Skeleton& out);
// The same as a rig: false also when a joint is only guessed (visibility under 0.3).
bool find_rig(const Character& c, Rig& out);

// A skeleton of usual human proportions standing in the box the character fills: the start of a
// rig file for a character the pose model does not see as a person (`omni rig` writes it then).
Rig standard_rig(const cv::Mat& alpha);

}  // namespace omni

// core/puppet: a character picture's skeleton (its rig), and the motion of a performer carried
// onto it (retargeting). The joints are the body pose model's own (MediaPipe's landmark names:
// left_shoulder, right_knee, ...; "left" is the person's own), plus two joints every rig derives:
// root (between the hips) and neck (between the shoulders). motion-transfer poses a puppet with
// them; add's body anchors could follow the same bones.
#pragma once
#include <array>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

namespace omni {

struct Pose;

// The skeleton's joints, root first: every bone's parent comes before its child.
enum Joint {
  kRoot, kNeck, kNose, kLeftShoulder, kLeftElbow, kLeftWrist, kRightShoulder, kRightElbow, kRightWrist,
  kLeftHip, kLeftKnee, kLeftAnkle, kRightHip, kRightKnee, kRightAnkle, kJoints
};
struct Bone {
  Joint parent, child;
};
constexpr int kBones = kJoints - 1;
// Bone b ends at joint b + 1 (the root has none): spine, head, arms, hips, legs.
const std::array<Bone, kBones>& skeleton_bones();
enum { kSpineBone = 0, kHeadBone = 1 };
const char* joint_name(Joint j);  // the pose model's name ("left_wrist"), "root", "neck"
int pose_landmark(Joint j);       // the pose model's landmark index, -1 for root and neck

using Joints = std::array<cv::Point2f, kJoints>;

// A character's skeleton, in its picture's pixels.
struct Rig {
  Joints joint{};
  cv::Size size;      // the picture it belongs to
  std::string image;  // that picture's file name, as written by `omni rig`
  std::string source; // "pose model" or the rig file's path (messages)
};

// A rig file (JSON): {"image": "hero.png", "width": W, "height": H, "joints": {"nose": [x, y],
// "left_shoulder": [x, y], ...}}: the thirteen pose joints the skeleton needs (root and neck may
// be given; else they are the middles of the hips and of the shoulders). Unknown joint names,
// missing ones, points outside the picture and a picture of another size are one-line errors.
Rig load_rig(const std::string& path, cv::Size picture);
std::string rig_json(const Rig& r);

// The skeleton of a detected pose (frame pixels); depth: the pose model's z per joint (smaller
// is nearer the camera), visible: its visibility.
struct Skeleton {
  Joints at{};
  std::array<float, kJoints> depth{}, visible{};
};
Skeleton skeleton_of(const Pose& p);
Rig rig_of(const Skeleton& s, cv::Size picture);

// The length of the torso (neck to root), the scale a skeleton is measured by.
float torso_length(const Joints& j);

// The same skeleton seen in a mirror (x -> axis - x; a rig's picture flipped left to right: axis
// width - 1, pixel centres being whole numbers). A person's left and right trade places too: the
// pose model reads the arm that was a person's right as their left once the picture is mirrored.
Rig mirrored(const Rig& r);
Joints mirrored(const Joints& j, float axis);

// Which way a skeleton faces across the picture: the nose's lead on the neck, in torso lengths
// (positive: to the right). A head in profile leads by 0.1 to 0.2, a frontal one by about 0.
float facing(const Joints& j);

// The character's joints posed like the performer: every bone turned to the performer's bone's
// direction, kept at the character's length times `scale`, the root on the performer's root plus
// `offset`. ground: the lower of the character's ankles is put on the lower of the performer's
// (its feet stand where theirs do; legs of other lengths would leave it floating or sunk).
Joints retarget(const Rig& character, const Skeleton& performer, float scale, cv::Point2f offset, bool ground);

}  // namespace omni

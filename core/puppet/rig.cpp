#include "core/puppet/rig.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/perception/pose.h"

namespace omni {

namespace {
const char* kNames[kJoints] = {"root",       "neck",      "nose",           "left_shoulder", "left_elbow",
                               "left_wrist", "right_shoulder", "right_elbow", "right_wrist",   "left_hip",
                               "left_knee",  "left_ankle", "right_hip",     "right_knee",    "right_ankle"};
const int kLandmark[kJoints] = {-1, -1, 0, 11, 13, 15, 12, 14, 16, 23, 25, 27, 24, 26, 28};

cv::Point2f mid(cv::Point2f a, cv::Point2f b) { return (a + b) * 0.5f; }
float len(cv::Point2f v) { return std::hypot(v.x, v.y); }
}  // namespace

const std::array<Bone, kBones>& skeleton_bones() {
  static const std::array<Bone, kBones> b = {{{kRoot, kNeck},
                                              {kNeck, kNose},
                                              {kNeck, kLeftShoulder},
                                              {kLeftShoulder, kLeftElbow},
                                              {kLeftElbow, kLeftWrist},
                                              {kNeck, kRightShoulder},
                                              {kRightShoulder, kRightElbow},
                                              {kRightElbow, kRightWrist},
                                              {kRoot, kLeftHip},
                                              {kLeftHip, kLeftKnee},
                                              {kLeftKnee, kLeftAnkle},
                                              {kRoot, kRightHip},
                                              {kRightHip, kRightKnee},
                                              {kRightKnee, kRightAnkle}}};
  return b;
}

const char* joint_name(Joint j) { return kNames[j]; }
int pose_landmark(Joint j) { return kLandmark[j]; }

Rig load_rig(const std::string& path, cv::Size picture) {
  std::ifstream in(path);
  if (!in) fail("rig: cannot read '{}': {}", path, std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail("rig: '{}' is not JSON (omni rig PICTURE -o FILE writes one)", path);
  if (!j.contains("joints") || !j["joints"].is_object()) fail("rig: '{}' has no \"joints\" object", path);
  Rig r;
  r.size = picture;
  r.source = path;
  if (j.contains("image") && j["image"].is_string()) r.image = j["image"].get<std::string>();
  if (j.contains("width") && j.contains("height") && j["width"].is_number() && j["height"].is_number()) {
    cv::Size s(j["width"].get<int>(), j["height"].get<int>());
    if (s != picture)
      fail("rig: '{}' is for a {}x{} picture; the character is {}x{} (joints are in the picture's pixels)", path, s.width, s.height,
           picture.width, picture.height);
  }
  std::vector<std::string> names(kNames, kNames + kJoints);
  std::array<bool, kJoints> have{};
  for (auto& [name, v] : j["joints"].items()) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) fail("rig: '{}': unknown joint '{}'{}", path, name, did_you_mean(name, names));
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
      fail("rig: '{}': joint '{}' must be [x, y] in the picture's pixels", path, name);
    cv::Point2f p(v[0].get<float>(), v[1].get<float>());
    if (!(p.x >= 0 && p.y >= 0 && p.x <= picture.width && p.y <= picture.height))
      fail("rig: '{}': joint '{}' at {},{} is outside the {}x{} picture", path, name, p.x, p.y, picture.width, picture.height);
    int k = int(it - names.begin());
    r.joint[k] = p;
    have[k] = true;
  }
  for (int k = kNose; k < kJoints; ++k)
    if (!have[k]) fail("rig: '{}' lacks the joint '{}' (a rig names all of: {})", path, kNames[k], fmt::join(names.begin() + 2, names.end(), ", "));
  if (!have[kRoot]) r.joint[kRoot] = mid(r.joint[kLeftHip], r.joint[kRightHip]);
  if (!have[kNeck]) r.joint[kNeck] = mid(r.joint[kLeftShoulder], r.joint[kRightShoulder]);
  for (const Bone& b : skeleton_bones())
    if (len(r.joint[b.child] - r.joint[b.parent]) < 1)
      fail("rig: '{}': the bone {}-{} has no length (the joints are at the same place)", path, kNames[b.parent], kNames[b.child]);
  return r;
}

std::string rig_json(const Rig& r) {
  // One joint a line, to the tenth of a pixel: a file people read and edit.
  std::string out = "{\n";
  if (!r.image.empty()) out += fmt::format("  \"image\": {},\n", nlohmann::json(r.image).dump());
  out += fmt::format("  \"width\": {},\n  \"height\": {},\n  \"joints\": {{\n", r.size.width, r.size.height);
  for (int k = 0; k < kJoints; ++k)
    out += fmt::format("    \"{}\": [{:.1f}, {:.1f}]{}\n", kNames[k], r.joint[k].x, r.joint[k].y, k + 1 < kJoints ? "," : "");
  return out + "  }\n}\n";
}

Skeleton skeleton_of(const Pose& p) {
  Skeleton s;
  for (int k = kNose; k < kJoints; ++k) {
    const Landmark& l = p.landmarks[size_t(kLandmark[k])];
    s.at[k] = {l.x, l.y};
    s.depth[k] = l.z;
    s.visible[k] = l.visibility;
  }
  auto derive = [&](Joint j, Joint a, Joint b) {
    s.at[j] = mid(s.at[a], s.at[b]);
    s.depth[j] = (s.depth[a] + s.depth[b]) / 2;
    s.visible[j] = std::min(s.visible[a], s.visible[b]);
  };
  derive(kRoot, kLeftHip, kRightHip);
  derive(kNeck, kLeftShoulder, kRightShoulder);
  return s;
}

Rig rig_of(const Skeleton& s, cv::Size picture) {
  Rig r;
  r.joint = s.at;
  r.size = picture;
  r.source = "pose model";
  return r;
}

float torso_length(const Joints& j) { return len(j[kNeck] - j[kRoot]); }

Joints mirrored(const Joints& j, float axis) {
  // Each joint's partner on the other side of the body, itself where it has none.
  static const std::array<Joint, kJoints> other = {kRoot,          kNeck,       kNose,       kRightShoulder, kRightElbow,
                                                   kRightWrist,    kLeftShoulder, kLeftElbow, kLeftWrist,    kRightHip,
                                                   kRightKnee,     kRightAnkle, kLeftHip,    kLeftKnee,      kLeftAnkle};
  Joints out{};
  for (int k = 0; k < kJoints; ++k) out[size_t(other[size_t(k)])] = {axis - j[size_t(k)].x, j[size_t(k)].y};
  return out;
}

Rig mirrored(const Rig& r) {
  Rig m = r;
  m.joint = mirrored(r.joint, float(r.size.width - 1));
  return m;
}

float facing(const Joints& j) { return (j[kNose].x - j[kNeck].x) / std::max(torso_length(j), 1.f); }

Joints retarget(const Rig& character, const Skeleton& performer, float scale, cv::Point2f offset, bool ground) {
  Joints out{};
  out[kRoot] = performer.at[kRoot] + offset;
  for (const Bone& b : skeleton_bones()) {
    cv::Point2f d = performer.at[b.child] - performer.at[b.parent];
    float n = len(d);
    cv::Point2f rest = character.joint[b.child] - character.joint[b.parent];
    // A bone the performer's pose folds to a point keeps the character's own direction.
    cv::Point2f dir = n > 1e-3f ? d * (1 / n) : rest * (1 / std::max(len(rest), 1e-3f));
    out[b.child] = out[b.parent] + dir * (len(rest) * scale);
  }
  if (ground) {
    float perf = std::max(performer.at[kLeftAnkle].y, performer.at[kRightAnkle].y) + offset.y;
    float mine = std::max(out[kLeftAnkle].y, out[kRightAnkle].y);
    for (auto& p : out) p.y += perf - mine;
  }
  return out;
}

}  // namespace omni

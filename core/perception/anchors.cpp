// core/perception: body anchors (see anchors.h).
#include "core/perception/anchors.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/perception/faces.h"
#include "core/perception/internal.h"
#include "core/perception/pose.h"

namespace omni {

namespace {

// MediaPipe pose landmarks (the person's own left and right).
enum : int {
  kNose = 0, kLeftEye = 2, kRightEye = 5, kLeftEar = 7, kRightEar = 8, kMouthLeft = 9, kMouthRight = 10,
  kLeftShoulder = 11, kRightShoulder = 12, kLeftWrist = 15, kRightWrist = 16, kLeftIndex = 19, kRightIndex = 20,
  kLeftHip = 23, kRightHip = 24, kLeftAnkle = 27, kRightAnkle = 28, kLeftFoot = 31, kRightFoot = 32
};

// Face mesh points for the same places (MediaPipe's canonical mesh; its "left" is the picture's).
constexpr int kMeshCheekPictureLeft = 234, kMeshCheekPictureRight = 454;

const std::vector<std::string> kNames = {"eyes",      "head",       "face",      "nose",       "mouth",
                                         "left_ear",  "right_ear",  "shoulders", "chest",      "left_hand",
                                         "right_hand", "hips",      "left_foot", "right_foot"};

bool face_anchor(const std::string& n) {
  return n == "eyes" || n == "head" || n == "face" || n == "nose" || n == "mouth" || n == "left_ear" || n == "right_ear";
}

cv::Point2f mid(cv::Point2f a, cv::Point2f b) { return (a + b) * 0.5f; }
float dist(cv::Point2f a, cv::Point2f b) { return float(std::hypot(a.x - b.x, a.y - b.y)); }
float angle_of(cv::Point2f from, cv::Point2f to) { return std::atan2(to.y - from.y, to.x - from.x); }

// The face's own frame, from whichever source: the eyes' centres (picture left, right), the
// mouth's centre and width, the ears or cheeks (picture left, right), the nose tip.
struct FacePoints {
  cv::Point2f eye_l, eye_r, mouth, ear_l, ear_r, nose;
  float mouth_width = 0;
};

}  // namespace

const std::vector<std::string>& body_anchor_names() { return kNames; }
bool is_body_anchor(const std::string& name) { return std::find(kNames.begin(), kNames.end(), name) != kNames.end(); }

struct BodyAnchor::State {
  std::string name;
  std::unique_ptr<PoseTracker> pose;
  std::unique_ptr<FaceTracker> faces;
  OneEuro fx, fy, fw, fa;
  bool from_mesh = false;
};

BodyAnchor::BodyAnchor(const std::string& name, const std::string& who) : s_(std::make_unique<State>()) {
  if (!is_body_anchor(name)) fail("no anchor '{}'{}; anchors: {}", name, did_you_mean(name, kNames), fmt::join(kNames, ", "));
  s_->name = name;
  // The placement is smoothed here, once, in the asset's own size (the pose's smoothing on top
  // of it lagged 2.8 px behind shoulders moving 2 px a frame).
  s_->pose = std::make_unique<PoseTracker>("pose-full", false, false, who);
  if (face_anchor(name)) s_->faces = std::make_unique<FaceTracker>(4, 15);
  // Steadier than the landmarks themselves when still (an asset is large and its wobble shows),
  // quick to follow a move (beta 6 lagged 4 px behind shoulders moving 2 px a frame).
  for (OneEuro* f : {&s_->fx, &s_->fy, &s_->fw, &s_->fa}) f->min_cutoff = 0.3f, f->beta = 20.f;
}
BodyAnchor::~BodyAnchor() = default;
bool BodyAnchor::used_face_mesh() const { return s_->from_mesh; }

std::vector<std::string> BodyAnchor::models_for(const std::string& name) {
  std::vector<std::string> m = {"pose-detector", "pose-full"};
  if (face_anchor(name)) m.insert(m.end(), {"face-detector", "facemesh", "nanodet"});
  return m;
}

Placement BodyAnchor::place(Frame& f) {
  State& s = *s_;
  // A face's anchor on the one face tracked needs no pose (it only chooses among faces, or
  // stands in when there is none): the pose model is skipped then, a third of the work.
  const std::vector<Face>* faces = s.faces ? &s.faces->track(f) : nullptr;
  static const Pose kNoPose;
  const bool need_pose = !faces || faces->size() != 1;
  const Pose& p = need_pose ? s.pose->track(f) : kNoPose;
  const auto& L = p.landmarks;
  auto pt = [&](int i) { return cv::Point2f(L[size_t(i)].x, L[size_t(i)].y); };
  auto seen = [&](std::initializer_list<int> ids) {
    if (!p.found) return false;
    for (int i : ids)
      if (L[size_t(i)].visibility < 0.5f) return false;
    return true;
  };
  Placement out;
  const std::string& n = s.name;
  s.from_mesh = false;
  if (face_anchor(n)) {
    FacePoints fp;
    bool have = false;
    // The face mesh when a face is tracked: the one nearest the pose's nose, else the largest.
    const Face* best = nullptr;
    for (const Face& fc : *faces) {
      if (!best) best = &fc;
      else if (p.found ? fc.box.contains(pt(kNose)) && !best->box.contains(pt(kNose)) : fc.box.area() > best->box.area()) best = &fc;
    }
    if (best && (!p.found || best->box.contains(pt(kNose)) || faces->size() == 1)) {
      auto m = [&](int i) { return cv::Point2f(best->mesh[size_t(i)].x, best->mesh[size_t(i)].y); };
      namespace fpt = face_points;
      fp.eye_l = mid(m(fpt::kRightEyeOuter), m(fpt::kRightEyeInner));  // the mesh's "right eye" is on the picture's left
      fp.eye_r = mid(m(fpt::kLeftEyeOuter), m(fpt::kLeftEyeInner));
      fp.mouth = mid(m(fpt::kUpperLip), m(fpt::kLowerLip));
      fp.mouth_width = dist(m(fpt::kMouthRight), m(fpt::kMouthLeft));
      fp.ear_l = m(kMeshCheekPictureLeft), fp.ear_r = m(kMeshCheekPictureRight);
      fp.nose = m(fpt::kNoseTip);
      have = s.from_mesh = true;
    } else if (seen({kLeftEye, kRightEye, kNose, kMouthLeft, kMouthRight})) {
      // The pose's face points: the person's right eye is on the picture's left when they face us.
      fp.eye_l = pt(kRightEye), fp.eye_r = pt(kLeftEye);
      fp.mouth = mid(pt(kMouthLeft), pt(kMouthRight));
      fp.mouth_width = dist(pt(kMouthLeft), pt(kMouthRight));
      fp.ear_l = pt(kRightEar), fp.ear_r = pt(kLeftEar);
      fp.nose = pt(kNose);
      have = true;
    }
    if (have) {
      const cv::Point2f eyes = mid(fp.eye_l, fp.eye_r);
      const float e = std::max(1.f, dist(fp.eye_l, fp.eye_r));
      const float a = angle_of(fp.eye_l, fp.eye_r);
      const cv::Point2f up(std::sin(a), -std::cos(a));  // perpendicular to the eyes' line, toward the forehead
      out.found = true, out.angle = a;
      if (n == "eyes") out.at = eyes, out.width = 2.3f * e;
      else if (n == "nose") out.at = fp.nose, out.width = 0.9f * e;
      else if (n == "mouth") out.at = fp.mouth, out.width = std::max(1.6f * fp.mouth_width, 0.8f * e);
      else if (n == "face") out.at = mid(eyes, fp.mouth), out.width = 1.15f * std::max(dist(fp.ear_l, fp.ear_r), 1.8f * e);
      else if (n == "head") {
        // A hat's lower edge at the hairline: 1.5 eye distances above the eyes.
        out.at = eyes + up * (1.5f * e), out.width = 3.f * e, out.pivot = {0.5f, 0.92f};
      } else if (n == "left_ear" || n == "right_ear") {
        // The person's left ear is on the picture's right when they face us.
        out.at = n == "left_ear" ? fp.ear_r : fp.ear_l, out.width = 0.8f * e;
      }
    }
  } else if (n == "shoulders" && seen({kLeftShoulder, kRightShoulder})) {
    out = {true, mid(pt(kLeftShoulder), pt(kRightShoulder)), dist(pt(kLeftShoulder), pt(kRightShoulder)),
           angle_of(pt(kRightShoulder), pt(kLeftShoulder))};
  } else if (n == "chest" && seen({kLeftShoulder, kRightShoulder, kLeftHip, kRightHip})) {
    cv::Point2f sh = mid(pt(kLeftShoulder), pt(kRightShoulder)), hp = mid(pt(kLeftHip), pt(kRightHip));
    out = {true, sh + (hp - sh) * 0.3f, 0.6f * dist(pt(kLeftShoulder), pt(kRightShoulder)), angle_of(pt(kRightShoulder), pt(kLeftShoulder))};
  } else if ((n == "left_hand" || n == "right_hand") && seen({kLeftShoulder, kRightShoulder})) {
    int w = n == "left_hand" ? kLeftWrist : kRightWrist, i = n == "left_hand" ? kLeftIndex : kRightIndex;
    if (seen({w, i}))
      out = {true, mid(pt(w), pt(i)), 0.5f * dist(pt(kLeftShoulder), pt(kRightShoulder)), angle_of(pt(kRightShoulder), pt(kLeftShoulder))};
  } else if (n == "hips" && seen({kLeftHip, kRightHip})) {
    out = {true, mid(pt(kLeftHip), pt(kRightHip)), 1.3f * dist(pt(kLeftHip), pt(kRightHip)), angle_of(pt(kRightHip), pt(kLeftHip))};
  } else if ((n == "left_foot" || n == "right_foot") && seen({kLeftHip, kRightHip})) {
    int a = n == "left_foot" ? kLeftAnkle : kRightAnkle, t = n == "left_foot" ? kLeftFoot : kRightFoot;
    if (seen({a, t})) out = {true, mid(pt(a), pt(t)), 0.9f * dist(pt(kLeftHip), pt(kRightHip)), 0.f};
  }
  if (!out.found) return out;
  // One-Euro over the placement itself, speed judged in the asset's widths.
  const float dt = 1.f / 30, scale = std::max(1.f, out.width);
  out.at = {s.fx(out.at.x, dt, scale), s.fy(out.at.y, dt, scale)};
  out.width = s.fw(out.width, dt, scale);
  float a = out.angle;  // kept within half a turn of the last one: the filter must not average across ±π
  if (s.fa.init) a += float(2 * M_PI) * std::round((s.fa.x - a) / float(2 * M_PI));
  out.angle = s.fa(a, dt, 1.f);
  return out;
}

}  // namespace omni

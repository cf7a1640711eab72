// core/perception: body pose tracked over a stream (MediaPipe's detector + landmark model).
#include "core/perception/pose.h"
#include "core/perception/people.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/error.h"
#include "core/image/flow.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"
#include "core/perception/internal.h"
#include "core/perception/objects.h"
#include "core/perception/tracking.h"

namespace omni {

// ---- pose -----------------------------------------------------------------------------------

namespace {

// MediaPipe's alignment: the ROI is centred on the hips, sized by the distance to the
// "full-body scale" point, rotated so that point is straight above, then enlarged 1.25x.
Roi roi_from(cv::Point2f hip, cv::Point2f scale_point) {
  Roi r;
  r.c = hip;
  cv::Point2f d = scale_point - hip;
  r.size = 2.f * std::sqrt(d.dot(d)) * 1.25f;
  // Rotation that maps the hip→scale vector to "up" (target angle 90°, MediaPipe's convention).
  float a = float(M_PI / 2) - std::atan2(-d.y, d.x);
  r.angle = a - 2 * float(M_PI) * std::floor((a + float(M_PI)) / (2 * float(M_PI)));
  return r;
}


}  // namespace

struct PoseTracker::State {
  std::string model;
  bool want_mask = false;
  cv::Size mask_size;  // empty: the frame's
  bool tracking = false;
  Roi roi;
  int detector_runs = 0;
  Pose pose;
  bool smooth = true;
  std::string who;
  bool far = false;  // MoveNet multi-pose where BlazePose finds nobody
  cv::Rect2f far_box; // the person it followed last (empty: choose by who)
  int far_missed = 0;  // frames since the multi-pose network last saw them
  int far_frames = 0;  // frames followed by it (BlazePose looks again every 5th)
  std::array<OneEuro, 35 * 3> filters;  // 33 landmarks + the 2 that place the next region
  int slot = 0;
  std::vector<cv::Rect2f> avoid;  // bodies other trackers follow
};

namespace {
bool avoided(const std::vector<cv::Rect2f>& avoid, cv::Point2f hips) {
  for (const auto& b : avoid)
    if (b.contains(hips)) return true;
  return false;
}
// A multi-pose body's hips' middle (its box's middle when the hips are not seen).
cv::Point2f hips_of(const PersonPose& p) {
  const auto &l = p.keypoints[11], &r = p.keypoints[12];
  if (l.z < 0.3f || r.z < 0.3f) return {p.box.x + p.box.width / 2, p.box.y + p.box.height / 2};
  return {(l.x + r.x) / 2, (l.y + r.y) / 2};
}
}  // namespace

PoseTracker::PoseTracker(std::string model, bool want_mask, bool smooth, std::string who) : s_(std::make_unique<State>()) {
  if (!who.empty()) {
    const bool rank = who.find_first_not_of("0123456789") == std::string::npos && std::stoll(who.substr(0, 9)) >= 1;
    if (!rank && who != "largest" && who != "left" && who != "right" && who != "center")
      fail("who={}: one person is followed: largest, left, right, center or a rank (1 = largest)", who);
  }
  s_->who = std::move(who);
  s_->model = std::move(model);
  s_->want_mask = want_mask;
  s_->smooth = smooth;
  model_file(s_->model);
  model_file("pose-detector");
}
PoseTracker::~PoseTracker() = default;

void PoseTracker::set_slot(int k) { s_->slot = k; }
void PoseTracker::mask_size(cv::Size s) { s_->mask_size = s; }
void PoseTracker::avoid(std::vector<cv::Rect2f> bodies) { s_->avoid = std::move(bodies); }
void PoseTracker::lose() {
  s_->tracking = false;
  s_->far_box = {};
  s_->pose = Pose{};
}

void PoseTracker::also_far_people() {
  s_->far = true;
  model_file("movenet-multipose");
}

namespace {
// MoveNet's 17 COCO keypoints as BlazePose landmarks: nose, eyes, ears, shoulders, elbows,
// wrists, hips, knees, ankles.
const int kCocoToBlaze[17] = {0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28};
}  // namespace

// The person `who` of MoveNet's multi-pose (people too small for BlazePose's detector), as a Pose
// with no depth; the smoothing carries on through the same filters.
static Pose far_pose(Frame& f, const std::string& who, const std::vector<cv::Rect2f>& avoid, cv::Rect2f& last,
                     std::array<OneEuro, 35 * 3>& filters, bool smooth) {
  Pose out;
  // Small people only: a body a third of the picture's height or more is BlazePose's (which
  // places its points better; MoveNet's on such a body misled the puppet).
  auto poses = detect_poses(f);
  poses.erase(std::remove_if(poses.begin(), poses.end(), [&](const PersonPose& p) { return p.box.height >= f.height() / 3.f; }),
              poses.end());
  size_t pick = 0;
  if (poses.empty()) return out;
  if (!last.empty()) {
    // The same person as last frame: the box that overlaps theirs most (none: they are lost).
    float best = 0.1f;
    bool found = false;
    for (size_t i = 0; i < poses.size(); ++i) {
      float inter = (poses[i].box & last).area(), iou = inter / (poses[i].box.area() + last.area() - inter);
      if (iou > best) best = iou, pick = i, found = true;
    }
    if (!found) return out;
  } else {
    std::vector<Detection> v;
    for (size_t i = 0; i < poses.size(); ++i)
      if (!avoided(avoid, hips_of(poses[i]))) v.push_back({0, poses[i].score, poses[i].box, int(i)});
    std::vector<Detection> c = choose(v, who.empty() ? "largest" : who, f.width());
    if (c.empty()) return out;
    pick = size_t(c[0].track);
  }
  last = poses[pick].box;
  const PersonPose& p = poses[pick];
  out.found = true;
  out.score = p.score;
  float unit = std::max(p.box.height, 1.f), dt = 1.f / 30;
  for (int k = 0; k < 17; ++k) {
    Landmark& l = out.landmarks[size_t(kCocoToBlaze[k])];
    const cv::Point3f& q = p.keypoints[size_t(k)];
    const int i = kCocoToBlaze[k];
    l.x = smooth ? filters[size_t(i) * 3](q.x, dt, unit) : q.x;
    l.y = smooth ? filters[size_t(i) * 3 + 1](q.y, dt, unit) : q.y;
    l.visibility = l.presence = q.z;
  }
  return out;
}
// A region for BlazePose's landmark model from the multi-pose network's body `who` at least a
// third of the picture tall (smaller ones are far_pose's): centred on the hips, its scale point
// 1.75 torso lengths toward the shoulders (where BlazePose's own auxiliary points put it: measured
// 1.67 to 1.77 on a tracked person).
static bool seed_from_multipose(Frame& f, const std::string& who, const std::vector<cv::Rect2f>& avoid, Roi& roi) {
  std::vector<Detection> v;
  auto poses = detect_poses(f);
  for (size_t i = 0; i < poses.size(); ++i)
    if (poses[i].box.height >= f.height() / 3.f && !avoided(avoid, hips_of(poses[i]))) v.push_back({0, poses[i].score, poses[i].box, int(i)});
  std::vector<Detection> c = choose(v, who.empty() ? "largest" : who, f.width());
  if (c.empty()) return false;
  const auto& k = poses[size_t(c[0].track)].keypoints;  // COCO: 5, 6 shoulders; 11, 12 hips
  for (int i : {5, 6, 11, 12})
    if (k[size_t(i)].z < 0.3f) return false;
  cv::Point2f hip((k[11].x + k[12].x) / 2, (k[11].y + k[12].y) / 2), neck((k[5].x + k[6].x) / 2, (k[5].y + k[6].y) / 2);
  if (cv::norm(neck - hip) < 4) return false;
  roi = roi_from(hip, hip + (neck - hip) * 1.75f);
  return true;
}

int PoseTracker::detector_runs() const { return s_->detector_runs; }

const Pose& PoseTracker::track(Frame& f) {
  State& s = *s_;
  const std::string key = "perception/pose/" + s.model + (s.who.empty() ? "" : "/" + s.who) + (s.far ? "/far" : "") +
                          (s.slot > 0 ? "/" + std::to_string(s.slot) : "") +
                          (s.want_mask && !s.mask_size.empty() ? "/mask" + std::to_string(s.mask_size.width) + "x" + std::to_string(s.mask_size.height) : "");
  if (const Pose* p = memo_get<Pose>(f, key); p && (!s.want_mask || !p->mask.empty())) return s.pose = *p, s.pose;
  constexpr int kSide = 256;
  Pose out;
  bool detected = false;  // the detector runs at most once per frame
  bool nobody = false;    // it ran and found no one
  // A person followed by the multi-pose network stays followed by it (BlazePose's detector would
  // pick whoever it finds, frame by frame); every 5th frame BlazePose looks again, and takes over
  // when it finds the same body (more points, and depth).
  const bool far_following = s.far && !s.far_box.empty();
  const bool retry = far_following && ++s.far_frames % 5 == 0;
  const auto kept_filters = s.filters;  // a look that is not taken leaves the smoothing as it was
  for (int attempt = 0; attempt < 2 && !out.found && (!far_following || retry); ++attempt) {
    if (!s.tracking) {
      if (detected) break;
      detected = true;
      ++s.detector_runs;
      auto dets = detect_people(f);
      dets.erase(std::remove_if(dets.begin(), dets.end(), [&](const PersonDetection& d) { return avoided(s.avoid, d.keypoints[0]); }),
                 dets.end());
      if (dets.empty()) {
        nobody = true;
        // BlazePose's detector misses some near bodies it would track well once found (a
        // footballer mid-kick, 256 px tall in 540, went unseen for 20 frames): the multi-pose
        // network's body then places the region.
        if (s.far && seed_from_multipose(f, s.who, s.avoid, s.roi)) {
          s.tracking = true;
          continue;
        }
        break;
      }
      size_t pick = 0;
      if (!s.who.empty()) {
        std::vector<Detection> v;
        for (size_t i = 0; i < dets.size(); ++i) v.push_back({-1, dets[i].score, dets[i].box, int(i)});
        std::vector<Detection> c = choose(v, s.who, f.width());
        if (c.empty()) break;  // a rank beyond the people found
        pick = size_t(c[0].track);
      }
      s.roi = roi_from(dets[pick].keypoints[0], dets[pick].keypoints[1]);
      s.tracking = true;
    }
    cv::Mat a = roi_affine(s.roi, kSide);
    // The crop comes from a BGR picture at a resolution near the ROI's (not the whole frame's).
    float down = std::min(1.f, 2.f * kSide / std::max(s.roi.size, 1.f));
    cv::Size small(std::max(1, int(f.width() * down)), std::max(1, int(f.height() * down)));
    cv::Mat bgr = frame_to_bgr(f, small), crop;
    cv::Mat a_small = a.clone();
    a_small.col(0) /= down, a_small.col(1) /= down;
    cv::warpAffine(bgr, crop, a_small, cv::Size(kSide, kSide), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    InferResult r = models().infer(s.model, model_file(s.model), crop);
    float presence = r.outputs.at(1).data.at(0);
    if (presence < 0.5f) {
      s.tracking = false;
      continue;
    }
    cv::Mat inv;
    cv::invertAffineTransform(a, inv);
    const std::vector<float>& lm = r.outputs.at(0).data;
    std::array<cv::Point2f, 39> pts;
    float px_per_crop = s.roi.size / kSide;
    for (int i = 0; i < 39; ++i) {
      float x = lm[i * 5], y = lm[i * 5 + 1];
      pts[i] = {float(inv.at<double>(0, 0) * x + inv.at<double>(0, 1) * y + inv.at<double>(0, 2)),
                float(inv.at<double>(1, 0) * x + inv.at<double>(1, 1) * y + inv.at<double>(1, 2))};
    }
    out.found = true;
    out.score = presence;
    float unit = std::max(s.roi.size, 1.f), dt = 1.f / 30;
    for (int i = 0; i < 33; ++i) {
      Landmark& l = out.landmarks[i];
      l.x = s.smooth ? s.filters[i * 3](pts[i].x, dt, unit) : pts[i].x;
      l.y = s.smooth ? s.filters[i * 3 + 1](pts[i].y, dt, unit) : pts[i].y;
      l.z = s.filters[i * 3 + 2](lm[i * 5 + 2] * px_per_crop, dt, unit);
      l.visibility = sigmoidf(lm[i * 5 + 3]);
      l.presence = sigmoidf(lm[i * 5 + 4]);
    }
    if (s.want_mask && r.outputs.size() > 2) {
      cv::Mat logits = output_image(r, 2, kSide, kSide), prob(kSide, kSide, CV_32F);
      for (int i = 0; i < kSide * kSide; ++i) prob.at<float>(i) = sigmoidf(logits.at<float>(i));
      // Straight to the size asked: the mask's pixel (x, y) is the frame's ((x + 0.5) k - 0.5).
      const cv::Size to = s.mask_size.empty() ? cv::Size(f.width(), f.height()) : s.mask_size;
      const double kx = double(f.width()) / to.width, ky = double(f.height()) / to.height;
      const cv::Mat to_frame = (cv::Mat_<double>(3, 3) << kx, 0, 0.5 * kx - 0.5, 0, ky, 0.5 * ky - 0.5, 0, 0, 1);
      cv::warpAffine(prob, out.mask, cv::Mat(a * to_frame), to, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
    }
    // Next frame's ROI from the auxiliary landmarks 33 (hip centre) and 34 (body scale), smoothed
    // like the others (as MediaPipe does): from the raw ones the region wobbles, and with it the
    // landmarks of a still person (measured: 3.3 px frame to frame).
    cv::Point2f aux[2];
    for (int k = 0; k < 2; ++k)
      aux[k] = {s.filters[(33 + k) * 3](pts[33 + k].x, dt, unit), s.filters[(33 + k) * 3 + 1](pts[33 + k].y, dt, unit)};
    s.roi = roi_from(aux[0], aux[1]);
  }
  if (far_following && out.found) {
    // BlazePose takes over only where its body agrees with the one followed: hips and shoulders
    // within a quarter of the torso (its first look from a detection is sometimes a wrong body).
    auto mid = [](const Pose& p, int a, int b) {
      return cv::Point2f((p.landmarks[size_t(a)].x + p.landmarks[size_t(b)].x) / 2, (p.landmarks[size_t(a)].y + p.landmarks[size_t(b)].y) / 2);
    };
    cv::Point2f h0 = mid(s.pose, 23, 24), n0 = mid(s.pose, 11, 12), h1 = mid(out, 23, 24), n1 = mid(out, 11, 12);
    const double torso = cv::norm(n0 - h0);
    if (s.pose.found && cv::norm(h1 - h0) < 0.25 * torso && cv::norm(n1 - n0) < 0.25 * torso) {
      s.far_box = {};
    } else {
      out = Pose{};  // another body, or a wrong one
      s.tracking = false;
      s.filters = kept_filters;
    }
  }
  if (!out.found) {
    s.tracking = false;
    // Far people only where BlazePose's detector sees no one (where it sees someone but the
    // landmarks fail, it will have them a few frames on: MoveNet's fewer points would not help).
    if (s.far && (nobody || far_following)) {
      out = far_pose(f, s.who, s.avoid, s.far_box, s.filters, s.smooth);
      // The multi-pose network misses a small person now and then: their last pose is held
      // for up to half a second (else the character would blink), then they are let go.
      if (out.found) s.far_missed = 0;
      else if (!s.far_box.empty() && s.pose.found && ++s.far_missed <= 12) out = s.pose;
      else s.far_box = {};
    }
    if (!out.found)
      for (auto& fl : s.filters) fl.init = false;
  }
  s.pose = out;
  memo_set(f, key, out);
  return s.pose;
}

}  // namespace omni

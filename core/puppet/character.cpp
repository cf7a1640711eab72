#include "core/puppet/character.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/image/convert.h"
#include "core/image/sprite.h"
#include "core/perception/pose.h"
#include "core/perception/subject.h"

namespace omni {

namespace {

// The picture as a 4:2:0 frame (even sizes: the right column and bottom row repeated).
Frame frame_of(const cv::Mat& bgr) {
  cv::Mat even;
  cv::copyMakeBorder(bgr, even, 0, bgr.rows & 1, 0, bgr.cols & 1, cv::BORDER_REPLICATE);
  Frame fr = Frame::alloc(even.cols, even.rows, AV_PIX_FMT_YUV420P);
  fr.av()->colorspace = AVCOL_SPC_BT470BG;
  fr.av()->color_range = AVCOL_RANGE_MPEG;
  BgrConverter().from_bgr(even, fr);
  return fr;
}

// matte's cut-out of one picture (CV_32F alpha): `keep` as matte=keep=...
cv::Mat subject_alpha(const cv::Mat& bgr, const std::string& keep, const std::string& what) {
  SubjectOptions o;
  o.keep = keep;
  o.edges.refine = -1;
  o.edges.smooth = 0;
  Subject subject(o, what);
  Frame fr = frame_of(bgr);
  bool person = false;
  cv::Mat p = subject.probability(fr, person);
  cv::Mat a8 = subject.alpha(p, person, fr), a;
  a8(cv::Rect(0, 0, bgr.cols, bgr.rows)).convertTo(a, CV_32F, 1 / 255.0);
  return a;
}

}  // namespace

Character load_character_picture(const std::string& path, const std::string& key, const std::string& what) {
  // No key and no alpha: the picture is read as it is and its subject cut out below.
  Sprite s = Sprite::load(path, key.empty() ? "none" : key, what + ": character");
  Character c;
  c.bgr = s.bgr();
  c.alpha = s.alpha();
  c.path = path;
  if (c.bgr.cols < 16 || c.bgr.rows < 16)
    fail("{}: character '{}' is {}x{}; a character picture must be at least 16x16", what, path, c.bgr.cols, c.bgr.rows);
  double lowest = 1;
  cv::minMaxLoc(c.alpha, &lowest);
  if (key.empty() && lowest >= 1) {
    // A picture with nothing clear in it (a photo or a drawing on its background): cut out as
    // matte does, the person first (what the pose model reads), else the salient object (ISNet,
    // an optional model: without it, say what else works).
    c.alpha = subject_alpha(c.bgr, "person", what);
    c.cut_out = "the person segmenter";
    if (cv::countNonZero(c.alpha > 0.5f) < 0.02 * c.alpha.total()) {
      try {
        c.alpha = subject_alpha(c.bgr, "salient", what);
        c.cut_out = "the salient-object model";
      } catch (const Error&) {
        fail("{}: '{}' has no alpha and the person segmenter finds no one in it; key=white or key=black cuts a plain "
             "background, or install the salient-object model (omni models fetch isnet) to cut out its main subject",
             what, path);
      }
      if (cv::countNonZero(c.alpha > 0.5f) < 0.02 * c.alpha.total())
        fail("{}: '{}' has no alpha and no subject stands out in it; give it alpha, or key=white or key=black", what, path);
    }
  }
  return c;
}

Character mirrored(const Character& c) {
  Character m = c;
  cv::flip(c.bgr, m.bgr, 1);
  cv::flip(c.alpha, m.alpha, 1);
  m.rig = mirrored(c.rig);
  return m;
}

Character load_character(const std::string& path, const std::string& key, const std::string& rig_path, const std::string& what) {
  Character c = load_character_picture(path, key, what);
  if (!rig_path.empty()) {
    try {
      c.rig = load_rig(rig_path, c.bgr.size());
    } catch (const Error& e) {
      fail("{}: {}", what, e.what());
    }
    return c;
  }
  if (!find_rig(c, c.rig))
    fail("{}: the pose model finds no person-like skeleton in '{}'; give its joints in a rig file: omni rig {} -o rig.json "
         "writes one to edit, then rig=rig.json",
         what, path, path);
  return c;
}

cv::Mat over_grey(const Character& c) {
  cv::Mat a3, f, out;
  cv::cvtColor(c.alpha, a3, cv::COLOR_GRAY2BGR);
  c.bgr.convertTo(f, CV_32FC3);
  cv::Mat mix = f.mul(a3) + (cv::Scalar(1, 1, 1) - a3) * 128;
  mix.convertTo(out, CV_8UC3);
  return out;
}

bool find_skeleton(const Character& c, Skeleton& s) {
  // The character over mid grey: the pose model wants a photo-like frame. (A margin around it
  // was tried: the detector then lost bodies it found without one.) Even sizes: the 4:2:0 frame
  // the tracker reads.
  cv::Mat grey = over_grey(c);
  cv::Mat even = grey(cv::Rect(0, 0, grey.cols & ~1, grey.rows & ~1)).clone();
  PoseTracker pose("pose-full", false, false, "");
  Pose p;
  // The tracker's second and third looks start from the landmarks of the one before: a closer crop
  // (a new frame each time: the tracker remembers what it saw in a frame).
  for (int k = 0; k < 3; ++k) {
    Frame fr = frame_of(even);
    p = pose.track(fr);
    if (!p.found) return false;
  }
  s = skeleton_of(p);
  return true;
}

bool find_rig(const Character& c, Rig& out) {
  Skeleton s;
  if (!find_skeleton(c, s)) return false;
  for (int k = kNose; k < kJoints; ++k)
    if (s.visible[k] < 0.3f) return false;  // a limb the model only guesses
  out = rig_of(s, c.bgr.size());
  for (auto& j : out.joint) j = {std::clamp(j.x, 0.f, float(c.bgr.cols - 1)), std::clamp(j.y, 0.f, float(c.bgr.rows - 1))};
  for (const Bone& b : skeleton_bones())
    if (cv::norm(out.joint[b.child] - out.joint[b.parent]) < 1) return false;
  return true;
}

Rig standard_rig(const cv::Mat& alpha) {
  cv::Rect b = cv::boundingRect(alpha > 0.1f);
  if (b.empty()) b = cv::Rect(0, 0, alpha.cols, alpha.rows);
  auto at = [&](float x, float y) { return cv::Point2f(b.x + x * b.width, b.y + y * b.height); };
  Rig r;
  r.size = alpha.size();
  r.source = "standard proportions";
  // Heights as fractions of a standing figure (head 1/8 of it), arms hanging a little out.
  r.joint[kNose] = at(0.5f, 0.07f);
  r.joint[kNeck] = at(0.5f, 0.18f);
  r.joint[kLeftShoulder] = at(0.68f, 0.19f), r.joint[kRightShoulder] = at(0.32f, 0.19f);
  r.joint[kLeftElbow] = at(0.78f, 0.34f), r.joint[kRightElbow] = at(0.22f, 0.34f);
  r.joint[kLeftWrist] = at(0.85f, 0.48f), r.joint[kRightWrist] = at(0.15f, 0.48f);
  r.joint[kRoot] = at(0.5f, 0.52f);
  r.joint[kLeftHip] = at(0.6f, 0.52f), r.joint[kRightHip] = at(0.4f, 0.52f);
  r.joint[kLeftKnee] = at(0.62f, 0.74f), r.joint[kRightKnee] = at(0.38f, 0.74f);
  r.joint[kLeftAnkle] = at(0.63f, 0.96f), r.joint[kRightAnkle] = at(0.37f, 0.96f);
  return r;
}

}  // namespace omni

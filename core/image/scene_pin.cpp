// A point of the scene followed through camera motion (see scene_pin.h).
#include "core/image/scene_pin.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace omni {

namespace {
constexpr int kMaxCorners = 300;
constexpr float kWorkWidth = 640;
}  // namespace

struct ScenePin::State {
  cv::Point2f at0;
  float radius = 0;
  float sc = 1;                    // work picture = frame * sc
  cv::Mat key;                     // the key frame's work picture
  std::vector<cv::Point2f> key_pts, cur_pts;  // corners at the key frame, and where they are now (work pixels)
  cv::Matx33d first_to_key = cv::Matx33d::eye(), total = cv::Matx33d::eye();
  bool lost = false;
  int keys = 0;
  size_t key_count = 0;  // corners found at the key frame
};

ScenePin::ScenePin(cv::Point2f at, float radius) : s_(std::make_unique<State>()) {
  s_->at0 = at;
  s_->radius = std::max(16.f, radius);
}
ScenePin::~ScenePin() = default;
int ScenePin::key_frames() const { return s_->keys; }
bool ScenePin::lost() const { return s_->lost; }

static cv::Point2f apply(const cv::Matx33d& H, cv::Point2f p) {
  cv::Vec3d q = H * cv::Vec3d(p.x, p.y, 1);
  return {float(q[0] / q[2]), float(q[1] / q[2])};
}

cv::Point2f ScenePin::where() const { return apply(s_->total, s_->at0); }

LocalMotion local_motion(const cv::Matx33d& H, cv::Point2f p) {
  LocalMotion m;
  m.at = apply(H, p);
  // The Jacobian by central differences over a pixel; its similarity part gives scale and angle.
  cv::Point2f dx = apply(H, p + cv::Point2f(0.5f, 0)) - apply(H, p - cv::Point2f(0.5f, 0));
  cv::Point2f dy = apply(H, p + cv::Point2f(0, 0.5f)) - apply(H, p - cv::Point2f(0, 0.5f));
  float a = (dx.x + dy.y) / 2, b = (dx.y - dy.x) / 2;
  m.scale = std::hypot(a, b);
  m.angle = std::atan2(b, a);
  return m;
}

cv::Matx33d ScenePin::update(const cv::Mat& gray, const cv::Mat& exclude) {
  State& s = *s_;
  s.sc = std::min(1.f, kWorkWidth / float(gray.cols));
  cv::Mat small, allowed;
  if (s.sc < 1) cv::resize(gray, small, cv::Size(), s.sc, s.sc, cv::INTER_AREA);
  else small = gray;
  if (!exclude.empty()) {
    cv::resize(exclude, allowed, small.size(), 0, 0, cv::INTER_NEAREST);
    allowed = allowed == 0;
  } else {
    allowed = cv::Mat(small.size(), CV_8U, cv::Scalar(255));
  }
  const cv::Matx33d S(s.sc, 0, 0, 0, s.sc, 0, 0, 0, 1), Si(1 / s.sc, 0, 0, 0, 1 / s.sc, 0, 0, 0, 1);
  auto new_key = [&] {
    cv::Point2f c = where() * s.sc;
    float r = s.radius * s.sc;
    cv::Rect area(int(c.x - r), int(c.y - r), int(2 * r), int(2 * r));
    area &= cv::Rect(0, 0, small.cols, small.rows);
    cv::Mat where_ok = cv::Mat::zeros(small.size(), CV_8U);
    if (area.area() > 0) allowed(area).copyTo(where_ok(area));
    s.key_pts.clear();
    cv::goodFeaturesToTrack(small, s.key_pts, kMaxCorners, 0.005, 5, where_ok);
    s.key = small.clone();
    s.cur_pts = s.key_pts;
    s.first_to_key = s.total;
    s.key_count = s.key_pts.size();
    ++s.keys;
  };
  if (s.key.empty() || s.key.size() != small.size()) {
    new_key();
    s.lost = s.key_pts.size() < 8;
    return s.total;
  }
  // Each corner is matched against its key frame's patch directly (from where it was last
  // frame), so per-frame errors do not accumulate along a long pan.
  std::vector<cv::Point2f> next = s.cur_pts, back;
  std::vector<uint8_t> st, st2;
  std::vector<float> err;
  if (!s.key_pts.empty()) {
    cv::calcOpticalFlowPyrLK(s.key, small, s.key_pts, next, st, err, {21, 21}, 3,
                             cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 30, 0.01), cv::OPTFLOW_USE_INITIAL_FLOW);
    back = s.key_pts;
    cv::calcOpticalFlowPyrLK(small, s.key, next, back, st2, err, {21, 21}, 3,
                             cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 30, 0.01), cv::OPTFLOW_USE_INITIAL_FLOW);
  }
  std::vector<cv::Point2f> a, b, kept_key, kept_cur;
  for (size_t i = 0; i < next.size(); ++i) {
    cv::Point2f q = next[i];
    bool ok = st[i] && st2[i] && cv::norm(back[i] - s.key_pts[i]) < 0.5 && q.x >= 0 && q.y >= 0 && q.x < small.cols && q.y < small.rows &&
              allowed.at<uint8_t>(int(q.y), int(q.x));
    if (ok) a.push_back(s.key_pts[i]), b.push_back(q);
  }
  s.lost = true;
  if (a.size() >= 8) {
    std::vector<uint8_t> inl;
    cv::Mat H = cv::findHomography(a, b, cv::RANSAC, 1.0, inl);
    if (!H.empty()) {
      s.lost = false;
      s.total = Si * cv::Matx33d(H) * S * s.first_to_key;
      for (size_t i = 0; i < a.size(); ++i)
        if (inl[i]) kept_key.push_back(a[i]), kept_cur.push_back(b[i]);
    }
  }
  s.key_pts = kept_key, s.cur_pts = kept_cur;
  // Too many corners lost (occluded, left the picture, the patch changed with a zoom): this
  // frame becomes the key frame.
  if (s.key_pts.size() < std::max<size_t>(20, s.key_count * 2 / 5)) new_key();
  return s.total;
}

}  // namespace omni

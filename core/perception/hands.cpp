// core/perception: hands (see hands.h).
#include "core/perception/hands.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/perception/internal.h"
#include "core/perception/models.h"
#include "core/perception/objects.h"

namespace omni {

namespace {
constexpr int kDetIn = 256, kLmIn = 224;
}  // namespace

std::vector<PalmDetection> decode_palm_detections(const InferResult& r, float min_score) {
  std::vector<cv::Point2f> anchors;  // strides 8, 16 (2 per cell) and 32 (6 per cell): 2944
  for (auto [fm, per] : {std::pair<int, int>{32, 2}, {16, 2}, {8, 6}})
    for (int y = 0; y < fm; ++y)
      for (int x = 0; x < fm; ++x)
        for (int k = 0; k < per; ++k) anchors.push_back({(float(x) + 0.5f) / float(fm), (float(y) + 0.5f) / float(fm)});
  if (r.outputs.empty() || r.outputs[0].data.size() != anchors.size() * 19) fail("hand-detector: expected {} x 19 values", anchors.size());
  const std::vector<float>& o = r.outputs[0].data;  // per anchor: score logit, box (4), 7 keypoints
  auto ix = [&](float v) { return float((double(v) * kDetIn - r.pad_x) / r.scale); };
  auto iy = [&](float v) { return float((double(v) * kDetIn - r.pad_y) / r.scale); };
  std::vector<PalmDetection> d;
  for (size_t i = 0; i < anchors.size(); ++i) {
    const float* a = &o[i * 19];
    float s = sigmoidf(a[0]);
    if (s < min_score) continue;
    float cx = a[1] / kDetIn + anchors[i].x, cy = a[2] / kDetIn + anchors[i].y, w = a[3] / kDetIn, h = a[4] / kDetIn;
    PalmDetection p;
    p.score = s;
    float x0 = ix(cx - w / 2), y0 = iy(cy - h / 2), x1 = ix(cx + w / 2), y1 = iy(cy + h / 2);
    p.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    for (int k = 0; k < 7; ++k) p.keypoints[size_t(k)] = {ix(a[5 + 2 * k] / kDetIn + anchors[i].x), iy(a[6 + 2 * k] / kDetIn + anchors[i].y)};
    d.push_back(p);
  }
  return weighted_nms(std::move(d), 0.3f);
}

static void palms_in(const cv::Mat& bgr, cv::Rect area, float scale_back, std::vector<PalmDetection>& out) {
  area &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (area.width < 16 || area.height < 16) return;
  InferResult r = models().infer("hand-detector", model_file("hand-detector"), bgr(area));
  for (auto p : decode_palm_detections(r)) {
    auto map = [&](cv::Point2f q) { return cv::Point2f((q.x + float(area.x)) * scale_back, (q.y + float(area.y)) * scale_back); };
    p.box = cv::Rect2f(map(p.box.tl()), map(p.box.br()));
    for (auto& k : p.keypoints) k = map(k);
    out.push_back(p);
  }
}

std::vector<PalmDetection> detect_palms(Frame& f) {
  const std::string key = "perception/palms";
  if (auto* m = memo_get<std::vector<PalmDetection>>(f, key)) return *m;
  float s = std::min(1.f, 1280.f / float(std::max(f.width(), f.height())));
  cv::Size work(std::max(1, int(std::lround(f.width() * s))), std::max(1, int(std::lround(f.height() * s))));
  cv::Mat bgr = frame_to_bgr(f, work);
  std::vector<PalmDetection> all;
  palms_in(bgr, cv::Rect(0, 0, work.width, work.height), 1 / s, all);
  // Each person, as a square around their box (hands reach out of it).
  for (const auto& p : detect_objects(f, 1, 0.4f)) {
    if (p.cls != 0) continue;
    float side = std::max(p.box.width, p.box.height) * 1.1f * s;
    cv::Point2f c((p.box.x + p.box.width / 2) * s, (p.box.y + p.box.height / 2) * s);
    palms_in(bgr, cv::Rect(int(c.x - side / 2), int(c.y - side / 2), int(side), int(side)), 1 / s, all);
  }
  all = weighted_nms(std::move(all), 0.3f);
  memo_set(f, key, all);
  return all;
}

struct HandTracker::State {
  int max_hands, redetect;
  int runs = 0, next_id = 1;
  int64_t frame = 0;
  struct Track {
    Hand hand;
    Roi roi;
    std::array<OneEuro, 63> filt;
  };
  std::vector<Track> tracks;
  std::vector<Hand> out;
};

HandTracker::HandTracker(int max_hands, int redetect) : s_(std::make_unique<State>()) {
  s_->max_hands = max_hands;
  s_->redetect = std::max(1, redetect);
}
HandTracker::~HandTracker() = default;
int HandTracker::detector_runs() const { return s_->runs; }

// Rotation that makes `from -> to` point straight up (MediaPipe's convention, as for the pose).
static float up_angle(cv::Point2f from, cv::Point2f to) {
  cv::Point2f d = to - from;
  float a = float(M_PI / 2) - std::atan2(-d.y, d.x);
  return a - 2 * float(M_PI) * std::floor((a + float(M_PI)) / (2 * float(M_PI)));
}

// MediaPipe's palm -> hand region: rotated wrist -> middle finger base, the palm box 2.6x,
// shifted half a box towards the fingers.
static Roi roi_of(const PalmDetection& p) {
  Roi r;
  r.angle = up_angle(p.keypoints[0], p.keypoints[2]);
  float size = std::max(p.box.width, p.box.height);
  cv::Point2f c(p.box.x + p.box.width / 2, p.box.y + p.box.height / 2);
  cv::Point2f up(std::sin(r.angle), -std::cos(r.angle));
  r.c = c + up * (0.5f * size);
  r.size = size * 2.6f;
  return r;
}
// Hand -> next region: the points' extent in the hand's own frame, 2x, a little towards the fingers.
static Roi roi_of(const std::array<cv::Point3f, 21>& pts) {
  Roi r;
  cv::Point2f w(pts[0].x, pts[0].y), m(pts[9].x, pts[9].y);
  r.angle = up_angle(w, m);
  float cs = std::cos(r.angle), sn = std::sin(r.angle);
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const auto& p : pts) {
    float u = cs * p.x + sn * p.y, v = -sn * p.x + cs * p.y;
    x0 = std::min(x0, u), x1 = std::max(x1, u), y0 = std::min(y0, v), y1 = std::max(y1, v);
  }
  float uc = (x0 + x1) / 2, vc = (y0 + y1) / 2, size = std::max(x1 - x0, y1 - y0);
  r.c = {cs * uc - sn * vc, sn * uc + cs * vc};
  cv::Point2f up(std::sin(r.angle), -std::cos(r.angle));
  r.c += up * (0.1f * size);
  r.size = size * 2.0f;
  return r;
}

const std::vector<Hand>& HandTracker::track(Frame& f) {
  State& s = *s_;
  const int64_t t = s.frame++;
  const float dt = 1.f / 30;
  if (t % s.redetect == 0 || s.tracks.empty()) {
    ++s.runs;
    for (const auto& p : detect_palms(f)) {
      Roi r = roi_of(p);
      bool known = false;
      for (auto& tr : s.tracks)
        if (cv::norm(tr.roi.c - r.c) < tr.roi.size * 0.3f) known = true;
      if (!known && int(s.tracks.size()) < s.max_hands) {
        State::Track tr;
        tr.hand.id = s.next_id++;
        tr.roi = r;
        s.tracks.push_back(std::move(tr));
      }
    }
  }
  s.out.clear();
  for (auto it = s.tracks.begin(); it != s.tracks.end();) {
    State::Track& tr = *it;
    float sc = std::min(1.f, float(kLmIn) * 3 / std::max(1.f, tr.roi.size));
    cv::Size small(std::max(1, int(std::lround(f.width() * sc))), std::max(1, int(std::lround(f.height() * sc))));
    cv::Mat bgr = frame_to_bgr(f, small);
    Roi rs = tr.roi;
    rs.c *= sc, rs.size *= sc;
    cv::Mat a = roi_affine(rs, kLmIn), crop, inv;
    cv::warpAffine(bgr, crop, a, cv::Size(kLmIn, kLmIn), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    cv::invertAffineTransform(a, inv);
    InferResult r = models().infer("hand-landmarks", model_file("hand-landmarks"), crop);
    if (r.outputs.size() < 2 || r.outputs[0].data.size() != 63) fail("hand-landmarks: unexpected outputs");
    float presence = r.outputs[1].data.at(0);  // already a probability
    if (presence < 0.5f) {
      it = s.tracks.erase(it);
      continue;
    }
    const auto& m = r.outputs[0].data;
    float size = tr.roi.size;
    for (size_t k = 0; k < 21; ++k) {
      float x = m[k * 3], y = m[k * 3 + 1], z = m[k * 3 + 2];
      double X = inv.at<double>(0, 0) * x + inv.at<double>(0, 1) * y + inv.at<double>(0, 2);
      double Y = inv.at<double>(1, 0) * x + inv.at<double>(1, 1) * y + inv.at<double>(1, 2);
      tr.hand.points[k] = {tr.filt[k * 3](float(X) / sc, dt, size), tr.filt[k * 3 + 1](float(Y) / sc, dt, size),
                           tr.filt[k * 3 + 2](z * size / kLmIn, dt, size)};
    }
    tr.hand.presence = presence;
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    for (const auto& p : tr.hand.points) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    tr.hand.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    tr.roi = roi_of(tr.hand.points);
    s.out.push_back(tr.hand);
    ++it;
  }
  memo_set(f, "perception/hands", s.out);
  return s.out;
}

}  // namespace omni

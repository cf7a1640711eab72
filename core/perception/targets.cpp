// core/perception: a named target's mask (see targets.h).
#include "core/perception/targets.h"

#include <algorithm>
#include <map>
#include <set>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/perception/internal.h"
#include "core/perception/models.h"
#include "core/perception/objects.h"
#include "core/perception/tracking.h"

namespace omni {

namespace {
constexpr int kPerson = 0;

struct Carried {  // an object's cut-out from its last key frame, in box coordinates
  cv::Mat mask;   // CV_32F, the crop's size at that time
  int64_t frame = -1;
};
}  // namespace

struct TargetMasker::State {
  int cls = -1;
  TargetOptions o;
  std::unique_ptr<ObjectTracker> tracker;
  std::vector<int> locked;  // track ids chosen by `who`
  std::map<int, Carried> carried;
  std::set<int> seen;
  int seg_runs = 0;
  int64_t frame = 0;
};

std::vector<std::string> TargetMasker::models_for(const std::string& target) {
  int cls = object_class(target);
  if (cls == kPerson) return {"nanodet", "movenet-multipose", "selfie"};
  return {"nanodet"};
}

TargetMasker::TargetMasker(const std::string& target, TargetOptions o) : s_(std::make_unique<State>()) {
  s_->cls = object_class(target);
  check_who(o.who);
  s_->o = o;
  // A named target outlives a few missed detections (NanoDet flickers on objects it scores low).
  s_->tracker = std::make_unique<ObjectTracker>(std::vector<int>{s_->cls}, o.every, o.tiles, o.min_score, 10, o.pose_every);
}
TargetMasker::~TargetMasker() = default;
int TargetMasker::detector_runs() const { return s_->tracker->detector_runs(); }
int TargetMasker::segmenter_runs() const { return s_->seg_runs; }
int TargetMasker::tracks_seen() const { return int(s_->seen.size()); }

// A box-prompted cut-out: GrabCut (colour models of the box's inside and its surroundings, a
// graph cut between them) on the crop `ci` of the frame, the box (frame pixels) as the "probably
// object" region, at most 320 px. CV_32F at the crop's size.
static cv::Mat box_cutout(const Frame& f, cv::Rect ci, cv::Rect box) {
  float s = std::min(1.f, 320.f / float(std::max(ci.width, ci.height)));
  cv::Mat small = frame_to_bgr(f, cv::Size(std::max(1, int(ci.width * s)), std::max(1, int(ci.height * s))), ci);
  cv::Rect r(int((box.x - ci.x) * s), int((box.y - ci.y) * s), int(box.width * s), int(box.height * s));
  r &= cv::Rect(1, 1, small.cols - 2, small.rows - 2);
  cv::Mat out = cv::Mat::zeros(ci.size(), CV_32F);
  if (r.width < 4 || r.height < 4) return out;
  cv::Mat mask, bgd, fgd;
  cv::grabCut(small, mask, r, bgd, fgd, 4, cv::GC_INIT_WITH_RECT);
  cv::Mat fg = (mask == cv::GC_FGD) | (mask == cv::GC_PR_FGD), fl;
  fg.convertTo(fl, CV_32F, 1 / 255.0);
  cv::resize(fl, out, ci.size(), 0, 0, cv::INTER_LINEAR);
  return out;
}

cv::Mat TargetMasker::probability(Frame& f) {
  State& s = *s_;
  const int64_t t = s.frame++;
  std::vector<Detection> tracks = s.tracker->track(f);
  for (const auto& d : tracks) s.seen.insert(d.track);
  // `who` is decided once and kept while the chosen tracks live.
  std::vector<Detection> chosen;
  if (s.o.who == "all") {
    chosen = tracks;
  } else {
    for (const auto& d : tracks)
      if (std::find(s.locked.begin(), s.locked.end(), d.track) != s.locked.end()) chosen.push_back(d);
    if (chosen.empty()) {
      chosen = choose(tracks, s.o.who, f.width());
      s.locked.clear();
      for (const auto& d : chosen) s.locked.push_back(d.track);
    }
  }
  float sc = std::min(1.f, 640.f / float(std::max(f.width(), f.height())));
  cv::Size work(std::max(1, int(std::lround(f.width() * sc))), std::max(1, int(std::lround(f.height() * sc))));
  cv::Mat p = cv::Mat::zeros(work, CV_32F);
  if (chosen.empty()) return p;
  cv::Rect2f whole(0, 0, float(f.width()), float(f.height()));
  for (const auto& d : chosen) {
    // The box grown by a fifth each way: detectors cut hair, fingers and wheels short.
    cv::Rect2f b = d.box;
    float gx = b.width * 0.2f, gy = b.height * 0.2f;
    cv::Rect2f crop = cv::Rect2f(b.x - gx, b.y - gy, b.width + 2 * gx, b.height + 2 * gy) & whole;
    cv::Rect ci(int(crop.x), int(crop.y), std::max(1, int(crop.width)), std::max(1, int(crop.height)));
    ci &= cv::Rect(0, 0, f.width(), f.height());
    if (ci.area() <= 0) continue;
    cv::Mat m;  // CV_32F, crop size
    // The segmenter runs on a track's crop every few frames (people: every `person_every`,
    // staggered by track so the runs spread over frames; objects: a box-prompted GrabCut every `keyint`); in
    // between its last mask is carried with the box (scaled to the new crop).
    Carried& c = s.carried[d.track];
    const bool person = s.cls == kPerson;
    const int every = person ? s.o.person_every : s.o.keyint;
    if (c.frame < 0 || t - c.frame >= every || (person && every > 1 && (t + d.track) % every == 0 && t != c.frame)) {
      if (person) {
        // Only the crop is converted, straight at the segmenter's input size.
        InferResult r = models().infer("selfie", model_file("selfie"), frame_to_bgr(f, cv::Size(256, 256), ci));
        cv::Mat small = output_image(r, 0, 256, 256);
        cv::resize(small, c.mask, ci.size(), 0, 0, cv::INTER_LINEAR);
      } else {
        c.mask = box_cutout(f, ci, cv::Rect(int(b.x), int(b.y), int(b.width), int(b.height)));
      }
      ++s.seg_runs;
      c.frame = t;
    }
    cv::resize(c.mask, m, ci.size(), 0, 0, cv::INTER_LINEAR);
    // Only inside the detected box (grown a little): the segmenter's idea of the rest of the crop
    // (another person, the background's salient thing) is not this target.
    cv::Mat gate = cv::Mat::zeros(ci.size(), CV_32F);
    cv::Rect2f inner = cv::Rect2f(b.x - gx / 2, b.y - gy / 2, b.width + gx, b.height + gy) & whole;
    cv::Rect ii = cv::Rect(int(inner.x) - ci.x, int(inner.y) - ci.y, int(inner.width), int(inner.height)) & cv::Rect(0, 0, ci.width, ci.height);
    gate(ii).setTo(1);
    m = m.mul(gate);
    cv::Rect wi(int(ci.x * sc), int(ci.y * sc), std::max(1, int(std::lround(ci.width * sc))), std::max(1, int(std::lround(ci.height * sc))));
    wi &= cv::Rect(0, 0, work.width, work.height);
    if (wi.area() <= 0) continue;
    cv::Mat ms;
    cv::resize(m, ms, wi.size(), 0, 0, cv::INTER_AREA);
    cv::Mat roi = p(wi);
    cv::max(roi, ms, roi);
  }
  // Forget carried masks of tracks that ended.
  for (auto it = s.carried.begin(); it != s.carried.end();) {
    bool alive = std::any_of(tracks.begin(), tracks.end(), [&](const Detection& d) { return d.track == it->first; });
    it = alive ? std::next(it) : s.carried.erase(it);
  }
  return p;
}

}  // namespace omni

// core/perception: a named target's mask (see targets.h).
#include "core/perception/targets.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/error.h"
#include "core/image/flow.h"
#include "core/perception/internal.h"
#include "core/perception/models.h"
#include "core/perception/objects.h"
#include "core/perception/tracking.h"

namespace omni {

namespace {
constexpr int kPerson = 0;

struct Carried {  // a track's mask from its last key frame
  cv::Mat mask;   // CV_32F, the crop's size at that time
  cv::Rect at;    // objects: that crop in the frame, and how far the object moved since (the
  cv::Point2f moved;  // mask follows the object's own motion, not the detector's box)
  int64_t frame = -1;
  bool seeded = false;  // the cut-out had motion to tell the object from what stands behind it
  int retries = 0;      // unseeded cut-outs tried again since the last key frame
};

float median(std::vector<float>& v) {  // reorders v; v is not empty
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Motion seeds for a cut-out: the grey frame a few frames back, at a small size.
constexpr int kMotionSide = 320, kMotionBack = 8;
// The cut-out's long side: leaves and fingers thinner than a few pixels at it are lost.
constexpr int kCutSide = 480;
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
  std::deque<cv::Mat> grey;  // the last kMotionBack + 1 frames at the motion size, oldest first
  cv::Ptr<cv::DISOpticalFlow> dis;
  cv::Mat step;  // this frame's flow back to the last (motion size): now(x) ~ last(x + step(x))
};

// How far an object carried at `at` + `moved` (frame pixels) moved since the last frame: the
// median of the flow over its mask's pixels, sampled at the motion size (scale k).
static cv::Point2f object_step(const cv::Mat& step, double k, const cv::Mat& mask, cv::Rect at, cv::Point2f moved) {
  std::vector<float> dx, dy;
  const int every = std::max(1, int(1 / k));  // about one sample per motion-size pixel
  for (int y = 0; y < mask.rows; y += every)
    for (int x = 0; x < mask.cols; x += every) {
      if (mask.at<float>(y, x) < 0.5f) continue;
      const int u = int((at.x + moved.x + x) * k), v = int((at.y + moved.y + y) * k);
      if (u < 0 || v < 0 || u >= step.cols || v >= step.rows) continue;
      const auto& f = step.at<cv::Point2f>(v, u);
      dx.push_back(-f.x), dy.push_back(-f.y);
    }
  if (dx.size() < 16) return {0, 0};
  return cv::Point2f(median(dx), median(dy)) * float(1 / k);
}

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

// Where the object moves against what is behind it: the flow from this frame back to one
// kMotionBack frames earlier, in the crop `ci` (frame pixels), at the cut-out's scale `s`. Pixels
// moving with the object (away from the background's own motion by 0.75-1.5 times the object's)
// whose picture the background's motion cannot explain are object; textured pixels whose picture
// the background's motion does explain are background; both shrunk from where they meet.
// CV_8U: GC_FGD, GC_BGD, or 255 where nothing is known. Empty when the object did not move
// against the background by 2 px (still, or followed by the camera).
static cv::Mat motion_seeds(cv::DISOpticalFlow& dis, const std::deque<cv::Mat>& grey, cv::Size frame, cv::Rect ci, cv::Rect box,
                            cv::Size crop_small) {
  if (grey.size() < 2) return {};
  const cv::Mat &now = grey.back(), &then = grey.front();
  const double k = double(now.cols) / frame.width;
  cv::Rect b(int(box.x * k), int(box.y * k), std::max(1, int(box.width * k)), std::max(1, int(box.height * k)));
  b &= cv::Rect(0, 0, now.cols, now.rows);
  if (b.width < 8 || b.height < 8) return {};
  cv::Mat flow;
  dense_flow(dis, now, then, flow);  // now(x) ~ then(x + flow(x))
  // The background's motion: the median flow outside the box grown by a quarter.
  cv::Rect grown(b.x - b.width / 4, b.y - b.height / 4, b.width * 3 / 2, b.height * 3 / 2);
  std::vector<float> bx, by;
  for (int y = 0; y < flow.rows; y += 2)
    for (int x = 0; x < flow.cols; x += 2)
      if (!grown.contains({x, y})) {
        const auto& v = flow.at<cv::Point2f>(y, x);
        bx.push_back(v.x), by.push_back(v.y);
      }
  if (bx.size() < 64) return {};
  const cv::Point2f back(median(bx), median(by));
  cv::Mat dev(b.size(), CV_32F);
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) dev.at<float>(y, x) = float(cv::norm(flow.at<cv::Point2f>(b.y + y, b.x + x) - back));
  // The object's own motion: the upper decile of the deviation inside the box.
  std::vector<float> d(dev.begin<float>(), dev.end<float>());
  std::nth_element(d.begin(), d.begin() + long(d.size() * 9 / 10), d.end());
  const float v = d[d.size() * 9 / 10];
  if (v < 2) return {};
  // Each pixel's two explanations, checked on the pictures themselves: moved as the background
  // (then's pixel at x + back) or along its own flow (then's pixel at x + flow). The flow alone
  // drags low-texture background next to a moving edge along with it; the picture does not.
  cv::Mat nb, tb;
  cv::blur(now(b), nb, {3, 3});
  cv::blur(then, tb, {3, 3});
  cv::Mat map_b(b.size(), CV_32FC2), map_f(b.size(), CV_32FC2);
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) {
      const cv::Point2f p(float(b.x + x), float(b.y + y));
      map_b.at<cv::Point2f>(y, x) = p + back;
      map_f.at<cv::Point2f>(y, x) = p + flow.at<cv::Point2f>(b.y + y, b.x + x);
    }
  cv::Mat as_back, as_own, rb, ro;
  cv::remap(tb, as_back, map_b, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::remap(tb, as_own, map_f, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::absdiff(nb, as_back, rb);
  cv::absdiff(nb, as_own, ro);
  cv::Mat tex = texture_map(now(b));
  // Object: moving with the object, and its picture contradicts the background's motion. Background:
  // textured, and its picture agrees with the background's motion (newly uncovered pixels do not:
  // then showed the object there, so they stay unknown).
  cv::Mat object = (dev > 0.75f * v) & (dev < 1.5f * v) & (rb > 12) & (ro < rb / 2),
          still = (rb < 5) & (tex > 4);
  auto disc = [](int r) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}); };
  const int r = std::max(1, int(std::lround(std::max(b.width, b.height) / 40.0)));
  // The object's side passes single pixels of background (their picture changed as an edge went
  // by): a median drops them, and only a small erosion is needed where both tests already agree.
  cv::medianBlur(object, object, 5);
  cv::erode(object, object, disc(std::max(1, r / 2)));
  cv::erode(still, still, disc(r));
  cv::Mat seeds(b.size(), CV_8U, cv::Scalar(255));
  seeds.setTo(cv::GC_BGD, still);
  seeds.setTo(cv::GC_FGD, object);
  // Into the cut-out's crop: the box's place in it, at its scale.
  cv::Mat out(crop_small, CV_8U, cv::Scalar(255));
  const double sx = double(crop_small.width) / ci.width, sy = double(crop_small.height) / ci.height;
  cv::Rect to(int(std::lround((box.x - ci.x) * sx)), int(std::lround((box.y - ci.y) * sy)), int(std::lround(box.width * sx)),
              int(std::lround(box.height * sy)));
  cv::Rect inside = to & cv::Rect(0, 0, out.cols, out.rows);
  if (inside.area() <= 0) return {};
  cv::Mat scaled;
  cv::resize(seeds, scaled, to.size(), 0, 0, cv::INTER_NEAREST);
  scaled(cv::Rect(inside.x - to.x, inside.y - to.y, inside.width, inside.height)).copyTo(out(inside));
  return out;
}

// A box-prompted cut-out: GrabCut (colour models of the box's inside and its surroundings, a
// graph cut between them) on the crop `ci` of the frame, the box (frame pixels) as the "probably
// object" region, at most kCutSide px. Where the object moves against the background, the motion
// seeds fix pixels of each side first: a green plant over a green lime, or a terracotta pot over
// an orange, share colours that GrabCut alone cannot tell apart. CV_32F at the crop's size;
// `seeded` says whether motion helped.
static cv::Mat box_cutout(const Frame& f, cv::Rect ci, cv::Rect box, cv::DISOpticalFlow& dis, const std::deque<cv::Mat>& grey,
                          const cv::Mat& prior, bool& seeded) {
  float s = std::min(1.f, float(kCutSide) / float(std::max(ci.width, ci.height)));
  cv::Mat small = frame_to_bgr(f, cv::Size(std::max(1, int(ci.width * s)), std::max(1, int(ci.height * s))), ci);
  cv::Rect r(int((box.x - ci.x) * s), int((box.y - ci.y) * s), int(box.width * s), int(box.height * s));
  r &= cv::Rect(1, 1, small.cols - 2, small.rows - 2);
  cv::Mat out = cv::Mat::zeros(ci.size(), CV_32F);
  seeded = false;
  if (r.width < 4 || r.height < 4) return out;
  cv::Mat mask, bgd, fgd;
  cv::Mat seeds = motion_seeds(dis, grey, cv::Size(f.width(), f.height()), ci, box, small.size());
  if (!seeds.empty() && cv::countNonZero(seeds == cv::GC_FGD) >= 16 && cv::countNonZero(seeds == cv::GC_BGD) >= 16) {
    mask = cv::Mat(small.size(), CV_8U, cv::Scalar(cv::GC_BGD));
    mask(r).setTo(cv::GC_PR_FGD);
    cv::Mat known = seeds != 255, inside = cv::Mat::zeros(small.size(), CV_8U);
    inside(r).setTo(255);
    seeds.copyTo(mask, known & inside);
    cv::grabCut(small, mask, r, bgd, fgd, 4, cv::GC_INIT_WITH_MASK);
    seeded = true;
  } else if (!prior.empty()) {
    // No motion now, but the last cut-out had it: it is where GrabCut starts, as probable labels.
    cv::Mat p;
    cv::resize(prior, p, small.size(), 0, 0, cv::INTER_LINEAR);
    mask = cv::Mat(small.size(), CV_8U, cv::Scalar(cv::GC_BGD));
    mask(r).setTo(cv::GC_PR_BGD);
    cv::Mat inside = cv::Mat::zeros(small.size(), CV_8U);
    inside(r).setTo(255);
    mask.setTo(cv::GC_PR_FGD, (p > 0.5f) & inside);
    cv::grabCut(small, mask, r, bgd, fgd, 4, cv::GC_INIT_WITH_MASK);
    seeded = true;
  } else {
    cv::grabCut(small, mask, r, bgd, fgd, 4, cv::GC_INIT_WITH_RECT);
  }
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
  if (s.cls != kPerson) {
    const float k = std::min(1.f, float(kMotionSide) / float(std::max(f.width(), f.height())));
    s.grey.push_back(luma_small(f, cv::Size(std::max(1, int(std::lround(f.width() * k))), std::max(1, int(std::lround(f.height() * k))))));
    if (int(s.grey.size()) > kMotionBack + 1) s.grey.pop_front();
    if (!s.dis) s.dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_FAST);
    s.step.release();
    if (s.grey.size() >= 2 && !s.carried.empty()) dense_flow(*s.dis, s.grey.back(), s.grey[s.grey.size() - 2], s.step);
  }
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
    // The segmenter runs on a track's crop every few frames (people: every `person_every`,
    // staggered by track so the runs spread over frames; objects: a box-prompted GrabCut every
    // `keyint`). In between, a person's last mask is carried with the box (scaled to the new
    // crop) and an object's moves with the object's own flow: the detector's box of an object
    // it scores low jumps and changes shape from one run to the next.
    Carried& c = s.carried[d.track];
    const bool person = s.cls == kPerson;
    const int every = person ? s.o.person_every : s.o.keyint;
    if (!person && c.frame >= 0 && !s.step.empty()) c.moved += object_step(s.step, double(s.step.cols) / f.width(), c.mask, c.at, c.moved);
    auto placed = [&] {  // an object's carried cut-out on this frame's crop
      cv::Mat out = cv::Mat::zeros(ci.size(), CV_32F);
      cv::Rect from(c.at.x + int(std::lround(c.moved.x)), c.at.y + int(std::lround(c.moved.y)), c.mask.cols, c.mask.rows);
      cv::Rect both = from & ci;
      if (both.area() > 0) c.mask(both - from.tl()).copyTo(out(both - ci.tl()));
      return out;
    };
    // An object cut out without motion seeds is cut out again once it has moved for a few frames.
    const bool unseeded = !person && c.frame >= 0 && !c.seeded && c.retries < 3 && t - c.frame >= kMotionBack / 2;
    if (c.frame < 0 || t - c.frame >= every || unseeded || (person && every > 1 && (t + d.track) % every == 0 && t != c.frame)) {
      if (person) {
        // Only the crop is converted, straight at the segmenter's input size.
        InferResult r = models().infer("selfie", model_file("selfie"), frame_to_bgr(f, cv::Size(256, 256), ci));
        cv::Mat small = output_image(r, 0, 256, 256);
        cv::resize(small, c.mask, ci.size(), 0, 0, cv::INTER_LINEAR);
      } else {
        cv::Mat prior;  // the last seeded cut-out, where it is now
        if (c.seeded) prior = placed();
        c.retries = unseeded && t - c.frame < every ? c.retries + 1 : 0;
        c.mask = box_cutout(f, ci, cv::Rect(int(b.x), int(b.y), int(b.width), int(b.height)), *s.dis, s.grey, prior, c.seeded);
        c.at = ci, c.moved = {0, 0};
      }
      ++s.seg_runs;
      c.frame = t;
    }
    cv::Mat m;  // CV_32F, crop size
    if (person)
      cv::resize(c.mask, m, ci.size(), 0, 0, cv::INTER_LINEAR);
    else
      m = placed();
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

// core/perception: the salient-object mask, ISNet on key frames, carried along the flow between.
#include "core/perception/salient.h"
#include "core/perception/models.h"

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

namespace omni {

// ---- salient objects ------------------------------------------------------------------------

// One object of the key frame's mask and its motion since then (2x3, key frame -> now).
struct SalientPart {
  cv::Mat key, total;
};

struct SalientTracker::State {
  int keyint = 30;
  std::string model;
  cv::Size work;
  cv::Mat prev_gray, prob;
  std::vector<SalientPart> parts;  // the key frame's objects and their motion since
  int since_key = 0, runs = 0;
  bool one = false;
  cv::Ptr<cv::DISOpticalFlow> dis;
};

SalientTracker::SalientTracker(int keyint, std::string model, bool one_object) : s_(std::make_unique<State>()) {
  s_->keyint = std::max(1, keyint);
  s_->one = one_object;
  s_->model = std::move(model);
  model_file(s_->model);
  s_->dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
}
SalientTracker::~SalientTracker() = default;
int SalientTracker::model_runs() const { return s_->runs; }

// Working resolution: 384 px on the long side is enough to carry a mask; the refiner restores
// the frame's own edges.
static cv::Size work_size(int w, int h, int long_side) {
  double s = std::min(1.0, double(long_side) / std::max(w, h));
  return {std::max(8, int(std::lround(w * s))), std::max(8, int(std::lround(h * s)))};
}

// Rotation + scale + shift that best explains the flow at the set pixels of `where` (RANSAC);
// too few pixels: the mean flow there, or no motion.
static cv::Mat fit_motion(const cv::Mat& flow, const cv::Mat& where) {
  std::vector<cv::Point2f> from, to;
  for (int y = 0; y < where.rows; y += 2)
    for (int x = 0; x < where.cols; x += 2)
      if (where.at<uint8_t>(y, x)) {
        cv::Point2f f = flow.at<cv::Point2f>(y, x);
        from.emplace_back(float(x), float(y));
        to.emplace_back(x + f.x, y + f.y);
      }
  cv::Mat m;
  if (from.size() >= 12) m = cv::estimateAffinePartial2D(from, to, cv::noArray(), cv::RANSAC, 1.0);
  if (m.empty()) {
    cv::Scalar mean = cv::countNonZero(where) ? cv::mean(flow, where) : cv::Scalar(0, 0);
    m = (cv::Mat_<double>(2, 3) << 1, 0, mean[0], 0, 1, mean[1]);
  }
  return m;
}

static cv::Mat compose(const cv::Mat& a, const cv::Mat& b) {  // a after b, 2x3 each
  cv::Mat a3 = cv::Mat::eye(3, 3, CV_64F), b3 = cv::Mat::eye(3, 3, CV_64F);
  a.copyTo(a3.rowRange(0, 2));
  b.copyTo(b3.rowRange(0, 2));
  cv::Mat p = a3 * b3;
  return p.rowRange(0, 2).clone();
}

// The key frame's mask, split into its objects (each pixel goes to the nearest one), so objects
// moving apart (people crossing a street) each get their own motion. At most 8 parts: the
// smallest objects share the last.
static std::vector<SalientPart> split_parts(const cv::Mat& key) {
  std::vector<SalientPart> parts;
  cv::Mat outside = key <= 0.5f;
  if (cv::countNonZero(outside) == int(outside.total())) return parts;
  cv::Mat dist, labels;
  cv::distanceTransform(outside, dist, labels, cv::DIST_L2, 5, cv::DIST_LABEL_CCOMP);
  double maxl;
  cv::minMaxLoc(labels, nullptr, &maxl);
  std::vector<std::pair<int, int>> area;  // (pixels, label)
  for (int l = 1; l <= int(maxl); ++l) area.emplace_back(cv::countNonZero((labels == l) & ~outside), l);
  std::sort(area.rbegin(), area.rend());
  cv::Mat ident = (cv::Mat_<double>(2, 3) << 1, 0, 0, 0, 1, 0);
  for (size_t i = 0; i < area.size() && area[i].first > 0; ++i) {
    cv::Mat sel = labels == area[i].second;
    if (i >= 8) {
      key.copyTo(parts.back().key, sel);
      continue;
    }
    SalientPart p;
    p.key = cv::Mat::zeros(key.size(), CV_32F);
    key.copyTo(p.key, sel);
    p.total = ident.clone();
    parts.push_back(std::move(p));
  }
  return parts;
}

// Moves the key frame's mask onto `cur`: each object's motion is fitted (rotation, scale, shift)
// to the dense flow inside it, away from its edges, accumulated since the key frame, and the key
// frame's mask of that object is warped once. Both simpler designs measured worse on a disc moving
// 4 px/frame: warping the mask by the flow pixel by pixel (flow is smoothed across the moving edge,
// 2.4-3.5 px/frame there, so the edge lags: IoU 0.98 -> 0.60 after 30 frames), and re-warping the
// carried mask every frame (resampling blur: 0.85). Shape changes a fit cannot follow raise the
// residual and the caller runs the model again. `warped_prev` is prev moved the same way
// (background by its own fit), to measure how well that explains `cur`. Returns the worst mean
// residual (grey levels) around an object the fit does not explain: an average over all objects
// would let a well-explained lamp post hide a person whose mask stayed behind.
static double carry_mask(const cv::Mat& prev, const cv::Mat& cur, std::vector<SalientPart>& parts, cv::DISOpticalFlow& dis,
                         cv::Mat& carried, cv::Mat& warped_prev, std::vector<bool>& held) {
  cv::Mat flow;
  dense_flow(dis, prev, cur, flow);
  cv::Size size = prev.size();
  auto disc = [](int d) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, {d, d}); };
  carried = cv::Mat::zeros(size, CV_32F);
  cv::Mat any = cv::Mat::zeros(size, CV_8U);
  std::vector<cv::Mat> before(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    cv::warpAffine(parts[i].key, before[i], parts[i].total, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    any |= before[i] > 0.5f;
  }
  cv::Mat near;
  cv::dilate(any, near, disc(15));
  cv::warpAffine(prev, warped_prev, fit_motion(flow, ~near), size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  for (size_t i = 0; i < parts.size(); ++i) {
    cv::Mat inner, now, region, moved;
    cv::erode(before[i] > 0.5f, inner, disc(7));
    cv::Mat m = fit_motion(flow, inner);
    parts[i].total = compose(m, parts[i].total);
    cv::warpAffine(parts[i].key, now, parts[i].total, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    cv::max(carried, now, carried);
    cv::dilate(now > 0.5f, region, disc(9));
    cv::warpAffine(prev, moved, m, size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    moved.copyTo(warped_prev, region);
  }
  // A walking person never fits a rigid motion exactly, so the residual alone would call every
  // step a failure (vtest: 15-45 grey levels on each new picture). An object counts as lost when
  // the fitted motion explains little more than no motion at all (a mask left behind, a merged
  // object moving two ways) and the residual is large.
  double worst = 0;
  held.assign(parts.size(), true);
  cv::Mat err, still;
  cv::absdiff(warped_prev, cur, err);
  cv::absdiff(prev, cur, still);
  for (size_t i = 0; i < parts.size(); ++i) {
    cv::Mat now, region, inner;
    cv::warpAffine(parts[i].key, now, parts[i].total, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    cv::dilate(now > 0.5f, region, disc(9));
    if (cv::countNonZero(region) < 16) continue;
    double fitted = cv::mean(err, region)[0], none = cv::mean(still, region)[0];
    if (fitted > 0.6 * none) worst = std::max(worst, fitted);
    // Held: the object's own inside, away from the background it uncovers, moved as fitted.
    cv::erode(now > 0.5f, inner, disc(7));
    if (cv::countNonZero(inner) >= 16) {
      double in_fitted = cv::mean(err, inner)[0], in_none = cv::mean(still, inner)[0];
      held[i] = in_fitted <= 8 || in_fitted <= 0.5 * in_none;
    } else {
      held[i] = fitted <= 0.6 * none;
    }
  }
  return worst;
}

// One object, followed: the network sees it differently from one key frame to the next (half of
// it, or merged with what is behind it), and marks other things besides. So the new mask keeps
// the carried object, whole, where the motion still explains it and the new mask finds at least
// a third of it, with the new mask's pieces that touch it; with no such object (the first key
// frame, a cut, the object gone), the new mask's largest piece and the pieces next to it.
static void keep_one_object(cv::Mat& prob, const std::vector<SalientPart>& parts, const std::vector<bool>& held) {
  cv::Mat found = prob > 0.5f, object = cv::Mat::zeros(prob.size(), CV_32F);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!held[i]) continue;
    cv::Mat now;
    cv::warpAffine(parts[i].key, now, parts[i].total, prob.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    cv::Mat was = now > 0.5f;
    const int n = cv::countNonZero(was);
    if (n >= 16 && cv::countNonZero(was & found) * 3 >= n) cv::max(object, now, object);
  }
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(found, labels, stats, centroids, 8, CV_32S);
  std::vector<uint8_t> keep(size_t(std::max(count, 1)), 0);
  const bool have = cv::countNonZero(object > 0.5f) > 0;
  if (have) {
    cv::Mat touch;
    cv::dilate(object > 0.5f, touch, cv::Mat(), {-1, -1}, 2);
    for (int y = 0; y < labels.rows; ++y)
      for (int x = 0; x < labels.cols; ++x)
        if (touch.at<uint8_t>(y, x)) keep[size_t(labels.at<int>(y, x))] = 1;
  } else {
    // The largest piece, and the pieces next to it (a person's legs apart from the body): those
    // whose box meets its box grown by half.
    int best = 0;
    for (int l = 1; l < count; ++l)
      if (!best || stats.at<int>(l, cv::CC_STAT_AREA) > stats.at<int>(best, cv::CC_STAT_AREA)) best = l;
    auto box = [&](int l) {
      return cv::Rect(stats.at<int>(l, cv::CC_STAT_LEFT), stats.at<int>(l, cv::CC_STAT_TOP), stats.at<int>(l, cv::CC_STAT_WIDTH),
                      stats.at<int>(l, cv::CC_STAT_HEIGHT));
    };
    if (best) {
      cv::Rect b = box(best);
      const cv::Rect near(b.x - b.width / 2, b.y - b.height / 2, b.width * 2, b.height * 2);
      for (int l = 1; l < count; ++l) keep[size_t(l)] = (box(l) & near).area() > 0;
    }
  }
  keep[0] = 0;
  cv::Mat kept = cv::Mat::zeros(prob.size(), CV_8U);
  for (int y = 0; y < labels.rows; ++y)
    for (int x = 0; x < labels.cols; ++x) kept.at<uint8_t>(y, x) = keep[size_t(labels.at<int>(y, x))];
  cv::Mat out = cv::Mat::zeros(prob.size(), CV_32F);
  prob.copyTo(out, kept);
  cv::max(out, object, prob);
  // Whole: the network leaves holes where the object looks like what is behind it (blue cheeks
  // under a blue sky), and a neighbouring frame would lend them to the fill as background.
  cv::Mat outside;
  cv::copyMakeBorder(prob <= 0.5f, outside, 1, 1, 1, 1, cv::BORDER_CONSTANT, 255);
  cv::floodFill(outside, cv::Point(0, 0), 0);
  prob.setTo(1.0f, outside(cv::Rect(1, 1, prob.cols, prob.rows)));
}

cv::Mat SalientTracker::probability(Frame& f) {
  State& s = *s_;
  const std::string key = "perception/salient/" + s.model;
  if (const cv::Mat* m = memo_get<cv::Mat>(f, key)) return *m;
  cv::Size work = work_size(f.width(), f.height(), 384);
  cv::Mat gray = luma_small(f, work);
  bool key_frame = s.prob.empty() || work != s.work || ++s.since_key >= s.keyint;
  std::vector<SalientPart> parts;  // the objects carried to this frame
  std::vector<bool> held;          // ... and whether the motion still explains each
  bool cut = false;
  if (!s.prob.empty() && work == s.work && (!key_frame || s.one)) {
    cv::Mat carried, warped_gray;
    parts = s.parts;
    for (auto& p : parts) p.total = p.total.clone();
    // How well the motion explains this frame: around each object (one changed shape or the fit
    // lost it) and over the whole frame (a cut).
    double local = carry_mask(s.prev_gray, gray, parts, *s.dis, carried, warped_gray, held);
    cv::Mat err;
    cv::absdiff(warped_gray, gray, err);
    cut = cv::mean(err)[0] > 25;
    // A cut re-runs the model at once; a lost object only after half the key interval, so
    // footage the fit never explains well (small walking people) does not fall back to running
    // the model on every frame (vtest at 720p: 0.7 fps with no limit, 2.8 with a third).
    if (!key_frame) {
      if (cut || (local > 14 && s.since_key >= s.keyint / 2)) key_frame = true;
      else s.prob = carried, s.parts = std::move(parts);
    }
  }
  if (key_frame) {
    const ModelSpec& spec = find_model(s.model);
    cv::Size in = model_input_size(spec);
    InferResult r = models().infer(s.model, model_file(s.model), frame_to_bgr(f, in));
    cv::resize(output_image(r, 0, in.height, in.width), s.prob, work, 0, 0, cv::INTER_AREA);
    if (s.one) keep_one_object(s.prob, cut ? std::vector<SalientPart>() : parts, held);
    s.parts = split_parts(s.prob);
    s.since_key = 0;
    ++s.runs;
  }
  s.prev_gray = gray;
  s.work = work;
  memo_set(f, key, s.prob);
  return s.prob;
}

}  // namespace omni

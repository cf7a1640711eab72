// core/image/video_fill.h says what it does; this is remove's fill engine, moved out of
// filters/remove.cpp unchanged apart from its interface.
#include "core/image/video_fill.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/image/scene_memory.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"
#include "core/perception/models.h"
#include "core/worker.h"

namespace omni {

namespace {

// One frame in the window.
struct Item {
  cv::Mat bgr;      // frame size
  cv::Mat raw;      // CV_8U, frame size, 255 = remove (dilated), this frame's own
  cv::Mat mask;     // what is removed: raw, or for a still camera raw of frames t-2..t+2 together
  cv::Mat hidden;   // CV_8U, frame size or empty: the part of the hole the caller draws over, not filled
  cv::Mat core;     // the mask's cells that are hole all round (VideoFill's core()); empty until asked
  bool final = false;  // mask settled, plate updated
  cv::Matx33d to_prev = cv::Matx33d::eye();  // maps this frame's pixels to the previous frame's
  bool aligned = true;   // to_prev could be fitted
  bool still = true;     // to_prev is (within half a pixel) no motion
  bool parallax = false; // the background does not move as one plane (a quarter of it is off to_prev by > 1 px, or next to the hole it moves otherwise)
  cv::Mat gray;          // luma at the working size (about 640 px wide)
  cv::Mat small, small_raw;  // shadow=1: the picture and its own hole at the working size
  bool shadowed = false;     // shadow=1: its shadow looked for (add_shadow)
  cv::Matx33d near_prev = cv::Matx33d::eye();  // to_prev fitted to the background around the hole only (the scene memory's step)
  cv::Matx33d to_scene = cv::Matx33d::eye();  // maps this frame's pixels into its scene (the scene memory's coordinates)
  int scene = 0;         // a frame that could not be aligned to the previous one starts a new scene
  int64_t number = 0;    // frames pushed before this one
};

// Corners `pts` of `from` LK-tracked into `to` (from `guess` when given, else where they were),
// kept when they land inside `to` on a pixel `usable` allows (CV_8U at `to`'s size, non-zero =
// background): the pairs (in `from`, in `to`) that the three trackers below fit their motion to.
void track_pairs(const cv::Mat& from, const cv::Mat& to, const std::vector<cv::Point2f>& pts, const cv::Mat& usable, int win, int levels,
                 const std::vector<cv::Point2f>* guess, std::vector<cv::Point2f>& in_from, std::vector<cv::Point2f>& in_to) {
  in_from.clear(), in_to.clear();
  if (pts.empty()) return;
  std::vector<cv::Point2f> p1 = guess ? *guess : std::vector<cv::Point2f>();
  std::vector<uint8_t> st;
  std::vector<float> err;
  cv::calcOpticalFlowPyrLK(from, to, pts, p1, st, err, {win, win}, levels,
                           cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 30, 0.01), guess ? cv::OPTFLOW_USE_INITIAL_FLOW : 0);
  for (size_t i = 0; i < pts.size(); ++i)
    if (st[i] && p1[i].x >= 0 && p1[i].y >= 0 && p1[i].x < to.cols && p1[i].y < to.rows && usable.at<uint8_t>(int(p1[i].y), int(p1[i].x)))
      in_from.push_back(pts[i]), in_to.push_back(p1[i]);
}

}  // namespace

cv::Mat hole_mask(const cv::Mat& p, cv::Size size, int grow, bool upright) {
  cv::Mat m = p > 0.5f;
  const double sc = double(p.cols) / size.width;
  if (upright) {
    int r = int(std::lround(size.height / 40 * sc));
    if (r > 0) cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_RECT, {1, 2 * r + 1}));
  }
  if (int r = int(std::lround(grow * sc)); r > 0) cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
  cv::Mat up;
  cv::resize(m, up, size, 0, 0, cv::INTER_LINEAR);
  return up > 127;
}

struct VideoFill::Impl {
  explicit Impl(FillOptions o) : o(std::move(o)), method_(this->o.method), R_(this->o.window), feather_(this->o.feather) {}

  FillOptions o;
  FillMethod method_;
  int R_, feather_, k_ = 0;
  bool finished_ = false;

  void push(cv::Mat bgr, cv::Mat hole, cv::Mat hidden) {
    if (k_ == 0) k_ = std::max(1, (bgr.cols + 639) / 640);
    Item it;
    it.bgr = std::move(bgr);
    it.raw = it.mask = std::move(hole);
    it.hidden = std::move(hidden);
    align(it);
    if (o.shadow) {
      cv::resize(it.bgr, it.small, it.gray.size(), 0, 0, cv::INTER_AREA);
      cv::resize(it.raw, it.small_raw, it.gray.size(), 0, 0, cv::INTER_NEAREST);
    }
    if (size_t(pushed_) < primed_poses_.size()) {
      it.to_scene = primed_poses_[size_t(pushed_)].first, it.scene = primed_poses_[size_t(pushed_)].second;  // as the first pass placed it
      last_to_scene_ = it.to_scene, scene_ = it.scene;  // a frame past the first pass's count chains on from here
    } else if (memory_on()) {
      place(it);
    }
    it.number = pushed_++;
    items_.push_back(std::move(it));
    settle(int(items_.size()) - 3);  // its neighbours two frames on have arrived
  }

  // A segmenter misses a leg or a head in one frame and finds it in the next: with a still
  // camera, what is removed in frame k is what any of frames k-2..k+2 marked (a person moves a
  // few pixels meanwhile; the fill comes from other frames, so a larger hole costs little).
  void settle(int k) {
    if (k < 0 || k >= int(items_.size()) || items_[k].final) return;
    Item& it = items_[k];
    if (o.join) {
      int lo = std::max(0, k - 2), hi = std::min(int(items_.size()) - 1, k + 2);
      bool still = true;
      for (int j = lo + 1; j <= hi; ++j) still &= items_[j].still;
      if (still) {
        it.mask = it.raw.clone();
        for (int j = lo; j <= hi; ++j)
          if (j != k) it.mask |= items_[j].raw;
        it.core.release();
      }
    }
    update_plate(it);
    it.final = true;
  }


  // ---- shadows ---------------------------------------------------------------------------------

  // A removed person's shadow would walk on alone: the hole grows by the ground that is darker
  // than the background there (the upper quartile of up to 16 other frames of the window that saw
  // it uncovered, moved into this frame when the camera moves), of the same colour (a shadow dims the light, it does not
  // change the ground's hue much), in one piece with the ground next to the lower part of a hole
  // (the feet). At the working size (about 640 px wide). Looked for when the frame is first in a
  // window being filled, so that the first frames' reference has later frames in it (the first
  // frame's alone, frames 1-3, still had the shadow in them: 38 grey levels left against 3).
  void add_shadow(int k) {
    Item& it = items_[k];
    if (it.shadowed) return;
    it.shadowed = true;
    if (it.small.empty()) return;
    const cv::Size ws = it.small.size();
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(it.small_raw, labels, stats, centroids, 8, CV_32S);
    if (n < 2) return;
    // Where a shadow may lie: beside and below each hole's lower half; its feet: its lowest 30 %.
    cv::Rect area;
    cv::Mat feet = cv::Mat::zeros(ws, CV_8U), where = cv::Mat::zeros(ws, CV_8U);
    for (int c = 1; c < n; ++c) {
      const int x = stats.at<int>(c, cv::CC_STAT_LEFT), y = stats.at<int>(c, cv::CC_STAT_TOP);
      const int w = stats.at<int>(c, cv::CC_STAT_WIDTH), h = stats.at<int>(c, cv::CC_STAT_HEIGHT);
      if (w * h < 16) continue;
      const cv::Rect a = cv::Rect(x - w - h / 2, y + h / 2, 3 * w + h, h / 2 + h * 3 / 4) & cv::Rect(0, 0, ws.width, ws.height);
      area = area.empty() ? a : (area | a);
      where(a).setTo(255);  // people apart on a street: their boxes' union would be most of the frame
      const cv::Rect low(x, y + h * 7 / 10, w, h - h * 7 / 10);
      feet(low).setTo(255, labels(low) == c);
    }
    area &= cv::Rect(0, 0, ws.width, ws.height);
    if (area.empty()) return;
    // The others: up to 16 frames of the window, the farthest first (a slow walker's shadow covers
    // the same ground in the nearest ones), seen from this frame over `area`: as they are for a
    // still camera, else moved by the homography between the two (not across parallax, where one
    // homography does not place the ground). Outside a frame counts as its hole.
    struct View {
      cv::Mat small, raw;  // area-sized
    };
    std::vector<View> others;
    const double sx = double(it.bgr.cols) / ws.width, sy = double(it.bgr.rows) / ws.height;
    const cv::Matx33d S(sx, 0, 0, 0, sy, 0, 0, 0, 1), Si(1 / sx, 0, 0, 0, 1 / sy, 0, 0, 0, 1);
    const cv::Matx33d T(1, 0, area.x, 0, 1, area.y, 0, 0, 1);
    for (int d = int(items_.size()); d >= 1 && others.size() < 16; --d)
      for (int j : {k - d, k + d}) {
        if (j < 0 || j >= int(items_.size()) || items_[j].small.empty() || others.size() >= 16) continue;
        cv::Matx33d M;
        bool identity, parallax;
        if (!mapping(k, j, M, identity, &parallax) || parallax) continue;
        View v;
        if (identity) {
          v.small = items_[j].small(area), v.raw = items_[j].small_raw(area);
        } else {
          const cv::Matx33d W = Si * M * S * T;
          cv::warpPerspective(items_[j].small, v.small, W, area.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT);
          cv::warpPerspective(items_[j].small_raw, v.raw, W, area.size(), cv::INTER_NEAREST | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                              cv::Scalar(255));
        }
        others.push_back(std::move(v));
      }
    if (others.size() < 3) return;
    cv::Mat cand = cv::Mat::zeros(ws, CV_8U);
    std::vector<std::pair<float, cv::Vec3b>> v;  // luma, colour
    for (int y = area.y; y < area.y + area.height; ++y) {
      const cv::Vec3b* p = it.small.ptr<cv::Vec3b>(y);
      const uint8_t *own = it.small_raw.ptr(y), *in = where.ptr(y);
      uint8_t* out = cand.ptr(y);
      for (int x = area.x; x < area.x + area.width; ++x) {
        if (own[x] || !in[x]) continue;
        // No darker than 85 % of the brightest the others saw there: no shadow (most of the
        // ground; the sorting below is the cost).
        const float yf = 0.114f * p[x][0] + 0.587f * p[x][1] + 0.299f * p[x][2];
        const int ay = y - area.y, ax = x - area.x;
        float brightest = 0;
        for (const View& o : others) {
          const cv::Vec3b& q = o.small.ptr<cv::Vec3b>(ay)[ax];
          brightest = std::max(brightest, 0.114f * q[0] + 0.587f * q[1] + 0.299f * q[2]);
        }
        if (yf > 0.85f * brightest) continue;
        v.clear();
        for (const View& o : others)
          if (!o.raw.ptr(ay)[ax]) {
            const cv::Vec3b& q = o.small.ptr<cv::Vec3b>(ay)[ax];
            v.emplace_back(0.114f * q[0] + 0.587f * q[1] + 0.299f * q[2], q);
          }
        if (v.size() < 3) continue;
        // The ground unshadowed: the upper quartile by brightness (a shadow only darkens, and the
        // shadow of a slow walker still lies on the ground in half the window's frames).
        auto q = v.begin() + long(v.size() * 3 / 4);
        std::nth_element(v.begin(), q, v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        const float ref[3] = {float(q->second[0]), float(q->second[1]), float(q->second[2])};
        const float yr = 0.114f * ref[0] + 0.587f * ref[1] + 0.299f * ref[2];
        if (yr < 24 || yf > 0.85f * yr || yf < 0.2f * yr) continue;
        const float sr = ref[0] + ref[1] + ref[2] + 1, sf = float(p[x][0] + p[x][1] + p[x][2]) + 1;
        float off = 0;
        for (int c = 0; c < 3; ++c) off = std::max(off, std::fabs(p[x][c] / sf - ref[c] / sr));
        if (off < 0.06f) out[x] = 255;
      }
    }
    cv::morphologyEx(cand, cand, cv::MORPH_OPEN, cv::Mat());
    cv::dilate(feet, feet, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    cv::Mat cl;
    const int m = cv::connectedComponents(cand, cl, 8, CV_32S);
    std::vector<uint8_t> keep(size_t(m), 0);
    for (int y = area.y; y < area.y + area.height; ++y) {
      const int* l = cl.ptr<int>(y);
      const uint8_t* f = feet.ptr(y);
      for (int x = area.x; x < area.x + area.width; ++x)
        if (l[x] && f[x]) keep[size_t(l[x])] = 1;
    }
    cv::Mat shadow = cv::Mat::zeros(ws, CV_8U);
    for (int y = area.y; y < area.y + area.height; ++y) {
      const int* l = cl.ptr<int>(y);
      uint8_t* s = shadow.ptr(y);
      for (int x = area.x; x < area.x + area.width; ++x)
        if (l[x] && keep[size_t(l[x])]) s[x] = 255;
    }
    if (!cv::countNonZero(shadow)) return;
    cv::dilate(shadow, shadow, cv::Mat());  // its soft edge
    cv::Mat up;
    cv::resize(shadow, up, it.raw.size(), 0, 0, cv::INTER_LINEAR);
    up = up > 127;
    it.raw |= up;
    if (it.mask.data != it.raw.data) it.mask |= up;  // the masks joined over frames already
    it.small_raw |= shadow;
    ++shadow_frames_;
  }

  // ---- camera motion --------------------------------------------------------------------------

  // Fits the homography from this frame to the previous one on background corners (outside both
  // masks), at about 640 px wide. A fit that moves no corner by half a pixel counts as still.
  void align(Item& it) {
    cv::Mat g;
    cv::cvtColor(it.bgr, g, cv::COLOR_BGR2GRAY);
    if (k_ > 1) cv::resize(g, g, {g.cols / k_, g.rows / k_}, 0, 0, cv::INTER_AREA);
    cv::Mat m;
    cv::resize(it.mask, m, g.size(), 0, 0, cv::INTER_NEAREST);
    cv::Mat allowed = m == 0;
    it.gray = g;
    if (prev_gray_.empty() || prev_gray_.size() != g.size()) {
      prev_gray_ = g, prev_allowed_ = allowed;
      return;
    }
    std::vector<cv::Point2f> p0;
    cv::goodFeaturesToTrack(prev_gray_, p0, 500, 0.005, 6, prev_allowed_);
    it.aligned = false, it.still = false;
    if (p0.size() >= 12) {
      std::vector<cv::Point2f> a, b;
      track_pairs(prev_gray_, g, p0, allowed, 21, 3, nullptr, b, a);
      if (a.size() >= 12) {
        cv::Mat H = cv::findHomography(a, b, cv::RANSAC, 1.0);
        if (!H.empty()) {
          cv::Matx33d h(H);
          cv::Matx33d S(k_, 0, 0, 0, k_, 0, 0, 0, 1), Si(1.0 / k_, 0, 0, 0, 1.0 / k_, 0, 0, 0, 1);
          it.to_prev = S * h * Si;
          it.aligned = true;
          double worst = 0;
          for (cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(it.bgr.cols, 0), cv::Point2d(0, it.bgr.rows),
                                cv::Point2d(it.bgr.cols, it.bgr.rows)}) {
            cv::Vec3d q = it.to_prev * cv::Vec3d(c.x, c.y, 1);
            worst = std::max(worst, std::hypot(q[0] / q[2] - c.x, q[1] / q[2] - c.y));
          }
          if (worst < 0.5) it.to_prev = cv::Matx33d::eye(), it.still = true;
          it.near_prev = it.to_prev;
          bool hole_parallax = false;
          if (!it.still) {
            const cv::Rect near = around_hole(m, 2);
            std::vector<cv::Point2f> an, bn;
            for (size_t i = 0; i < a.size(); ++i)
              if (near.contains(cv::Point(a[i]))) an.push_back(a[i]), bn.push_back(b[i]);
            if (!near.empty() && an.size() >= 30 && an.size() < a.size()) {
              cv::Mat Hn = cv::findHomography(an, bn, cv::RANSAC, 1.0);
              if (!Hn.empty()) it.near_prev = S * cv::Matx33d(Hn) * Si;
            }
            // The background next to the hole moves otherwise than the frame's: depth that one
            // homography absorbs as a shear (two layers 1.25 px a frame apart stay under a pixel
            // for the frame-wide fit). One frame's fits differ by noise as much (0.1-0.8 px on a
            // plain pan, 0.2-3 px on two layers), so the two are chained over the last 8 frames
            // and compared at the hole's corners, where a real difference adds up.
            cv::Matx33d Pn = it.near_prev, Pg = it.to_prev;
            int steps = 1;
            for (auto p = items_.rbegin(); p != items_.rend() && steps < 8 && p->aligned; ++p, ++steps)
              Pn = p->near_prev * Pn, Pg = p->to_prev * Pg;
            const cv::Rect hb = cv::boundingRect(it.mask);
            double off = 0;
            for (cv::Point2d c : {cv::Point2d(hb.x, hb.y), cv::Point2d(hb.br().x, hb.y), cv::Point2d(hb.x, hb.br().y), cv::Point2d(hb.br())}) {
              const cv::Vec3d q1 = Pg * cv::Vec3d(c.x, c.y, 1), q2 = Pn * cv::Vec3d(c.x, c.y, 1);
              off = std::max(off, std::hypot(q1[0] / q1[2] - q2[0] / q2[2], q1[1] / q1[2] - q2[1] / q2[2]));
            }
            hole_parallax = steps == 8 && off > 6.0 * k_;  // working pixels over 8 frames: plain pans 0.4-3.9, two layers 1.7-13
          }
          // Parallax: near and far things move differently, and one homography fits one of them.
          std::vector<float> err;
          for (size_t i = 0; i < a.size(); ++i) {
            cv::Vec3d q = h * cv::Vec3d(a[i].x, a[i].y, 1);
            err.push_back(float(std::hypot(q[0] / q[2] - b[i].x, q[1] / q[2] - b[i].y)));
          }
          std::nth_element(err.begin(), err.begin() + err.size() * 3 / 4, err.end());
          it.parallax = err[err.size() * 3 / 4] > 1.0f;
          it.parallax |= hole_parallax;
        }
      }
    }
    prev_gray_ = g, prev_allowed_ = allowed;
  }

  // The frame's map into the scene. Chained frame-to-frame homographies drift (a 1.5 px a frame
  // pan: 7 px and 1.5 % of scale off after 90 frames), and the memory is read tens of frames after
  // it was written: so a frame is linked straight to a key frame (its corners tracked from there,
  // starting where the chain puts them), and the chain only steps to a new key frame when the
  // link fails (the view has moved on, or too few corners agree). Both the chain's steps and the
  // key frame's corners are taken around the hole (grown by half its size; by its whole size the
  // area took in the other layer of the two-layer scene, 12.6 against 21.5 dB).
  void place(Item& it) {
    const bool first = pushed_ == 0;
    if (!first && !it.aligned) ++scene_;
    it.scene = scene_;
    const cv::Matx33d chained = first || !it.aligned ? cv::Matx33d::eye() : last_to_scene_ * it.near_prev;
    it.to_scene = chained;
    last_to_scene_ = chained;
    if (!key_gray_.empty() && key_scene_ == it.scene && it.still) return;  // the camera stands: the key frame still serves
    cv::Mat allowed;
    cv::resize(it.mask, allowed, it.gray.size(), 0, 0, cv::INTER_NEAREST);
    allowed = allowed == 0;
    const cv::Matx33d S(k_, 0, 0, 0, k_, 0, 0, 0, 1), Si(1.0 / k_, 0, 0, 0, 1.0 / k_, 0, 0, 0, 1);
    if (!key_gray_.empty() && key_scene_ == it.scene && key_gray_.size() == it.gray.size() && !it.still) {
      // Where the chain puts the key frame's corners in this frame: LK's start.
      const cv::Matx33d G = Si * chained.inv() * key_to_scene_ * S;
      std::vector<cv::Point2f> start, a, b;
      cv::perspectiveTransform(key_pts_, start, cv::Mat(G));
      track_pairs(key_gray_, it.gray, key_pts_, allowed, 15, 2, &start, b, a);
      if (a.size() >= 30) {
        cv::Mat inl;
        cv::Mat H = cv::findHomography(a, b, cv::RANSAC, 1.0, inl);
        if (!H.empty() && cv::countNonZero(inl) >= std::max<int>(30, int(key_pts_.size() * 2 / 5))) {
          it.to_scene = key_to_scene_ * S * cv::Matx33d(H) * Si;
          last_to_scene_ = it.to_scene;
          return;
        }
      }
    }
    key_gray_ = it.gray, key_scene_ = it.scene, key_to_scene_ = it.to_scene;
    // The key frame's corners around the hole: what the memory keeps and lends is there, and with
    // depth in the scene the background next to the hole is what one homography must follow.
    cv::Mat near = cv::Mat::zeros(allowed.size(), CV_8U);
    if (const cv::Rect r = around_hole(allowed == 0, 2); !r.empty()) near(r).setTo(255);
    else near.setTo(255);
    cv::goodFeaturesToTrack(it.gray, key_pts_, 150, 0.005, 10, allowed & near);
    if (key_pts_.size() < 30) cv::goodFeaturesToTrack(it.gray, key_pts_, 150, 0.005, 10, allowed);
    if (key_pts_.size() < 30) key_gray_.release();
  }

  // Maps frame t's pixels into frame s (both indices into items_); false when a link is missing.
  bool mapping(int t, int s, cv::Matx33d& M, bool& identity, bool* parallax = nullptr) const {
    M = cv::Matx33d::eye();
    identity = true;
    bool par = false;
    if (s < t) {
      for (int i = t; i > s; --i) {
        if (!items_[i].aligned) return false;
        identity &= items_[i].still;
        par |= items_[i].parallax;
        M = items_[i].to_prev * M;
      }
    } else {
      for (int i = t + 1; i <= s; ++i) {
        if (!items_[i].aligned) return false;
        identity &= items_[i].still;
        par |= items_[i].parallax;
        M = items_[i].to_prev.inv() * M;
      }
    }
    if (parallax) *parallax = par;
    return true;
  }

  // For scenes with parallax (near and far things move differently, and the frame-wide
  // homography follows whichever has more corners): the mapping between neighbouring frames i
  // and j fitted to the background around the hole only (`area`, working pixels in frame i),
  // which is what is behind the object. Chained one frame at a time (small steps: a repeating
  // texture cannot fool the tracker). Falls back to the frame-wide step with too few corners.
  cv::Matx33d local_step(int i, int j, const cv::Rect& area) {
    const Item &a = items_[i], &b = items_[j];
    const cv::Size ws = a.gray.size();
    const double sx = double(a.bgr.cols) / ws.width, sy = double(a.bgr.rows) / ws.height;
    cv::Matx33d global;
    bool identity;
    mapping(i, j, global, identity);
    cv::Rect r = area & cv::Rect(0, 0, ws.width, ws.height);
    if (r.area() < 64) return global;
    cv::Mat where = cv::Mat::zeros(ws, CV_8U), hole;
    where(r).setTo(255);
    cv::resize(a.mask, hole, ws, 0, 0, cv::INTER_NEAREST);
    cv::dilate(hole, hole, cv::Mat(), {-1, -1}, 2);
    where.setTo(0, hole);
    std::vector<cv::Point2f> p0, u, v;
    cv::goodFeaturesToTrack(a.gray, p0, 300, 0.005, 4, where);
    if (p0.size() < 10) return global;
    cv::Mat bm;
    cv::resize(b.mask, bm, ws, 0, 0, cv::INTER_NEAREST);
    track_pairs(a.gray, b.gray, p0, bm == 0, 21, 3, nullptr, u, v);
    if (u.size() < 10) return global;
    cv::Mat inl;
    cv::Mat H = cv::findHomography(u, v, cv::RANSAC, 1.0, inl);
    if (H.empty() || cv::countNonZero(inl) < 8) return global;
    cv::Matx33d S(sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5, 0, 0, 1);  // working pixel centre -> frame pixel
    return S * cv::Matx33d(H) * S.inv();
  }

  // The working-pixel bounding box of frame-pixel rectangle `r` mapped by M.
  cv::Rect mapped_area(const cv::Matx33d& M, const cv::Rect& r, const cv::Size& ws, double sx, double sy) const {
    std::vector<cv::Point2f> c;
    for (cv::Point2d p : {cv::Point2d(r.x, r.y), cv::Point2d(r.x + r.width, r.y), cv::Point2d(r.x, r.y + r.height),
                          cv::Point2d(r.x + r.width, r.y + r.height)}) {
      cv::Vec3d q = M * cv::Vec3d(p.x, p.y, 1);
      c.emplace_back(float(q[0] / q[2] / sx), float(q[1] / q[2] / sy));
    }
    return cv::boundingRect(c) & cv::Rect(0, 0, ws.width, ws.height);
  }

  // ---- the still camera's plate --------------------------------------------------------------

  void update_plate(const Item& it) {
    if (method_ == FillMethod::Frames || method_ == FillMethod::Local || method_ == FillMethod::Inpaint) return;
    if (!it.still && method_ != FillMethod::Plate) {
      plate_.release();  // the camera moved: what the plate remembers is elsewhere now
      return;
    }
    if (plate_.empty()) {
      plate_ = cv::Mat::zeros(it.bgr.size(), CV_32FC3);
      plate_seen_ = cv::Mat::zeros(it.bgr.size(), CV_8U);
    }
    cv::parallel_for_(cv::Range(0, it.bgr.rows), [&](const cv::Range& r) {
      for (int y = r.start; y < r.end; ++y) {
        const cv::Vec3b* c = it.bgr.ptr<cv::Vec3b>(y);
        const uint8_t* m = it.mask.ptr(y);
        cv::Vec3f* p = plate_.ptr<cv::Vec3f>(y);
        uint8_t* s = plate_seen_.ptr(y);
        for (int x = 0; x < it.bgr.cols; ++x) {
          if (m[x]) continue;
          // A running mean: steady against noise, follows slow light changes.
          p[x] = s[x] ? p[x] + 0.15f * (cv::Vec3f(c[x]) - p[x]) : cv::Vec3f(c[x]);
          s[x] = 1;
        }
      }
    });
  }

  // ---- the scene memory: the background past the window -------------------------------------

  bool memory_on() const { return o.memory && (method_ == FillMethod::Auto || method_ == FillMethod::Frames); }

  // A frame leaving the window. One homography cannot register a scene with depth, so frames are
  // registered by the background next to the hole (place(): near_prev and the key frame's
  // corners around the hole): the memory follows the layer the hole is on, not the frame's
  // majority (registered frame-wide, two layers 1.25 px a frame apart left the memory worse than
  // no memory: 12.6 dB against 17.5). A still camera's frames are left out (the plate is its
  // memory). Every other frame (a frame's staleness costs nothing measurable), and only around
  // its holes (remembers()).
  void remember(const Item& it) {
    if (!memory_on() || it.still || it.number % 2) return;
    const cv::Rect area = remembers(it);
    if (area.empty()) return;
    if (!memory_) memory_ = std::make_unique<SceneMemory>(int64_t(it.bgr.cols) * it.bgr.rows * 3);
    if (memory_scene_ != it.scene) memory_->clear(), memory_scene_ = it.scene;
    memory_->remember(it.bgr, margin(it), it.to_scene, it.number, area);
  }

  // The box around a mask's set pixels, grown on each side by its width or height (whichever is
  // larger) over `part`, within the mask; empty for an empty mask.
  static cv::Rect around_hole(const cv::Mat& mask, int part = 1) {
    const cv::Rect b = cv::boundingRect(mask);
    if (b.empty()) return {};
    const int g = std::max(b.width, b.height) / part;
    return cv::Rect(b.x - g, b.y - g, b.width + 2 * g, b.height + 2 * g) & cv::Rect(0, 0, mask.cols, mask.rows);
  }

  // What the memory keeps of a frame: around its holes, as far again as their box is wide or tall.
  // The memory serves what moves slowly against the background (what moves fast, the window
  // serves), so what a hole will hide is near it now; the whole frame cost a third of remove's
  // time on a 720p pan with a logo (42 fps without the memory, 30 with it).
  static cv::Rect remembers(const Item& it) { return around_hole(it.mask); }

  // The hole grown by a margin for the memory: the last frame to see a pixel that the object then
  // covers saw it at the object's edge, where its colours bleed (4:2:0 chroma, soft edges).
  static cv::Mat margin(const Item& it) {
    const int m = std::max(4, it.bgr.cols / 160);
    cv::Mat hole;
    cv::dilate(it.mask, hole, cv::getStructuringElement(cv::MORPH_RECT, {2 * m + 1, 2 * m + 1}));
    return hole;
  }

  // ---- the first pass (pass=2) -----------------------------------------------------------------

  // As push() sees a frame, up to the scene memory: what the memory cannot lend under the hole (and
  // the window will not either, as far as the first pass can tell) is wanted from later frames.
  void prime(const cv::Mat& bgr, const cv::Mat& hole) {
    if (!memory_on()) return;
    if (k_ == 0) k_ = std::max(1, (bgr.cols + 639) / 640);
    Item it;
    it.bgr = bgr;
    it.raw = it.mask = hole;
    align(it);
    place(it);
    it.number = pushed_++;
    primed_poses_.emplace_back(it.to_scene, it.scene);
    const int64_t budget = int64_t(bgr.cols) * bgr.rows * 3;
    if (!memory_) memory_ = std::make_unique<SceneMemory>(budget);
    if (memory_scene_ != it.scene) memory_->clear(), memory_scene_ = it.scene;
    auto& future = future_[it.scene];
    if (!future) future = std::make_unique<SceneMemory>(budget);
    const cv::Mat kept = margin(it);
    future->remember_wanted(bgr, kept, it.to_scene, it.number);
    // This frame's hole, less what the memory of earlier frames holds.
    const cv::Rect box = cv::boundingRect(hole);
    if (!box.empty()) {
      cv::Mat need = cv::Mat::zeros(hole.size(), CV_8U);
      for (int y = box.y; y < box.y + box.height; ++y) {
        const uint8_t* h = hole.ptr(y);
        uint8_t* n = need.ptr(y);
        cv::Vec3b v;
        for (int x = box.x; x < box.x + box.width; ++x)
          if (h[x] && !memory_->recall(it.to_scene, x, y, v)) n[x] = 255;
      }
      future->want(need, it.to_scene);
    }
    if (!it.still && !(it.number % 2) && !remembers(it).empty()) memory_->remember(bgr, kept, it.to_scene, it.number, remembers(it));
  }

  void end_prime() {
    primed_ = true;
    memory_.reset(), memory_scene_ = -1;
    prev_gray_.release(), prev_allowed_.release();
    key_gray_.release(), key_pts_.clear(), key_scene_ = -1;
    pushed_ = 0, scene_ = 0, last_to_scene_ = cv::Matx33d::eye();
  }

  // ---- the fill -------------------------------------------------------------------------------

  // The oldest frame not yet out has its window (or there are no more frames).
  bool can_pop() const {
    const int waiting = int(items_.size()) - cur_;
    return finished_ ? waiting > 0 : waiting > R_;
  }

  cv::Mat pop(cv::Mat* changed) {
    settle(cur_);  // at the end of the stream, with the neighbours there are
    Item& it = items_[cur_];
    if (o.shadow)
      for (int j = 0; j < int(items_.size()); ++j) add_shadow(j);
    cv::Mat out = o.show ? preview(it) : fill(cur_);
    if (changed) *changed = o.show ? it.mask.clone() : changed_;
    ++cur_;
    ++emitted_;
    // Past frames lend pixels to the next ones: keep R of them. One that leaves goes into the
    // scene memory.
    while (cur_ > R_) {
      remember(items_.front());
      items_.pop_front();
      --cur_;
    }
    return out;
  }

  cv::Mat preview(const Item& it) const {
    cv::Mat out = it.bgr.clone();
    cv::Mat red(out.size(), CV_8UC3, cv::Scalar(0, 0, 255)), mixed;
    cv::addWeighted(out, 0.45, red, 0.55, 0, mixed);
    mixed.copyTo(out, it.mask);
    return out;
  }

  cv::Mat fill(int t) {
    Item& it = items_[t];
    cv::Mat out = it.bgr.clone();
    cv::Rect frame_rect(0, 0, out.cols, out.rows);
    // The hole this frame shows: what the caller draws over opaquely needs no fill (it stays
    // masked as a source for the other frames).
    const cv::Mat shown = it.hidden.empty() ? it.mask : cv::Mat(it.mask & ~it.hidden);
    cv::Rect hole_box = cv::boundingRect(shown);
    changed_ = cv::Mat(out.size(), CV_8U, cv::Scalar(0));  // a new one: the caller may still read the last (zeros() would reuse it)
    if (hole_box.area() == 0) {
      prev_out_ = out, prev_filled_ = cv::Mat::zeros(out.size(), CV_8U), prev_index_ = abs_index(t), prev_lent_.clear();
      return out;
    }
    const int ring_w = o.ring;
    cv::Rect roi = cv::Rect(hole_box.x - ring_w - feather_, hole_box.y - ring_w - feather_, hole_box.width + 2 * (ring_w + feather_),
                            hole_box.height + 2 * (ring_w + feather_)) &
                   frame_rect;
    cv::Mat hole = shown(roi) > 0, whole = it.mask(roi) > 0;
    // The ring: within ring_w of the hole across and up, a little more diagonally (a square's
    // dilation: by a disk that wide it was 9 ms of a 720p frame with a near performer's hole,
    // and a distance transform no faster).
    cv::Mat grown, ring;
    cv::dilate(hole, grown, cv::getStructuringElement(cv::MORPH_RECT, {2 * ring_w + 1, 2 * ring_w + 1}));
    ring = grown & ~whole;
    cv::Mat want = hole | ring;  // the hole, and a ring around it to match brightness with

    // 1. Other frames, nearest in time first; up to N samples per pixel, their median.
    const int N = 5;
    const int W = roi.width, H = roi.height;
    // The pixels to fill, as a list and a map of still-short ones: the ROI spans every hole in the
    // frame (people all over a square), and the holes are a small part of it.
    std::vector<cv::Point> want_px;
    cv::Mat index(H, W, CV_32S);  // want_px's index of each wanted pixel
    for (int y = 0; y < H; ++y) {
      const uint8_t* w = want.ptr(y);
      int* ix = index.ptr<int>(y);
      for (int x = 0; x < W; ++x)
        if (w[x]) ix[x] = int(want_px.size()), want_px.emplace_back(x, y);
    }
    std::vector<cv::Vec3b> samples(want_px.size() * N);
    std::vector<uint8_t> count(want_px.size());
    // Parallax: the background around the hole (1.5 times the ROI: a wider area takes in more of
    // other layers; 2 times measured 16.7 dB on the parallax scene, 1.5 times 17.7 before the
    // whole-window rule below), followed frame by frame.
    const cv::Size ws = it.gray.size();
    const double sx = double(it.bgr.cols) / ws.width, sy = double(it.bgr.rows) / ws.height;
    const cv::Rect around = cv::Rect(roi.x - roi.width / 4, roi.y - roi.height / 4, roi.width * 3 / 2, roi.height * 3 / 2) & frame_rect;
    cv::Matx33d local_fwd = cv::Matx33d::eye(), local_back = cv::Matx33d::eye();
    bool fwd_ok = true, back_ok = true;  // a chain stops at the first frame it cannot reach
    // Depth anywhere in the window: every neighbour is then mapped around the hole (a chain that
    // mixed frame-wide and local steps would follow the far layer for part of the way).
    bool window_parallax = false;
    for (const Item& i : items_) window_parallax |= i.parallax;
    const bool local = method_ == FillMethod::Local || (method_ == FillMethod::Auto && window_parallax);
    // One pixel q (ROI coordinates) looked for in frame s: 0 when s does not show it (outside s
    // counts as its hole), 1 a sample, 2 its N-th.
    std::vector<uint64_t> lent(want_px.size(), 0);  // bit s - t + R_: frame s lent the pixel a sample
    auto take = [&](cv::Point q, int s, const cv::Matx33d& M, bool identity) {
      const int x = roi.x + q.x, y = roi.y + q.y;
      const size_t k = size_t(index.ptr<int>(q.y)[q.x]);
      cv::Vec3b& v = samples[k * N + count[k]];
      if (identity) {
        if (items_[s].mask.ptr(y)[x]) return 0;
        v = items_[s].bgr.ptr<cv::Vec3b>(y)[x];
      } else {
        const double w = M(2, 0) * x + M(2, 1) * y + M(2, 2);
        if (!(w > 0)) return 0;
        const double mu = (M(0, 0) * x + M(0, 1) * y + M(0, 2)) / w, mv = (M(1, 0) * x + M(1, 1) * y + M(1, 2)) / w;
        const int u = cvRound(mu), r = cvRound(mv);
        if (u < 0 || r < 0 || u >= it.bgr.cols || r >= it.bgr.rows || items_[s].mask.ptr(r)[u]) return 0;
        sample(items_[s].bgr, mu, mv, v);
      }
      lent[k] |= uint64_t(1) << (s - t + R_);
      return ++count[k] == N ? 2 : 1;
    };
    cv::Mat pending = want.clone();  // 255: to ask every neighbour (not known)
    // What the previous frame's fill learnt: for each pixel it asked every neighbour about, the
    // frames that showed it. The same place (carried into this frame) is shown by the same
    // frames of the ones both windows hold; only the previous frame itself and the newest are
    // new. So those pixels ask just these few, not all 2 * window: a hole that moves with the
    // camera (a followed performer) was otherwise looked for in every neighbour, every frame
    // (90 ms of a 720p motion-transfer frame). Not with local alignment (its chains are fitted
    // anew each frame).
    const bool learn = !local && 2 * R_ + 1 <= 63;
    std::vector<std::pair<int, uint64_t>> known;  // want_px's index, the frames to ask (bits as lent's)
    known.reserve(want_px.size());  // grown pair by pair, its copies were a tenth of the fill's own time
    if (learn && !prev_lent_.empty() && t >= 1 && prev_index_ == abs_index(t) - 1) {
      cv::Matx33d M;
      bool identity;
      if (mapping(t, t - 1, M, identity)) {
        const uint64_t fresh = (uint64_t(1) << (R_ - 1)) | (uint64_t(1) << (2 * R_));
        for (size_t k = 0; k < want_px.size(); ++k) {
          const int x = roi.x + want_px[k].x, y = roi.y + want_px[k].y;
          int u = x, r = y;
          if (!identity) {
            const double w = M(2, 0) * x + M(2, 1) * y + M(2, 2);
            if (!(w > 0)) continue;
            u = cvRound((M(0, 0) * x + M(0, 1) * y + M(0, 2)) / w), r = cvRound((M(1, 0) * x + M(1, 1) * y + M(1, 2)) / w);
          }
          if (!prev_roi_.contains({u, r})) continue;
          const uint64_t v = prev_lent_[size_t(r - prev_roi_.y) * size_t(prev_roi_.width) + size_t(u - prev_roi_.x)];
          if (!(v & kKnown)) continue;
          known.emplace_back(int(k), ((v & ~kKnown) >> 1) | fresh);
          pending.ptr(want_px[k].y)[want_px[k].x] = 0;
        }
      }
    }
    // The pending pixels (not known).
    std::vector<cv::Point> plist;
    cv::findNonZero(pending, plist);
    if (method_ == FillMethod::Auto || method_ == FillMethod::Frames || method_ == FillMethod::Local) {
      // The neighbours that can lend, nearest first, with their maps.
      struct Lender {
        int s;
        cv::Matx33d M;
        bool identity, skip;            // skip: its blocks may be passed over (below)
        const cv::Mat* core;
        std::unique_ptr<std::atomic<uint8_t>[]> blocks;  // over the ROI, a block (kCell square) each: 0 not yet looked at, 1 passed over, 2 asked
      };
      std::vector<Lender> lenders;
      for (int d = 1; d <= R_; ++d)
        for (int s : {t - d, t + d}) {
          if (s < 0 || s >= int(items_.size())) continue;
          cv::Matx33d M;
          bool identity;
          bool& chain_ok = s < t ? back_ok : fwd_ok;
          if (!chain_ok || !mapping(t, s, M, identity)) {
            chain_ok = false;
            continue;
          }
          if (local) {
            // Extend the chain of local steps from t towards s by one frame (d grows by one per
            // round, so each direction's chain is built once per fill).
            cv::Matx33d& chain = s < t ? local_back : local_fwd;
            int from = s < t ? s + 1 : s - 1;
            chain = local_step(from, s, mapped_area(chain, around, ws, sx, sy)) * chain;
            M = chain;
            identity = false;
            ++local_fits_;
          }
          lenders.push_back({s, M, identity, identity || stretch(M, roi) <= kMaxStretch, &core(items_[s]), {}});
        }
      // A pixel asks the neighbours, nearest first, until it has N samples. A block of pixels
      // whose middle lands in a cell of that neighbour's hole that is hole all round (core) shows
      // nothing there and is passed over, once for the block. When the hole moves with the camera
      // (a followed subject) no neighbour shows most of it and every one is asked: warping each
      // one's hole over the pending box was half of a near performer's fill (47 ms at 720p).
      const int bw = (W + kCell - 1) / kCell, bh = (H + kCell - 1) / kCell;
      for (Lender& l : lenders)
        if (l.skip) l.blocks = std::make_unique<std::atomic<uint8_t>[]>(size_t(bw) * size_t(bh));  // zeros
      auto ask = [&](cv::Point q, const Lender& l) {
        if (l.skip) {
          // Two threads may look at a block at once: they find the same.
          std::atomic<uint8_t>& state = l.blocks[size_t(q.y / kCell) * size_t(bw) + size_t(q.x / kCell)];
          uint8_t v = state.load(std::memory_order_relaxed);
          if (!v) state.store(v = shows_nothing(l.M, l.identity, *l.core, roi, q.x / kCell, q.y / kCell) ? 1 : 2, std::memory_order_relaxed);
          if (v == 1) return 0;
        }
        return take(q, l.s, l.M, l.identity);
      };
      // The known pixels ask the frames that showed them last time and the two new ones.
      std::vector<int> at(size_t(2 * R_ + 1), -1);  // lenders' entry of each bit, nearest first
      for (size_t i = 0; i < lenders.size(); ++i) at[size_t(lenders[i].s - t + R_)] = int(i);
      // Each pixel on its own (its samples, count and lenders are its own): on both cores, as the
      // fill's thread is the longest of the pipeline's.
      const size_t np = plist.size();
      cv::parallel_for_(cv::Range(0, int(np + known.size())), [&](const cv::Range& range) {
        for (int i = range.start; i < range.end; ++i) {
          if (size_t(i) < np) {
            for (const Lender& l : lenders)
              if (ask(plist[size_t(i)], l) == 2) break;
            continue;
          }
          const auto& [k, bits] = known[size_t(i) - np];
          int order[64], n = 0;
          for (uint64_t b = bits; b; b &= b - 1)
            if (int e = at[size_t(__builtin_ctzll(b))]; e >= 0) order[n++] = e;
          std::sort(order, order + n);
          for (int j = 0; j < n; ++j)
            if (ask(want_px[size_t(k)], lenders[size_t(order[j])]) == 2) break;
        }
      });
    }
    // For the next frame: every pixel short of N samples asked every frame, so the frames that
    // lent it are all that show it.
    prev_lent_.clear();
    if (learn) {
      prev_roi_ = roi;
      prev_lent_.assign(size_t(W) * size_t(H), 0);
      for (size_t k = 0; k < want_px.size(); ++k)
        if (count[k] < N) prev_lent_[size_t(want_px[k].y) * size_t(W) + size_t(want_px[k].x)] = kKnown | lent[k];
    }
    cv::Mat fill(H, W, CV_8UC3, cv::Scalar(0, 0, 0)), source(H, W, CV_8U, cv::Scalar(0));  // 1 frames 2 plate 3 carried 4 inpaint 5 memory 6 first pass
    cv::parallel_for_(cv::Range(0, int(want_px.size())), [&](const cv::Range& range) {
      for (int k = range.start; k < range.end; ++k) {
        const int n = count[size_t(k)];
        if (!n) continue;
        const int y = want_px[size_t(k)].y, x = want_px[size_t(k)].x;
        const cv::Vec3b* s = &samples[size_t(k) * N];
        cv::Vec3b& f = fill.ptr<cv::Vec3b>(y)[x];
        for (int c = 0; c < 3; ++c) {
          uint8_t v[N];
          for (int i = 0; i < n; ++i) v[i] = s[i][c];
          std::nth_element(v, v + n / 2, v + n);
          f[c] = v[n / 2];
        }
        source.ptr(y)[x] = 1;
      }
    });
    // 2. The still camera's plate.
    if (!plate_.empty() && (method_ == FillMethod::Auto || method_ == FillMethod::Plate) && it.still) {
      cv::Mat p = plate_(roi), seen = plate_seen_(roi);
      for (int y = 0; y < H; ++y) {
        const uint8_t *w = want.ptr(y), *sn = seen.ptr(y);
        const cv::Vec3f* pp = p.ptr<cv::Vec3f>(y);
        cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
        uint8_t* src = source.ptr(y);
        for (int x = 0; x < W; ++x)
          if (w[x] && !src[x] && sn[x]) f[x] = cv::Vec3b(pp[x]), src[x] = 2;
      }
    }
    // 3. The scene memory: what frames older than the window saw there.
    if (memory_ && memory_scene_ == it.scene) {
      for (int y = 0; y < H; ++y) {
        const uint8_t* w = want.ptr(y);
        cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
        uint8_t* src = source.ptr(y);
        for (int x = 0; x < W; ++x)
          if (w[x] && !src[x] && memory_->recall(it.to_scene, roi.x + x, roi.y + y, f[x])) src[x] = 5;
      }
    }
    // The first pass's: what frames after the window saw there (pass=2).
    if (auto f = future_.find(it.scene); f != future_.end()) {
      for (int y = 0; y < H; ++y) {
        const uint8_t* w = want.ptr(y);
        cv::Vec3b* fl = fill.ptr<cv::Vec3b>(y);
        uint8_t* src = source.ptr(y);
        for (int x = 0; x < W; ++x)
          if (w[x] && !src[x] && f->second->recall(it.to_scene, roi.x + x, roi.y + y, fl[x])) src[x] = 6;
      }
    }
    // 4. The previous output, carried (keeps an invented fill steady).
    if (!prev_out_.empty() && prev_index_ == abs_index(t) - 1 && method_ != FillMethod::Inpaint) {
      cv::Matx33d M;
      bool identity;
      // Warped over the box of the pixels still open only (a near performer's hole: most of it).
      const cv::Rect open = cv::boundingRect(want & (source == 0));
      if (!open.empty() && t >= 1 && mapping(t, t - 1, M, identity)) {
        cv::Mat img, filled;
        warp_to_roi(prev_out_, prev_filled_, M, identity, open + roi.tl(), 0, img, filled);
        for (int y = open.y; y < open.br().y; ++y) {
          const uint8_t *w = want.ptr(y), *pf = filled.ptr(y - open.y) - open.x;
          const cv::Vec3b* c = img.ptr<cv::Vec3b>(y - open.y) - open.x;
          cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
          uint8_t* src = source.ptr(y);
          for (int x = open.x; x < open.br().x; ++x)
            if (w[x] && !src[x] && pf[x]) f[x] = c[x], src[x] = 3;
        }
      }
    }
    // Brightness: the fill from elsewhere matched to this frame around the hole (light and
    // exposure change between frames).
    cv::Mat orig = it.bgr(roi);
    {
      // The median difference, and at most 24 levels: a mask that missed part of the object in
      // another frame lends the object's colour to the ring, and a mean would darken the whole fill.
      // Counted in a histogram of the differences (-255..255), over the ring's filled pixels.
      std::vector<int> hist(3 * 511, 0);
      int matched = 0;
      for (int y = 0; y < H; ++y) {
        const uint8_t *r = ring.ptr(y), *src = source.ptr(y);
        const cv::Vec3b *a = orig.ptr<cv::Vec3b>(y), *b = fill.ptr<cv::Vec3b>(y);
        for (int x = 0; x < W; ++x)
          if (r[x] && src[x]) {
            ++matched;
            for (int c = 0; c < 3; ++c) ++hist[size_t(c * 511 + a[x][c] - b[x][c] + 255)];
          }
      }
      if (matched > 20) {
        int off[3];
        for (int c = 0; c < 3; ++c) {
          int v = 0;
          for (int seen = 0; (seen += hist[size_t(c * 511 + v)]) <= matched / 2;) ++v;
          off[c] = std::clamp(v - 255, -24, 24);
        }
        // Only the filled pixels: nothing reads the others' fill.
        for (int y = 0; y < H; ++y) {
          const uint8_t* src = source.ptr(y);
          cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
          for (int x = 0; x < W; ++x)
            if (src[x])
              for (int c = 0; c < 3; ++c) f[x][c] = cv::saturate_cast<uint8_t>(f[x][c] + off[c]);
        }
      }
    }
    // 5. What nobody saw: spatial inpainting, from the frame around the hole and what was filled.
    cv::Mat todo = hole & (source == 0);
    if (const cv::Rect box = cv::boundingRect(todo); !box.empty()) {
      // Over the box around what it paints and what it reads (Telea reaches 3 radii around it,
      // at half the size on a large ROI), not the whole ROI.
      const int grow = 40;
      const cv::Rect b = cv::Rect(box.x - grow, box.y - grow, box.width + 2 * grow, box.height + 2 * grow) & cv::Rect(0, 0, W, H);
      cv::Mat base = orig(b).clone();
      fill(b).copyTo(base, source(b) > 0);
      cv::Mat painted = inpaint(base, todo(b)), f = fill(b);
      painted.copyTo(f, todo(b));
      source.setTo(4, todo);
    }
    int64_t by_source[7] = {0, 0, 0, 0, 0, 0, 0}, holes = 0;
    for (int y = 0; y < H; ++y) {
      const uint8_t *h = hole.ptr(y), *src = source.ptr(y);
      for (int x = 0; x < W; ++x)
        if (h[x]) ++by_source[src[x]], ++holes;
    }
    for (int k = 0; k < 6; ++k) stats_[k] += double(by_source[k + 1]) / double(std::max<int64_t>(1, holes));
    if (!it.hidden.empty()) hidden_ += 1 - double(holes) / std::max(1.0, double(cv::countNonZero(whole)));
    ++filled_frames_;
    // Feathered seam: the fill fades into the frame over `feather` pixels outside the hole (twice
    // the hole's blur there, at most 1). Blurred in bytes: the float blur over the ROI was 7 ms of
    // a 720p frame with a near performer's hole.
    cv::Mat soft;
    if (feather_ > 0) cv::GaussianBlur(hole, soft, {0, 0}, feather_ / 2.0);
    cv::Mat dst = out(roi), written = changed_(roi);
    for (int y = 0; y < H; ++y) {
      const uint8_t *h = hole.ptr(y), *a = soft.empty() ? h : soft.ptr(y);
      const cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
      const uint8_t* src = source.ptr(y);
      cv::Vec3b* o = dst.ptr<cv::Vec3b>(y);
      uint8_t* wr = written.ptr(y);
      for (int x = 0; x < W; ++x) {
        const float w = !src[x] ? 0 : h[x] ? 1 : std::min(1.f, a[x] * (2 / 255.f));
        if (w > 0) {
          for (int c = 0; c < 3; ++c) o[x][c] = uint8_t(o[x][c] + w * (f[x][c] - o[x][c]) + 0.5f);
          wr[x] = 255;
        }
      }
    }
    prev_out_ = out;
    prev_filled_ = cv::Mat::zeros(out.size(), CV_8U);
    prev_filled_(roi).setTo(255, hole);
    prev_index_ = abs_index(t);
    return out;
  }

  // A frame's hole in cells of kCell pixels square: 255 where the cell and kMargin pixels all
  // round it are hole (outside the frame counts as hole, as take() reads it). A block of another
  // frame's pixels whose middle a map that stretches no more than kMaxStretch brings into such a
  // cell lands in the hole with every pixel: 1.5 px from the middle at most, times the stretch,
  // plus half a pixel's rounding, is under kMargin.
  static constexpr int kCell = 4, kMargin = 4;
  static constexpr double kMaxStretch = 1.5;
  static const cv::Mat& core(Item& it) {
    if (!it.core.empty()) return it.core;
    cv::Mat e;
    const int k = kCell + 2 * kMargin;
    cv::erode(it.mask, e, cv::getStructuringElement(cv::MORPH_RECT, {k, k}, {kMargin, kMargin}));
    it.core.create((e.rows + kCell - 1) / kCell, (e.cols + kCell - 1) / kCell, CV_8U);
    for (int y = 0; y < it.core.rows; ++y) {
      const uint8_t* row = e.ptr(y * kCell);
      uint8_t* c = it.core.ptr(y);
      for (int x = 0; x < it.core.cols; ++x) c[x] = row[x * kCell];
    }
    return it.core;
  }

  // Block (i, j) of the ROI (kCell pixels square; the ROI at `roi` in the frame) lands, through
  // M, where another frame's `core` says that frame shows none of it.
  static bool shows_nothing(const cv::Matx33d& M, bool identity, const cv::Mat& core, const cv::Rect& roi, int i, int j) {
    const int bx = i * kCell, by = j * kCell;
    const double x = roi.x + (bx + std::min(bx + kCell, roi.width) - 1) / 2.0;
    const double y = roi.y + (by + std::min(by + kCell, roi.height) - 1) / 2.0;
    const double w = identity ? 1 : M(2, 0) * x + M(2, 1) * y + M(2, 2);
    if (!(w > 0)) return false;
    const double u = identity ? x : (M(0, 0) * x + M(0, 1) * y + M(0, 2)) / w;
    const double v = identity ? y : (M(1, 0) * x + M(1, 1) * y + M(1, 2)) / w;
    const int cu = int(std::floor(u / kCell)), cr = int(std::floor(v / kCell));
    return cu >= 0 && cr >= 0 && cu < core.cols && cr < core.rows && core.ptr(cr)[cu];
  }

  // How far M stretches a step in any direction over `area` (frame pixels): the largest row sum
  // of its Jacobian's magnitudes at the area's corners (a homography between near frames is
  // close to affine over a frame).
  static double stretch(const cv::Matx33d& M, const cv::Rect& area) {
    double most = 0;
    for (cv::Point p : {area.tl(), cv::Point(area.br().x, area.y), cv::Point(area.x, area.br().y), area.br()}) {
      const double w = M(2, 0) * p.x + M(2, 1) * p.y + M(2, 2);
      if (!(w > 0)) return HUGE_VAL;
      const double u = (M(0, 0) * p.x + M(0, 1) * p.y + M(0, 2)) / w, v = (M(1, 0) * p.x + M(1, 1) * p.y + M(1, 2)) / w;
      const double a = std::fabs((M(0, 0) - u * M(2, 0)) / w) + std::fabs((M(0, 1) - u * M(2, 1)) / w);
      const double b = std::fabs((M(1, 0) - v * M(2, 0)) / w) + std::fabs((M(1, 1) - v * M(2, 1)) / w);
      most = std::max({most, a, b});
    }
    return most;
  }

  // Another frame's picture and mask brought into this frame's ROI (M maps this frame's pixels
  // into the other's): the picture interpolated, the mask nearest, `outside` where the other
  // frame has no pixel. A still camera (`identity`) reads them in place: the ROI's views, no copy.
  static void warp_to_roi(const cv::Mat& picture, const cv::Mat& mask, const cv::Matx33d& M, bool identity, const cv::Rect& roi,
                          uint8_t outside, cv::Mat& picture_out, cv::Mat& mask_out) {
    if (identity) {
      picture_out = picture(roi), mask_out = mask(roi);
      return;
    }
    cv::Mat Mr(M * cv::Matx33d(1, 0, roi.x, 0, 1, roi.y, 0, 0, 1));
    cv::warpPerspective(picture, picture_out, Mr, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    cv::warpPerspective(mask, mask_out, Mr, roi.size(), cv::INTER_NEAREST | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                        cv::Scalar(outside));
  }

  // The point (u, v) of another frame's picture, as warp_to_roi reads it: bilinear, the border
  // replicated.
  static void sample(const cv::Mat& picture, double u, double v, cv::Vec3b& out) {
    u = std::clamp(u, -1.0, double(picture.cols)), v = std::clamp(v, -1.0, double(picture.rows));
    const double fu = std::floor(u), fv = std::floor(v);
    const int x0 = std::clamp(int(fu), 0, picture.cols - 1), y0 = std::clamp(int(fv), 0, picture.rows - 1);
    const int x1 = std::clamp(int(fu) + 1, 0, picture.cols - 1), y1 = std::clamp(int(fv) + 1, 0, picture.rows - 1);
    const float fx = float(u - fu), fy = float(v - fv);
    const cv::Vec3b *r0 = picture.ptr<cv::Vec3b>(y0), *r1 = picture.ptr<cv::Vec3b>(y1);
    for (int c = 0; c < 3; ++c) {
      const float top = r0[x0][c] + fx * (r0[x1][c] - r0[x0][c]), bottom = r1[x0][c] + fx * (r1[x1][c] - r1[x0][c]);
      out[c] = uint8_t(top + fy * (bottom - top) + 0.5f);
    }
  }

  int64_t abs_index(int t) const { return emitted_ + (t - cur_); }

  // Spatial inpainting of `todo` in `img` (both the ROI): a network from the manifest, or
  // OpenCV's Telea at no more than 400 px across (it is slow on large holes; the result is smooth).
  cv::Mat inpaint(const cv::Mat& img, const cv::Mat& todo) {
    if (!o.model.empty()) {
      cv::Mat out = output_picture(run_model(o.model, img, todo), o.model);
      if (out.size() != img.size()) cv::resize(out, out, img.size(), 0, 0, cv::INTER_LINEAR);
      return out;
    }
    int k = std::max(1, (std::max(img.cols, img.rows) + 399) / 400);
    if (k == 1) return telea(img, todo);
    cv::Mat small, small_todo, up;
    cv::resize(img, small, {img.cols / k, img.rows / k}, 0, 0, cv::INTER_AREA);
    cv::resize(todo, small_todo, small.size(), 0, 0, cv::INTER_NEAREST);
    cv::dilate(small_todo, small_todo, cv::Mat());
    cv::Mat painted = telea(small, small_todo);
    cv::resize(painted, up, img.size(), 0, 0, cv::INTER_LINEAR);
    return up;
  }

  // OpenCV's Telea over the box around `todo` only, grown by three times its radius: it reads
  // no further than its radius from what it paints, but its fast marching covers the whole
  // picture it is given, and a hole's few unseen pixels paid for the whole ROI.
  static cv::Mat telea(const cv::Mat& img, const cv::Mat& todo) {
    constexpr int radius = 5, grow = 3 * radius + 2;
    cv::Mat out = img.clone();
    cv::Rect b = cv::boundingRect(todo);
    if (b.empty()) return out;
    b = cv::Rect(b.x - grow, b.y - grow, b.width + 2 * grow, b.height + 2 * grow) & cv::Rect({}, img.size());
    cv::Mat part;
    cv::inpaint(img(b), todo(b), part, radius, cv::INPAINT_TELEA);
    part.copyTo(out(b));
    return out;
  }

  std::deque<Item> items_;
  int cur_ = 0;  // index in items_ of the next frame to fill
  cv::Mat prev_gray_, prev_allowed_;
  int64_t local_fits_ = 0;
  cv::Mat plate_, plate_seen_;
  cv::Mat prev_out_, prev_filled_;
  // The last fill's pixels (over prev_roi_) that asked every frame of its window: kKnown and
  // the frames that showed them (bit s - t + R_); 0 elsewhere.
  static constexpr uint64_t kKnown = uint64_t(1) << 63;
  std::vector<uint64_t> prev_lent_;
  cv::Rect prev_roi_;
  cv::Mat changed_;  // the pixels the last fill wrote
  int64_t prev_index_ = -1, emitted_ = 0, filled_frames_ = 0;
  double stats_[6] = {0, 0, 0, 0, 0, 0};
  double hidden_ = 0;  // the share of each frame's hole drawn over by the caller (push's hidden), summed
  int64_t pushed_ = 0;
  int64_t shadow_frames_ = 0;  // frames whose hole took a shadow
  cv::Mat key_gray_;                 // the key frame the newest frames are linked to (place)
  std::vector<cv::Point2f> key_pts_;  // its corners, working pixels
  cv::Matx33d key_to_scene_ = cv::Matx33d::eye();
  int key_scene_ = -1;
  int scene_ = 0;
  cv::Matx33d last_to_scene_ = cv::Matx33d::eye();
  std::unique_ptr<SceneMemory> memory_;
  int memory_scene_ = -1;
  bool primed_ = false;
  std::vector<std::pair<cv::Matx33d, int>> primed_poses_;  // the first pass's map of each frame into its scene
  std::map<int, std::unique_ptr<SceneMemory>> future_;     // by scene: what the first pass kept for the holes
  double pct(double v) const { return v * 100 / std::max<int64_t>(1, filled_frames_); }
};


// The fill's own thread. Frames are filled there in the order pushed, each as soon as its window
// is in, exactly as on the caller's thread (the same pushes and pops of Impl, in the same order),
// so the output does not depend on timing. The caller goes on decoding, drawing and encoding
// meanwhile, and waits only when the fill is more than kLag frames behind.
struct VideoFill::Async {
  static constexpr int kLag = 2;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<cv::Mat, cv::Mat>> done;  // filled pictures and their changed masks, in order
  std::exception_ptr error;
  int64_t pushed = 0, popped = 0;
  bool finished = false;
  SerialWorker worker;  // last: its queued jobs run before the rest goes

  // On the worker: every frame Impl can fill now, handed over.
  void drain(Impl& p) {
    try {
      while (p.can_pop()) {
        cv::Mat changed, out = p.pop(&changed);
        std::lock_guard<std::mutex> l(mu);
        done.emplace_back(std::move(out), std::move(changed));
        cv.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> l(mu);
      if (!error) error = std::current_exception();
      cv.notify_all();
    }
  }
  bool failed() {
    std::lock_guard<std::mutex> l(mu);
    return bool(error);
  }
  // Until every job given so far has run (the worker's Impl is then the caller's to read).
  void wait_idle() {
    std::promise<void> idle;
    std::future<void> f = idle.get_future();
    worker.run([&idle] { idle.set_value(); });
    f.wait();
  }
};

VideoFill::VideoFill(FillOptions o) : p_(std::make_unique<Impl>(std::move(o))), a_(std::make_unique<Async>()) {}
VideoFill::~VideoFill() = default;

void VideoFill::push(cv::Mat bgr, cv::Mat hole, cv::Mat hidden) {
  {
    std::lock_guard<std::mutex> l(a_->mu);
    ++a_->pushed;
  }
  a_->worker.run([this, bgr = std::move(bgr), hole = std::move(hole), hidden = std::move(hidden)]() mutable {
    if (a_->failed()) return;  // a fill that failed fills nothing more (pop rethrows)
    try {
      p_->push(std::move(bgr), std::move(hole), std::move(hidden));
    } catch (...) {
      std::lock_guard<std::mutex> l(a_->mu);
      a_->error = std::current_exception();
      a_->cv.notify_all();
      return;
    }
    a_->drain(*p_);
  });
}

bool VideoFill::ready() const {
  std::lock_guard<std::mutex> l(a_->mu);
  const int64_t owed = a_->pushed - a_->popped;
  if (!a_->done.empty() || (a_->error && owed > 0)) return true;
  return a_->finished ? owed > 0 : owed > p_->R_ + Async::kLag;
}

cv::Mat VideoFill::pop(cv::Mat* changed) {
  std::unique_lock<std::mutex> l(a_->mu);
  if (a_->pushed == a_->popped) throw std::logic_error("VideoFill::pop: no frame ready");
  a_->cv.wait(l, [&] { return !a_->done.empty() || a_->error; });
  if (a_->done.empty()) std::rethrow_exception(a_->error);
  auto [out, ch] = std::move(a_->done.front());
  a_->done.pop_front();
  ++a_->popped;
  if (changed) *changed = std::move(ch);
  return out;
}

void VideoFill::finish() {
  {
    std::lock_guard<std::mutex> l(a_->mu);
    a_->finished = true;
  }
  a_->worker.run([this] {
    if (a_->failed()) return;
    p_->finished_ = true;
    a_->drain(*p_);
  });
}

void VideoFill::prime(const cv::Mat& bgr, const cv::Mat& hole) {
  if (p_->primed_ || a_->pushed > 0) throw std::logic_error("VideoFill::prime after push");
  p_->prime(bgr, hole);
}

void VideoFill::end_prime() { p_->end_prime(); }

int VideoFill::latency() const { return p_->R_ + Async::kLag; }

std::string VideoFill::summary() const {
  a_->wait_idle();
  if (!p_->emitted_) return "";
  return fmt::format("{} frames; filled pixels: {:.1f}% from other frames, {:.1f}% from the scene memory, {:.1f}% from the plate, "
                     "{:.1f}% carried, {:.1f}% inpainted; {} frames aligned around the hole (parallax)",
                     p_->emitted_, p_->pct(p_->stats_[0]), p_->pct(p_->stats_[4]), p_->pct(p_->stats_[1]), p_->pct(p_->stats_[2]),
                     p_->pct(p_->stats_[3]), p_->local_fits_) +
         (p_->primed_ ? fmt::format("; {:.1f}% from the first pass (pass=2)", p_->pct(p_->stats_[5])) : std::string()) +
         (p_->o.shadow ? fmt::format("; {} frames took a shadow", p_->shadow_frames_) : std::string()) +
         (p_->hidden_ > 0 ? fmt::format("; {:.1f}% of the hole drawn over, not filled", p_->pct(p_->hidden_)) : std::string());
}

}  // namespace omni

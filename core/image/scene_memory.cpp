// core/image/scene_memory.h says what it does.
#include "core/image/scene_memory.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <opencv2/imgproc.hpp>

#include "core/image/warp.h"

namespace omni {

namespace {

constexpr int kTile = 128;  // scene pixels a side

struct Tile {
  cv::Mat bgr;   // CV_8UC3
  cv::Mat seen;  // CV_32S: the frame index each pixel came from, -1 = never seen
  int64_t last = 0;  // the newest frame written into it
  cv::Mat wanted;    // CV_8U, 255 = marked by want() and not seen since (two-pass fills only)
  int64_t wanted_count = 0;
};

int64_t key_of(int tx, int ty) { return (int64_t(tx) << 32) ^ int64_t(uint32_t(ty)); }
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

struct SceneMemory::Impl {
  int64_t budget;
  std::unordered_map<int64_t, Tile> tiles;
  cv::Point2d view;       // the centre of the newest frame, in the scene
  double view_size = 1;   // its diagonal, scene pixels
  mutable int64_t cached_key = std::numeric_limits<int64_t>::min();
  mutable const Tile* cached = nullptr;

  const Tile* tile_at(int tx, int ty) const {
    const int64_t k = key_of(tx, ty);
    if (k != cached_key) {
      auto it = tiles.find(k);
      cached = it == tiles.end() ? nullptr : &it->second;
      cached_key = k;
    }
    return cached;
  }

  // The scene pixel (x, y): its colour and age, or nullptr where never seen.
  const cv::Vec3b* at(int x, int y, int64_t& age) const {
    const int tx = floor_div(x, kTile), ty = floor_div(y, kTile);
    const Tile* t = tile_at(tx, ty);
    if (!t) return nullptr;
    const int lx = x - tx * kTile, ly = y - ty * kTile;
    const int s = t->seen.ptr<int>(ly)[lx];
    if (s < 0) return nullptr;
    age = s;
    return &t->bgr.ptr<cv::Vec3b>(ly)[lx];
  }

  Tile& make(int tx, int ty) {
    auto [it, fresh] = tiles.try_emplace(key_of(tx, ty));
    Tile& t = it->second;
    if (fresh) {
      t.bgr = cv::Mat(kTile, kTile, CV_8UC3, cv::Scalar(0, 0, 0));
      t.seen = cv::Mat(kTile, kTile, CV_32S, cv::Scalar(-1));
      cached_key = std::numeric_limits<int64_t>::min();
    }
    return t;
  }

  // The scene tiles frame pixels of `area` fall in, through `to_scene`; false for a view bent out
  // of shape (over 4 times the frame's area) or behind the camera.
  static bool tiles_under(const cv::Matx33d& to_scene, const cv::Rect& area, double frame_area, int& tx0, int& ty0, int& tx1, int& ty1) {
    float x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    bool first = true;
    for (cv::Point2d p : {cv::Point2d(area.x, area.y), cv::Point2d(area.x + area.width, area.y), cv::Point2d(area.x, area.y + area.height),
                          cv::Point2d(area.x + area.width, area.y + area.height)}) {
      const cv::Vec3d q = to_scene * cv::Vec3d(p.x, p.y, 1);
      if (!(q[2] > 1e-6) || !(std::fabs(q[0] / q[2]) < 1e8 && std::fabs(q[1] / q[2]) < 1e8)) return false;
      const float u = float(q[0] / q[2]), v = float(q[1] / q[2]);
      if (first) x0 = x1 = u, y0 = y1 = v, first = false;
      x0 = std::min(x0, u), x1 = std::max(x1, u), y0 = std::min(y0, v), y1 = std::max(y1, v);
    }
    if (double(x1 - x0) * double(y1 - y0) > 4 * frame_area) return false;
    tx0 = floor_div(int(std::floor(x0)), kTile), tx1 = floor_div(int(std::floor(x1)), kTile);
    ty0 = floor_div(int(std::floor(y0)), kTile), ty1 = floor_div(int(std::floor(y1)), kTile);
    return true;
  }

  void forget_tiles() {
    tiles.clear();
    cached_key = std::numeric_limits<int64_t>::min(), cached = nullptr;
  }

  // Oldest and farthest from the view first: a frame of age counts as much as a thirtieth of the
  // view's diagonal (a pan that comes back finds what it saw a second ago).
  void evict(int64_t now) {
    while (int64_t(tiles.size()) * kTile * kTile > budget && !tiles.empty()) {
      auto worst = tiles.begin();
      double worst_score = -1;
      for (auto it = tiles.begin(); it != tiles.end(); ++it) {
        const int tx = int(it->first >> 32), ty = int(int32_t(uint32_t(it->first)));
        const double d = std::hypot((tx + 0.5) * kTile - view.x, (ty + 0.5) * kTile - view.y) / view_size;
        const double score = double(now - it->second.last) + 30 * d;
        if (score > worst_score) worst_score = score, worst = it;
      }
      tiles.erase(worst);
      cached_key = std::numeric_limits<int64_t>::min(), cached = nullptr;
    }
  }
};

SceneMemory::SceneMemory(int64_t budget) : p_(std::make_unique<Impl>()) { p_->budget = std::max<int64_t>(budget, int64_t(kTile) * kTile); }
SceneMemory::~SceneMemory() = default;

void SceneMemory::clear() { p_->forget_tiles(); }

int64_t SceneMemory::pixels() const { return int64_t(p_->tiles.size()) * kTile * kTile; }

void SceneMemory::remember(const cv::Mat& bgr, const cv::Mat& hole, const cv::Matx33d& to_scene, int64_t index, cv::Rect area) {
  const double W = bgr.cols, H = bgr.rows;
  const cv::Rect frame(0, 0, bgr.cols, bgr.rows);
  area = area.empty() ? frame : area & frame;
  int tx0, ty0, tx1, ty1;
  if (area.empty() || !Impl::tiles_under(to_scene, frame, W * H, tx0, ty0, tx1, ty1)) return;
  if (area != frame) Impl::tiles_under(to_scene, area, W * H, tx0, ty0, tx1, ty1);
  const cv::Vec3d centre = to_scene * cv::Vec3d(W / 2, H / 2, 1);
  p_->view = {centre[0] / centre[2], centre[1] / centre[2]};
  p_->view_size = std::hypot(W, H);
  const cv::Matx33d from_scene = to_scene.inv();
  cv::Mat hm, pic, valid;
  for (int ty = ty0; ty <= ty1; ++ty)
    for (int tx = tx0; tx <= tx1; ++tx) {
      const cv::Matx33d M = from_scene * cv::Matx33d(1, 0, double(tx) * kTile, 0, 1, double(ty) * kTile, 0, 0, 1);
      // The hole first (one byte a pixel): a tile the frame shows nothing of costs no picture warp.
      // Outside `area` counts as hole (border 255).
      warp_inverse(area == frame ? hole : hole(area), hm, area == frame ? M : cv::Matx33d(1, 0, -area.x, 0, 1, -area.y, 0, 0, 1) * M,
                   {kTile, kTile}, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(255));
      cv::compare(hm, 0, valid, cv::CMP_EQ);
      if (!cv::countNonZero(valid)) continue;
      warp_inverse(bgr, pic, M, {kTile, kTile}, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
      Tile& t = p_->make(tx, ty);
      pic.copyTo(t.bgr, valid);
      t.seen.setTo(cv::Scalar(double(index)), valid);
      t.last = index;
    }
  p_->evict(index);
}

void SceneMemory::want(const cv::Mat& need, const cv::Matx33d& to_scene) {
  const cv::Rect area = cv::boundingRect(need);
  int tx0, ty0, tx1, ty1;
  if (area.empty() || !Impl::tiles_under(to_scene, area, double(need.cols) * need.rows, tx0, ty0, tx1, ty1)) return;
  const cv::Matx33d from_scene = to_scene.inv();
  cv::Mat marks;
  for (int ty = ty0; ty <= ty1; ++ty)
    for (int tx = tx0; tx <= tx1; ++tx) {
      const cv::Matx33d M = from_scene * cv::Matx33d(1, 0, double(tx) * kTile, 0, 1, double(ty) * kTile, 0, 0, 1);
      warp_inverse(need, marks, M, {kTile, kTile}, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
      if (!cv::countNonZero(marks)) continue;
      const bool exists = p_->tiles.count(key_of(tx, ty)) > 0;
      if (!exists && pixels() + int64_t(kTile) * kTile > p_->budget) continue;  // full: the earlier frames' marks stay
      Tile& t = p_->make(tx, ty);
      if (t.wanted.empty()) t.wanted = cv::Mat::zeros(kTile, kTile, CV_8U);
      cv::Mat fresh = marks & (t.seen < 0) & (t.wanted == 0);  // not lent yet, not marked yet
      t.wanted.setTo(255, fresh);
      t.wanted_count += cv::countNonZero(fresh);
    }
}

void SceneMemory::remember_wanted(const cv::Mat& bgr, const cv::Mat& hole, const cv::Matx33d& to_scene, int64_t index) {
  int tx0, ty0, tx1, ty1;
  if (!Impl::tiles_under(to_scene, cv::Rect(0, 0, bgr.cols, bgr.rows), double(bgr.cols) * bgr.rows, tx0, ty0, tx1, ty1)) return;
  const cv::Matx33d from_scene = to_scene.inv();
  cv::Mat hm, pic, valid;
  for (int ty = ty0; ty <= ty1; ++ty)
    for (int tx = tx0; tx <= tx1; ++tx) {
      auto it = p_->tiles.find(key_of(tx, ty));
      if (it == p_->tiles.end() || it->second.wanted_count == 0) continue;
      Tile& t = it->second;
      const cv::Matx33d M = from_scene * cv::Matx33d(1, 0, double(tx) * kTile, 0, 1, double(ty) * kTile, 0, 0, 1);
      warp_inverse(hole, hm, M, {kTile, kTile}, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(255));
      valid = (hm == 0) & t.wanted;
      const int n = cv::countNonZero(valid);
      if (!n) continue;
      warp_inverse(bgr, pic, M, {kTile, kTile}, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
      pic.copyTo(t.bgr, valid);
      t.seen.setTo(cv::Scalar(double(index)), valid);
      t.wanted.setTo(0, valid);
      t.wanted_count -= n;
      t.last = index;
    }
}

int64_t SceneMemory::wanted() const {
  int64_t n = 0;
  for (const auto& [k, t] : p_->tiles) n += t.wanted_count;
  return n;
}

bool SceneMemory::recall(const cv::Matx33d& to_scene, int x, int y, cv::Vec3b& out, int64_t* age) const {
  const cv::Vec3d q = to_scene * cv::Vec3d(x, y, 1);
  if (!(q[2] > 1e-6)) return false;
  const double u = q[0] / q[2], v = q[1] / q[2];
  if (!(std::fabs(u) < 1e8 && std::fabs(v) < 1e8)) return false;
  const double fu = std::floor(u), fv = std::floor(v);
  const int x0 = int(fu), y0 = int(fv);
  const float fx = float(u - fu), fy = float(v - fv);
  int64_t a[4] = {0, 0, 0, 0};
  const cv::Vec3b* s[4];
  const int tx = floor_div(x0, kTile), ty = floor_div(y0, kTile), lx = x0 - tx * kTile, ly = y0 - ty * kTile;
  if (lx + 1 < kTile && ly + 1 < kTile) {
    // The four in one tile (all but a tile's last row and column): one lookup, not four.
    const Tile* t = p_->tile_at(tx, ty);
    if (!t) return false;
    for (int k = 0; k < 4; ++k) {
      const int u = lx + (k & 1), v = ly + (k >> 1), seen = t->seen.ptr<int>(v)[u];
      s[k] = seen < 0 ? nullptr : &t->bgr.ptr<cv::Vec3b>(v)[u];
      a[k] = seen;
    }
  } else {
    s[0] = p_->at(x0, y0, a[0]), s[1] = p_->at(x0 + 1, y0, a[1]), s[2] = p_->at(x0, y0 + 1, a[2]), s[3] = p_->at(x0 + 1, y0 + 1, a[3]);
  }
  if (s[0] && s[1] && s[2] && s[3]) {
    for (int c = 0; c < 3; ++c) {
      const float top = (*s[0])[c] + fx * ((*s[1])[c] - (*s[0])[c]), bottom = (*s[2])[c] + fx * ((*s[3])[c] - (*s[2])[c]);
      out[c] = uint8_t(top + fy * (bottom - top) + 0.5f);
    }
    if (age) *age = std::max(std::max(a[0], a[1]), std::max(a[2], a[3]));
    return true;
  }
  // At the edge of what was seen: the nearest of the four that was.
  const float w[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
  int best = -1;
  for (int k = 0; k < 4; ++k)
    if (s[k] && (best < 0 || w[k] > w[best])) best = k;
  if (best < 0) return false;
  out = *s[best];
  if (age) *age = a[best];
  return true;
}

}  // namespace omni

// core/perception: the ground as a plane seen by a camera (see ground_plane.h).
#include "core/perception/ground_plane.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace omni {

namespace {

struct Segment {
  cv::Point2f mid;
  cv::Vec3d line;  // a x + b y + c = 0 with (a, b) of unit length
  float len = 0;
};

constexpr double kDeg = CV_PI / 180;

// Does the segment point at p (within `tol` radians), with p above its middle?
bool points_at(const Segment& s, const cv::Point2d& p, double tol) {
  if (p.y >= s.mid.y) return false;
  // The line's distance to p against the distance along it: the angle between the two.
  double dist = std::abs(s.line[0] * p.x + s.line[1] * p.y + s.line[2]);
  double along = std::hypot(p.x - s.mid.x, p.y - s.mid.y);
  return dist < along * std::tan(tol);
}

}  // namespace

float default_focal(cv::Size frame) {
  // 70 degrees across the long side: f = (long / 2) / tan(35 degrees).
  return float(std::max(frame.width, frame.height) / 2.0 / std::tan(35 * kDeg));
}

Horizon find_horizon(const cv::Mat& gray, cv::Point2f below) {
  Horizon h;
  h.row = float(gray.rows) / 3;
  if (gray.cols < 16 || gray.rows < 16) return h;
  // Edges found at <= 640 px (LSD's own scale step finds long edges there too), used in frame pixels.
  const double sc = std::min(1.0, 640.0 / std::max(gray.cols, gray.rows));
  cv::Mat small;
  if (sc < 1) cv::resize(gray, small, cv::Size(), sc, sc, cv::INTER_AREA);
  else small = gray;
  std::vector<cv::Vec4f> raw;
  cv::createLineSegmentDetector()->detect(small, raw);
  const double diag = std::hypot(gray.cols, gray.rows);
  std::vector<Segment> segs;
  for (const auto& r : raw) {
    cv::Point2d a(r[0] / sc, r[1] / sc), b(r[2] / sc, r[3] / sc);
    double len = std::hypot(b.x - a.x, b.y - a.y);
    if (len < 0.03 * diag) continue;
    // Receding edges of the ground lean: neither level (those run across the view) nor upright
    // (walls, poles, people).
    double ang = std::abs(std::atan2(b.y - a.y, b.x - a.x)) / kDeg;
    if (ang > 90) ang = 180 - ang;
    if (ang < 8 || ang > 82) continue;
    Segment s;
    s.mid = cv::Point2f(float(a.x + b.x) / 2, float(a.y + b.y) / 2);
    double nx = -(b.y - a.y) / len, ny = (b.x - a.x) / len;
    s.line = cv::Vec3d(nx, ny, -(nx * a.x + ny * a.y));
    s.len = float(len);
    segs.push_back(s);
  }
  if (segs.size() < 5) return h;
  // Every pair's crossing is a candidate vanishing point (a fixed sample of pairs when there are
  // many, so the same picture gives the same horizon); the one most edge length points at wins.
  const double tol = 1.5 * kDeg;
  const double lowest = std::min<double>(below.y, gray.rows) - 0.02 * gray.rows, highest = -4.0 * gray.rows;
  cv::RNG rng(0x6f6d6e69);
  const size_t n = segs.size();
  const size_t tries = std::min<size_t>(n * (n - 1) / 2, 3000);
  double best = 0;
  cv::Point2d vp;
  for (size_t t = 0; t < tries; ++t) {
    size_t i, j;
    if (tries == n * (n - 1) / 2) {  // every pair
      i = 0;
      size_t k = t;
      while (k >= n - 1 - i) k -= n - 1 - i, ++i;
      j = i + 1 + k;
    } else {
      i = size_t(rng.uniform(0, int(n))), j = size_t(rng.uniform(0, int(n)));
      if (i == j) continue;
    }
    cv::Vec3d p = segs[i].line.cross(segs[j].line);
    if (std::abs(p[2]) < 1e-9) continue;
    cv::Point2d q(p[0] / p[2], p[1] / p[2]);
    if (!(q.y < lowest && q.y > highest) || std::abs(q.x - gray.cols / 2.0) > 4.0 * gray.cols) continue;
    double score = 0;
    for (const auto& s : segs)
      if (points_at(s, q, tol)) score += s.len;
    if (score > best) best = score, vp = q;
  }
  if (best <= 0) return h;
  // Least squares over the edges that point at it: the point nearest all their lines.
  for (int pass = 0; pass < 2; ++pass) {
    cv::Matx22d A = cv::Matx22d::zeros();
    cv::Vec2d b(0, 0);
    for (const auto& s : segs) {
      if (!points_at(s, vp, tol)) continue;
      double w = s.len;
      A(0, 0) += w * s.line[0] * s.line[0], A(0, 1) += w * s.line[0] * s.line[1], A(1, 1) += w * s.line[1] * s.line[1];
      b[0] -= w * s.line[0] * s.line[2], b[1] -= w * s.line[1] * s.line[2];
    }
    A(1, 0) = A(0, 1);
    if (std::abs(cv::determinant(A)) < 1e-12) break;
    cv::Vec2d x = A.inv() * b;
    vp = {x[0], x[1]};
  }
  // Agreed on by enough edges that come at it from different directions (a few parallel lines
  // meet anywhere along them).
  int count = 0;
  double lo = 1e9, hi = -1e9;
  for (const auto& s : segs) {
    if (!points_at(s, vp, tol)) continue;
    ++count;
    double a = std::atan2(vp.y - s.mid.y, vp.x - s.mid.x);
    lo = std::min(lo, a), hi = std::max(hi, a);
  }
  if (count < 5 || hi - lo < 10 * kDeg || !(vp.y < lowest && vp.y > highest)) return h;
  h.found = true, h.row = float(vp.y), h.lines = count;
  return h;
}

bool lay_on_ground(cv::Size picture, cv::Point2f at, float width, float angle, const GroundView& v, cv::Matx33d& H) {
  if (picture.width <= 0 || picture.height <= 0 || width <= 0 || v.focal <= 0) return false;
  const double f = v.focal, cx = v.frame.width / 2.0, cy = v.frame.height / 2.0;
  // The camera pitched down by th, so that the horizon is where it is; the ground one unit below it.
  const double th = std::atan((cy - v.horizon) / f), c = std::cos(th), s = std::sin(th);
  auto to_world = [&](const cv::Vec3d& d) { return cv::Vec3d(d[0], d[1] * c + d[2] * s, -d[1] * s + d[2] * c); };
  auto to_camera = [&](const cv::Vec3d& p) { return cv::Vec3d(p[0], p[1] * c - p[2] * s, p[1] * s + p[2] * c); };
  const cv::Vec3d ray = to_world({(at.x - cx) / f, (at.y - cy) / f, 1});
  if (ray[1] <= 1e-6) return false;  // at or above the horizon: the ray never meets the ground
  const cv::Vec3d ground = ray * (1 / ray[1]);
  const double depth = to_camera(ground)[2];
  const double across = double(width) * depth / f, along = across * picture.height / picture.width;
  // The picture's right and up on the ground, turned clockwise seen from above.
  const cv::Vec3d right(std::cos(angle), 0, -std::sin(angle)), away(std::sin(angle), 0, std::cos(angle));
  cv::Point2f src[4], dst[4];
  const cv::Point2f corners[4] = {{0, 0}, {float(picture.width), 0}, {float(picture.width), float(picture.height)}, {0, float(picture.height)}};
  for (int k = 0; k < 4; ++k) {
    double u = corners[k].x / picture.width - 0.5, w = 0.5 - corners[k].y / picture.height;
    cv::Vec3d p = to_camera(ground + right * (u * across) + away * (w * along));
    // In front of the camera and clear of the horizon (near it the picture would be a line).
    if (p[2] < 0.05 * depth) return false;
    src[k] = corners[k];
    dst[k] = cv::Point2f(float(cx + f * p[0] / p[2]), float(cy + f * p[1] / p[2]));
    if (dst[k].y < v.horizon + 1) return false;
  }
  H = cv::Matx33d(cv::getPerspectiveTransform(src, dst));
  return true;
}

}  // namespace omni

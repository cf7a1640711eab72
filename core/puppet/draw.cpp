#include "core/puppet/draw.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <opencv2/imgproc.hpp>

namespace omni {

cv::Mat premultiplied(const cv::Mat& bgr, const cv::Mat& alpha) {
  cv::Mat f, pm;
  bgr.convertTo(f, CV_32FC3);
  std::vector<cv::Mat> ch;
  cv::split(f, ch);
  for (auto& c : ch) c = c.mul(alpha);
  ch.push_back(alpha);
  cv::merge(ch, pm);
  return pm;
}

DrawnPuppet draw_puppet(const cv::Mat& picture, const PuppetMesh& m, const std::vector<cv::Point2f>& verts,
                        const std::array<float, kBones>& depth, cv::Size frame) {
  DrawnPuppet d;
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (const auto& t : m.tris)
    for (int k = 0; k < 3; ++k) {
      const cv::Point2f& p = verts[size_t(t[k])];
      x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    }
  cv::Rect box = cv::Rect(cv::Point(int(std::floor(x0)), int(std::floor(y0))), cv::Point(int(std::ceil(x1)) + 1, int(std::ceil(y1)) + 1)) &
                 cv::Rect(0, 0, frame.width, frame.height);
  if (box.empty()) return d;
  d.origin = box.tl();
  cv::Mat mx(box.size(), CV_32F, cv::Scalar(-10)), my(box.size(), CV_32F, cv::Scalar(-10));

  // Far parts first; the nearer ones overwrite them.
  std::vector<size_t> order(m.tris.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return depth[size_t(m.part[a])] > depth[size_t(m.part[b])]; });
  for (size_t k : order) {
    const cv::Vec3i& t = m.tris[k];
    cv::Point2f a = verts[size_t(t[0])], b = verts[size_t(t[1])], c = verts[size_t(t[2])];
    double den = double(b.x - a.x) * (c.y - a.y) - double(c.x - a.x) * (b.y - a.y);
    if (std::abs(den) < 1e-9) continue;
    const cv::Point2f &ra = m.rest[size_t(t[0])], &rb = m.rest[size_t(t[1])], &rc = m.rest[size_t(t[2])];
    int xa = std::max(box.x, int(std::floor(std::min({a.x, b.x, c.x})))), xb = std::min(box.x + box.width - 1, int(std::ceil(std::max({a.x, b.x, c.x}))));
    int ya = std::max(box.y, int(std::floor(std::min({a.y, b.y, c.y})))), yb = std::min(box.y + box.height - 1, int(std::ceil(std::max({a.y, b.y, c.y}))));
    // A pixel on an edge shared by two triangles belongs to both: no crack between them.
    const double eps = -1e-6;
    for (int y = ya; y <= yb; ++y) {
      float* px = mx.ptr<float>(y - box.y);
      float* py = my.ptr<float>(y - box.y);
      for (int x = xa; x <= xb; ++x) {
        double u = (double(x - a.x) * (c.y - a.y) - double(c.x - a.x) * (y - a.y)) / den;
        double v = (double(b.x - a.x) * (y - a.y) - double(x - a.x) * (b.y - a.y)) / den;
        double w = 1 - u - v;
        if (u < eps || v < eps || w < eps) continue;
        px[x - box.x] = float(w * ra.x + u * rb.x + v * rc.x);
        py[x - box.x] = float(w * ra.y + u * rb.y + v * rc.y);
      }
    }
  }
  cv::Mat out;
  cv::remap(picture, out, mx, my, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  std::vector<cv::Mat> ch;
  cv::split(out, ch);
  d.alpha = ch[3];
  cv::Mat inv;
  cv::divide(1.0, cv::max(d.alpha, 1e-6f), inv);
  for (int k = 0; k < 3; ++k) ch[size_t(k)] = ch[size_t(k)].mul(inv);
  ch.pop_back();
  cv::Mat col;
  cv::merge(ch, col);
  col.convertTo(d.bgr, CV_8UC3);
  return d;
}

}  // namespace omni

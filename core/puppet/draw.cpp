#include "core/puppet/draw.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cmath>
#include <numeric>

#include <opencv2/imgproc.hpp>

namespace omni {

cv::Mat premultiplied(const cv::Mat& bgr, const cv::Mat& alpha) {
  // 8 bits a channel: OpenCV's remap has its fast path there (the float picture cost 5x more).
  cv::Mat pm(bgr.size(), CV_8UC4);
  for (int y = 0; y < bgr.rows; ++y) {
    const cv::Vec3b* c = bgr.ptr<cv::Vec3b>(y);
    const float* a = alpha.ptr<float>(y);
    cv::Vec4b* o = pm.ptr<cv::Vec4b>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      const float w = std::clamp(a[x], 0.f, 1.f);
      o[x] = cv::Vec4b(uchar(c[x][0] * w + 0.5f), uchar(c[x][1] * w + 0.5f), uchar(c[x][2] * w + 0.5f), uchar(w * 255 + 0.5f));
    }
  }
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
  // The remap's fixed-point maps, written straight from the spans (as cv::convertMaps would make
  // them from float maps: whole pixels, and the fraction in 1/32 steps); (-10, -10) is outside.
  constexpr int kBits = cv::INTER_BITS, kTab = cv::INTER_TAB_SIZE;
  // They and the remapped picture live in buffers kept from frame to frame: fresh ones of a
  // character's size (4-7 MB) cost page faults every frame, a third of the drawing's time.
  thread_local cv::Mat map1, map2, remapped;
  auto scratch = [&](cv::Mat& buf, int type) {
    if (buf.type() != type || buf.cols < box.width || buf.rows < box.height) {
      buf.create(std::max(buf.rows, box.height), std::max(buf.cols, box.width), type);
      buf.setTo(cv::Scalar::all(0));  // the fractions must index remap's table even where unused
    }
    return buf(cv::Rect(0, 0, box.width, box.height));
  };
  cv::Mat m1 = scratch(map1, CV_16SC2), m2 = scratch(map2, CV_16UC1), out = scratch(remapped, picture.type());
  m1.setTo(cv::Scalar(-10, -10));  // outside every triangle; the fraction there does not matter

  // Far parts first; the nearer ones overwrite them.
  std::vector<size_t> order(m.tris.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return depth[size_t(m.part[a])] > depth[size_t(m.part[b])]; });
  // Bands of rows in parallel, each drawing every triangle in the same order over its own rows:
  // the same maps as one pass.
  cv::parallel_for_(cv::Range(box.y, box.y + box.height), [&](const cv::Range& band) {
    for (size_t k : order) {
      const cv::Vec3i& t = m.tris[k];
      const cv::Point2d a = verts[size_t(t[0])], b = verts[size_t(t[1])], c = verts[size_t(t[2])];
      const double den = (b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y);
      if (std::abs(den) < 1e-9) continue;
      const cv::Point2d ra = m.rest[size_t(t[0])], rb = m.rest[size_t(t[1])], rc = m.rest[size_t(t[2])];
      // The triangle's affine map from frame pixels to picture pixels: source = S * (x, y, 1).
      // u = ((x - a.x)(c.y - a.y) - (c.x - a.x)(y - a.y)) / den, v = ((b.x - a.x)(y - a.y) - (x - a.x)(b.y - a.y)) / den.
      const double ux = (c.y - a.y) / den, uy = -(c.x - a.x) / den, vx = -(b.y - a.y) / den, vy = (b.x - a.x) / den;
      const double u0 = -(ux * a.x + uy * a.y), v0 = -(vx * a.x + vy * a.y);
      const double sxx = (rb.x - ra.x) * ux + (rc.x - ra.x) * vx, sxy = (rb.x - ra.x) * uy + (rc.x - ra.x) * vy;
      const double sx0 = ra.x + (rb.x - ra.x) * u0 + (rc.x - ra.x) * v0;
      const double syx = (rb.y - ra.y) * ux + (rc.y - ra.y) * vx, syy = (rb.y - ra.y) * uy + (rc.y - ra.y) * vy;
      const double sy0 = ra.y + (rb.y - ra.y) * u0 + (rc.y - ra.y) * v0;
      int ya = std::max(band.start, int(std::ceil(std::min({a.y, b.y, c.y})))), yb = std::min(band.end - 1, int(std::floor(std::max({a.y, b.y, c.y}))));
      if (ya > yb) continue;
      const cv::Point2d e[3][2] = {{a, b}, {b, c}, {c, a}};
      for (int y = ya; y <= yb; ++y) {
        // The row's span inside the triangle: where it crosses the edges (a pixel on an edge shared
        // by two triangles belongs to both: no crack between them).
        double lo = 1e30, hi = -1e30;
        for (const auto& ed : e) {
          const cv::Point2d p = ed[0], q = ed[1];
          if ((p.y - y) * (q.y - y) > 0 || p.y == q.y) {
            if (p.y == q.y && p.y == y) lo = std::min({lo, p.x, q.x}), hi = std::max({hi, p.x, q.x});
            continue;
          }
          const double x = p.x + (y - p.y) * (q.x - p.x) / (q.y - p.y);
          lo = std::min(lo, x), hi = std::max(hi, x);
        }
        const int xa = std::max(box.x, int(std::ceil(lo - 1e-6))), xb = std::min(box.x + box.width - 1, int(std::floor(hi + 1e-6)));
        cv::Vec2s* p1 = m1.ptr<cv::Vec2s>(y - box.y);
        uint16_t* p2 = m2.ptr<uint16_t>(y - box.y);
        double sx = sxx * xa + sxy * y + sx0, sy = syx * xa + syy * y + sy0;
        for (int x = xa; x <= xb; ++x, sx += sxx, sy += syx) {
          const int ix = cvRound(float(sx) * kTab), iy = cvRound(float(sy) * kTab);
          p1[x - box.x] = cv::Vec2s(cv::saturate_cast<short>(ix >> kBits), cv::saturate_cast<short>(iy >> kBits));
          p2[x - box.x] = uint16_t((iy & (kTab - 1)) * kTab + (ix & (kTab - 1)));
        }
      }
    }
  }, 4);
  cv::remap(picture, out, m1, m2, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  // Back from premultiplied: the colour where any of it shows, and alpha as 0..1. A reciprocal
  // table instead of three integer divisions a pixel (they were most of the drawing's time).
  static const std::array<uint32_t, 256> inv = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t al = 1; al < 256; ++al) t[al] = (255u << 16) / al + 1;
    return t;
  }();
  d.bgr.create(out.size(), CV_8UC3);
  d.alpha.create(out.size(), CV_32F);
  cv::parallel_for_(cv::Range(0, out.rows), [&](const cv::Range& rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      const cv::Vec4b* o = out.ptr<cv::Vec4b>(y);
      cv::Vec3b* c = d.bgr.ptr<cv::Vec3b>(y);
      float* a = d.alpha.ptr<float>(y);
      for (int x = 0; x < out.cols; ++x) {
        const uint32_t al = o[x][3], r = inv[al];
        a[x] = float(al) * (1 / 255.f);
        for (int k = 0; k < 3; ++k) c[x][k] = uchar(std::min<uint32_t>(255, (o[x][k] * r + (1u << 15)) >> 16));
      }
    }
  });
  return d;
}

}  // namespace omni

#include "core/puppet/deform.h"

#include <cmath>

namespace omni {

namespace {

// The similarity that takes a bone from where it is at rest to where the pose puts it.
struct Similar {
  cv::Point2f from, to;
  float c = 1, s = 0;  // scale times cos, sin of the turn
  cv::Point2f operator()(cv::Point2f p) const {
    cv::Point2f d = p - from;
    return to + cv::Point2f(c * d.x - s * d.y, s * d.x + c * d.y);
  }
};
Similar similar(cv::Point2f a, cv::Point2f b, cv::Point2f a2, cv::Point2f b2) {
  cv::Point2f u = b - a, v = b2 - a2;
  float n = u.dot(u);
  Similar t;
  t.from = a;
  t.to = a2;
  if (n > 1e-9f) {
    t.c = u.dot(v) / n;
    t.s = (u.x * v.y - u.y * v.x) / n;
  }
  return t;
}

// Half the stretch of S (a triangle's deformation with its rotation taken out, symmetric), at most
// 2^(1/4) along one axis and as much less across, so the area stays: the identity when S is a
// plain turn or is folded. Rotations alone (ARAP) keep a triangle's shape and area, but the inside
// of a bent joint cannot keep both in a connected skin, and then it gives way in area (to a quarter
// in the tests' running pose); allowed this, it spreads along the bend instead. Half and the cap
// keep limbs straight: following the whole stretch bent wrists and pinched waists visibly.
cv::Matx22f stretch_within_area(const cv::Matx22f& s) {
  const float xx = s(0, 0), yy = s(1, 1), xy = 0.5f * (s(0, 1) + s(1, 0));
  const float mid = 0.5f * (xx + yy), dx = 0.5f * (xx - yy), half = std::sqrt(dx * dx + xy * xy);
  const float big = mid + half, small = mid - half;
  if (small <= 1e-6f || half <= 1e-3f * mid) return cv::Matx22f::eye();  // folded, or no stretch to speak of
  const float t = std::sqrt(std::sqrt(std::min(big / small, 2.f)));
  // t along S's first axis and 1/t across it, without the axis' angle: (c, s) is twice it.
  const float c = dx / half, sn = xy / half, even = 0.5f * (t + 1 / t), odd = 0.5f * (t - 1 / t);
  return cv::Matx22f(even + odd * c, odd * sn, odd * sn, even - odd * c);
}

}  // namespace

PuppetDeformer::PuppetDeformer(const PuppetMesh& m) : m_(m) {
  const size_t n = m_.rest.size();
  slot_.assign(n, -1);
  std::vector<char> held(n, 0);
  for (int v : m_.joint_vertex) held[size_t(v)] = 1;
  for (size_t i = 0; i < n; ++i)
    if (m_.rigid[i]) held[i] = 1;
  for (size_t i = 0; i < n; ++i)
    if (!held[i]) {
      slot_[i] = int(free_.size());
      free_.push_back(int(i));
    }
  const int nf = int(free_.size());
  cv::Mat A = cv::Mat::zeros(nf, nf, CV_64F);
  held_nbr_.assign(size_t(nf), {});
  for (int r = 0; r < nf; ++r) A.at<double>(r, r) = lambda_;
  // Cotangent weights (the discretisation ARAP's energy is defined by; uniform ones bend a mesh of
  // outline and grid points unevenly), kept positive: an obtuse angle's edge still holds a little.
  weight_.resize(m_.tris.size());
  for (size_t k = 0; k < m_.tris.size(); ++k) {
    const auto& t = m_.tris[k];
    for (int e = 0; e < 3; ++e) {
      cv::Point2d a = m_.rest[size_t(t[e])], b = m_.rest[size_t(t[(e + 1) % 3])], c = m_.rest[size_t(t[(e + 2) % 3])];
      cv::Point2d u = a - c, v = b - c;
      double cot = u.dot(v) / std::max(std::abs(u.cross(v)), 1e-9);
      weight_[k][size_t(e)] = std::max(0.5 * cot, 0.05);
    }
  }
  // The Laplacian of the triangles' edges (an edge shared by two triangles gets both weights).
  for (size_t k = 0; k < m_.tris.size(); ++k)
    for (int e = 0; e < 3; ++e) {
      const auto& t = m_.tris[k];
      const double w = weight_[k][size_t(e)];
      int i = t[e], j = t[(e + 1) % 3];
      for (int side = 0; side < 2; ++side, std::swap(i, j)) {
        int ri = slot_[size_t(i)];
        if (ri < 0) continue;
        A.at<double>(ri, ri) += w;
        int rj = slot_[size_t(j)];
        if (rj >= 0) A.at<double>(ri, rj) -= w;
        else held_nbr_[size_t(ri)].push_back({j, w});
      }
    }
  if (nf > 0) cv::invert(A, inverse_, cv::DECOMP_CHOLESKY);
  rest_inv_.resize(m_.tris.size());
  for (size_t k = 0; k < m_.tris.size(); ++k) {
    const auto& t = m_.tris[k];
    cv::Point2f u = m_.rest[size_t(t[1])] - m_.rest[size_t(t[0])], v = m_.rest[size_t(t[2])] - m_.rest[size_t(t[0])];
    rest_inv_[k] = cv::Matx22f(u.x, v.x, u.y, v.y).inv();
  }
}

cv::Matx22f PuppetDeformer::deformation(size_t k, const std::vector<cv::Point2f>& p) const {
  const auto& t = m_.tris[k];
  cv::Point2f u = p[size_t(t[1])] - p[size_t(t[0])], v = p[size_t(t[2])] - p[size_t(t[0])];
  return cv::Matx22f(u.x, v.x, u.y, v.y) * rest_inv_[k];
}

std::vector<cv::Point2f> PuppetDeformer::skinned(const Joints& target) const {
  const auto& bones = skeleton_bones();
  std::array<Similar, kBones> T;
  const auto& j = m_.rest;
  for (int b = 0; b < kBones; ++b) {
    const Bone& bn = bones[size_t(b)];
    T[size_t(b)] = similar(j[size_t(m_.joint_vertex[bn.parent])], j[size_t(m_.joint_vertex[bn.child])], target[bn.parent], target[bn.child]);
  }
  std::vector<cv::Point2f> out(m_.rest.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (m_.rigid[i]) {
      out[i] = T[kHeadBone](m_.rest[i]);
      continue;
    }
    cv::Point2f p(0, 0);
    for (int b = 0; b < kBones; ++b)
      if (float w = m_.skin[i][size_t(b)]; w > 0) p += T[size_t(b)](m_.rest[i]) * w;
    out[i] = p;
  }
  for (int k = 0; k < kJoints; ++k) out[size_t(m_.joint_vertex[size_t(k)])] = target[size_t(k)];
  return out;
}

std::vector<cv::Point2f> PuppetDeformer::solve(const Joints& target, float scale, int iterations) const {
  std::vector<cv::Point2f> p = skinned(target);
  const std::vector<cv::Point2f> prior = p;
  const int nf = int(free_.size());
  if (nf == 0) return p;
  const size_t nt = m_.tris.size();
  std::vector<cv::Matx22f> goal(nt);  // each triangle's linear map, rest to posed
  cv::Mat rhs(nf, 2, CV_64F), x;
  for (int it = 0; it < iterations; ++it) {
    // Local: each triangle's rotation that best maps its rest edges onto the current ones, and a
    // little of its stretch.
    for (size_t k = 0; k < nt; ++k) {
      const auto& t = m_.tris[k];
      double a = 0, b = 0;
      for (int e = 0; e < 3; ++e) {
        int i = t[e], j = t[(e + 1) % 3];
        cv::Point2f q = m_.rest[size_t(i)] - m_.rest[size_t(j)], d = p[size_t(i)] - p[size_t(j)];
        const double w = weight_[k][size_t(e)];
        a += w * (double(d.x) * q.x + double(d.y) * q.y);
        b += w * (double(d.y) * q.x - double(d.x) * q.y);
      }
      // The rotation by atan2(b, a), without the angle: (a, b) normalised.
      const double n = std::hypot(a, b);
      const float c = float(n > 0 ? a / n : 1.0), s = float(n > 0 ? b / n : 0.0);
      const cv::Matx22f rot(c, -s, s, c);
      goal[k] = rot * (stretch_within_area(rot.t() * deformation(k, p)) * scale);
    }
    // Global: the positions whose edges are closest to the rest edges so mapped.
    for (int r = 0; r < nf; ++r) {
      cv::Point2f v = prior[size_t(free_[size_t(r)])] * float(lambda_);
      rhs.at<double>(r, 0) = v.x;
      rhs.at<double>(r, 1) = v.y;
      for (auto [h, w] : held_nbr_[size_t(r)]) {
        rhs.at<double>(r, 0) += w * p[size_t(h)].x;
        rhs.at<double>(r, 1) += w * p[size_t(h)].y;
      }
    }
    for (size_t k = 0; k < nt; ++k) {
      const auto& t = m_.tris[k];
      for (int e = 0; e < 3; ++e) {
        int i = t[e], j = t[(e + 1) % 3];
        cv::Point2f q = m_.rest[size_t(i)] - m_.rest[size_t(j)];
        const float w = float(weight_[k][size_t(e)]);
        const cv::Matx22f& g = goal[k];
        cv::Point2f rq(w * (g(0, 0) * q.x + g(0, 1) * q.y), w * (g(1, 0) * q.x + g(1, 1) * q.y));
        if (int ri = slot_[size_t(i)]; ri >= 0) rhs.at<double>(ri, 0) += rq.x, rhs.at<double>(ri, 1) += rq.y;
        if (int rj = slot_[size_t(j)]; rj >= 0) rhs.at<double>(rj, 0) -= rq.x, rhs.at<double>(rj, 1) -= rq.y;
      }
    }
    x = inverse_ * rhs;
    for (int r = 0; r < nf; ++r) p[size_t(free_[size_t(r)])] = {float(x.at<double>(r, 0)), float(x.at<double>(r, 1))};
  }
  return p;
}

}  // namespace omni

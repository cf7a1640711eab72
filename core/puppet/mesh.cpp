#include "core/puppet/mesh.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <opencv2/imgproc.hpp>

#include "core/error.h"

namespace omni {

namespace {

float seg_distance(cv::Point2f p, cv::Point2f a, cv::Point2f b, float* t_out = nullptr) {
  cv::Point2f d = b - a;
  float l2 = d.dot(d);
  float t = l2 > 0 ? std::clamp((p - a).dot(d) / l2, 0.f, 1.f) : 0.f;
  if (t_out) *t_out = l2 > 0 ? (p - a).dot(d) / l2 : 0.f;
  cv::Point2f q = a + d * t;
  return std::hypot(p.x - q.x, p.y - q.y);
}

bool inside(const cv::Mat& m, cv::Point2f p) {
  int x = int(std::lround(p.x)), y = int(std::lround(p.y));
  return x >= 0 && y >= 0 && x < m.cols && y < m.rows && m.at<uint8_t>(y, x);
}

uint64_t key(cv::Point2f p) {
  uint32_t a, b;
  std::memcpy(&a, &p.x, 4);
  std::memcpy(&b, &p.y, 4);
  return (uint64_t(a) << 32) | b;
}

}  // namespace

double signed_area2(const std::vector<cv::Point2f>& v, const cv::Vec3i& t) {
  cv::Point2d a = v[size_t(t[0])], b = v[size_t(t[1])], c = v[size_t(t[2])];
  return (b - a).cross(c - a);
}

PuppetMesh build_mesh(const cv::Mat& alpha, Rig& rig, int triangles) {
  cv::Mat solid = alpha > 0.1f;
  const int area = cv::countNonZero(solid);
  if (area < 16) fail("the character picture shows nothing: its alpha is empty");
  PuppetMesh m;
  const float s = std::max(3.f, float(std::sqrt(2.0 * area / (std::max(triangles, 8) * 0.866))));
  m.spacing = s;
  // The mesh covers the character and a margin: its soft edge is drawn by the picture's own
  // alpha inside the mesh, not cut by the mesh's outline.
  const int margin = std::max(2, int(s * 0.35f));
  cv::Mat cover;
  cv::dilate(solid, cover, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * margin + 1, 2 * margin + 1}));

  // A joint a little off the character (a pose model's wrist beside a drawn hand) is moved onto
  // its nearest pixel: every joint must carry the mesh around it.
  std::vector<cv::Point> on;
  cv::findNonZero(solid, on);
  for (auto& p : rig.joint) {
    if (inside(solid, p)) continue;
    float best = 1e30f;
    cv::Point2f q = p;
    for (const cv::Point& o : on) {
      float d = (o.x - p.x) * (o.x - p.x) + (o.y - p.y) * (o.y - p.y);
      if (d < best) best = d, q = cv::Point2f(float(o.x), float(o.y));
    }
    p = q;
  }

  std::vector<cv::Point2f> pts(rig.joint.begin(), rig.joint.end());  // joints first: vertex k is joint k
  auto far_from_joints = [&](cv::Point2f p) {
    for (const auto& j : rig.joint)
      if (std::hypot(p.x - j.x, p.y - j.y) < 0.5f * s) return false;
    return true;
  };
  // The outline, a point every spacing along it.
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(cover.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  for (const auto& c : contours) {
    double walked = s;  // so the first pixel is taken
    for (size_t i = 0; i < c.size(); ++i) {
      if (i > 0) walked += std::hypot(double(c[i].x - c[i - 1].x), double(c[i].y - c[i - 1].y));
      if (walked >= s) {
        cv::Point2f p(float(c[i].x), float(c[i].y));
        if (far_from_joints(p)) pts.push_back(p);
        walked = 0;
      }
    }
  }
  // Inside: a hexagonal grid, half a spacing from the outline.
  cv::Mat dist;
  cv::distanceTransform(cover, dist, cv::DIST_L2, 3);
  int row = 0;
  for (float y = s * 0.5f; y < float(alpha.rows); y += s * 0.866f, ++row) {
    for (float x = (row % 2 ? s : s * 0.5f); x < float(alpha.cols); x += s) {
      int xi = int(x), yi = int(y);
      if (dist.at<float>(yi, xi) > 0.6f * s && far_from_joints({x, y})) pts.push_back({x, y});
    }
  }

  // Delaunay over all points; a triangle stays where the character is (its centre and the
  // middles of its edges on the mesh's cover: no bridge across the gap between two legs).
  cv::Subdiv2D sd(cv::Rect(-2, -2, alpha.cols + 4, alpha.rows + 4));
  std::unordered_map<uint64_t, int> index;
  std::vector<cv::Point2f> uniq;
  std::vector<int> remap(pts.size(), -1);
  for (size_t i = 0; i < pts.size(); ++i) {
    auto [it, fresh] = index.emplace(key(pts[i]), int(uniq.size()));
    if (fresh) {
      uniq.push_back(pts[i]);
      sd.insert(pts[i]);
    }
    remap[i] = it->second;
  }
  cv::Mat loose;
  const int slack = 1;
  cv::dilate(cover, loose, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * slack + 1, 2 * slack + 1}));
  std::vector<cv::Vec6f> tl;
  sd.getTriangleList(tl);
  std::vector<cv::Vec3i> tris;
  for (const auto& t : tl) {
    cv::Vec3i v;
    bool ok = true;
    for (int k = 0; k < 3 && ok; ++k) {
      auto it = index.find(key({t[2 * k], t[2 * k + 1]}));
      if (it == index.end()) ok = false;
      else v[k] = it->second;
    }
    if (!ok) continue;
    cv::Point2f a = uniq[size_t(v[0])], b = uniq[size_t(v[1])], c = uniq[size_t(v[2])];
    // An edge's middle may lie a little outside (a chord of a concave stretch of the outline:
    // dropping it would notch the character), not across a gap.
    if (!inside(cover, (a + b + c) / 3) || !inside(loose, (a + b) / 2) || !inside(loose, (b + c) / 2) || !inside(loose, (c + a) / 2))
      continue;
    double a2 = (cv::Point2d(b) - cv::Point2d(a)).cross(cv::Point2d(c) - cv::Point2d(a));
    if (std::abs(a2) < 1e-3 * s * s) continue;
    if (a2 < 0) std::swap(v[1], v[2]);
    tris.push_back(v);
  }
  if (tris.empty()) fail("the character picture is too thin to mesh (its shape is under {} pixels across)", int(s));

  // Vertices no triangle uses go, except the joints (they stay the first ones).
  std::vector<int> used(uniq.size(), 0), renum(uniq.size(), -1);
  for (const auto& t : tris)
    for (int k = 0; k < 3; ++k) used[size_t(t[k])] = 1;
  for (int j = 0; j < kJoints; ++j) used[size_t(remap[size_t(j)])] = 1;
  for (int j = 0; j < kJoints; ++j) {
    int u = remap[size_t(j)];
    if (renum[size_t(u)] < 0) {
      renum[size_t(u)] = int(m.rest.size());
      m.rest.push_back(uniq[size_t(u)]);
    }
    m.joint_vertex[size_t(j)] = renum[size_t(u)];
  }
  for (size_t u = 0; u < uniq.size(); ++u)
    if (used[u] && renum[u] < 0) {
      renum[u] = int(m.rest.size());
      m.rest.push_back(uniq[u]);
    }
  for (auto& t : tris) m.tris.push_back({renum[size_t(t[0])], renum[size_t(t[1])], renum[size_t(t[2])]});

  // Skinning: the two nearest bones, by inverse distance to the 4th power (a vertex on a bone
  // follows it alone; one between two bones, as at an elbow, blends them).
  const auto& bones = skeleton_bones();
  m.skin.assign(m.rest.size(), {});
  m.rigid.assign(m.rest.size(), 0);
  for (size_t i = 0; i < m.rest.size(); ++i) {
    std::array<float, kBones> d{};
    for (int b = 0; b < kBones; ++b) d[size_t(b)] = seg_distance(m.rest[i], rig.joint[bones[size_t(b)].parent], rig.joint[bones[size_t(b)].child]);
    int b0 = 0, b1 = -1;
    for (int b = 1; b < kBones; ++b)
      if (d[size_t(b)] < d[size_t(b0)]) b0 = b;
    for (int b = 0; b < kBones; ++b)
      if (b != b0 && (b1 < 0 || d[size_t(b)] < d[size_t(b1)])) b1 = b;
    const float eps = 0.05f * s;
    float w0 = 1 / std::pow(d[size_t(b0)] + eps, 4.f), w1 = 1 / std::pow(d[size_t(b1)] + eps, 4.f);
    m.skin[i][size_t(b0)] = w0 / (w0 + w1);
    m.skin[i][size_t(b1)] = w1 / (w0 + w1);
    // The face: the head bone's side beyond the middle of neck to nose moves as one piece.
    float t = 0;
    seg_distance(m.rest[i], rig.joint[kNeck], rig.joint[kNose], &t);
    if (b0 == kHeadBone && t >= 0.5f) m.rigid[i] = 1;
  }
  m.part.resize(m.tris.size());
  for (size_t k = 0; k < m.tris.size(); ++k) {
    std::array<float, kBones> w{};
    for (int c = 0; c < 3; ++c)
      for (int b = 0; b < kBones; ++b) w[size_t(b)] += m.skin[size_t(m.tris[k][c])][size_t(b)];
    m.part[k] = int(std::max_element(w.begin(), w.end()) - w.begin());
  }
  return m;
}

}  // namespace omni

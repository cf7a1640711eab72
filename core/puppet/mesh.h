// core/puppet: a character's silhouette as a triangle mesh bound to its skeleton (the
// AnimatedDrawings shape): points along the outline and on a grid inside it, the rig's joints
// among them, Delaunay-triangulated and kept where the character is; each vertex weighted to
// the bones near it (skinning), each triangle given to one bone (its part, for draw order).
#pragma once
#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "core/puppet/rig.h"

namespace omni {

struct PuppetMesh {
  std::vector<cv::Point2f> rest;               // vertices, picture pixels
  std::vector<cv::Vec3i> tris;                 // counter-clockwise on screen (positive area, y down)
  std::array<int, kJoints> joint_vertex{};     // the vertex at each joint
  std::vector<std::array<float, kBones>> skin; // per vertex, weights summing to one
  std::vector<int> part;                       // per triangle, its bone
  std::vector<char> rigid;                     // per vertex, 1: moves with the head bone as one piece (the face)
  float spacing = 0;                           // distance between neighbouring vertices
};

// The mesh of `alpha` (CV_32F 0..1, the picture's size) with about `triangles` triangles; the
// rig's joints are moved onto the character where they lie just outside it. Fails when the
// picture shows nothing (all transparent).
PuppetMesh build_mesh(const cv::Mat& alpha, Rig& rig, int triangles);

// Twice the signed area of triangle t with the vertices at `v` (positive as at rest).
double signed_area2(const std::vector<cv::Point2f>& v, const cv::Vec3i& t);

}  // namespace omni

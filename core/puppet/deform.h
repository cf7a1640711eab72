// core/puppet: a puppet mesh bent into a pose, as rigid as possible (Sorkine and Alexa's
// local/global ARAP in 2D): each triangle's best rotation from the current shape (with a little of
// its stretch, area kept), then one linear solve for every vertex, a few rounds, started from
// linear blend skinning. The joints are held
// exactly where the pose puts them, the face moves with the head bone as one piece, and a weak
// pull toward the skinned shape keeps pieces no joint holds (a loose accessory) in place. Limbs
// bend at the joints without tearing or shrinking.
#pragma once
#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "core/puppet/mesh.h"

namespace omni {

class PuppetDeformer {
 public:
  // Factors the mesh's system once (a few hundred vertices: milliseconds).
  explicit PuppetDeformer(const PuppetMesh& m);
  // The vertices with the joints at `target` (frame pixels) and the character drawn `scale`
  // times its picture's size.
  std::vector<cv::Point2f> solve(const Joints& target, float scale, int iterations = 30) const;
  // Linear blend skinning alone (the starting shape; for tests and comparison).
  std::vector<cv::Point2f> skinned(const Joints& target) const;

 private:
  // Triangle k's deformation gradient at positions p: the linear map from its rest edges to p's.
  cv::Matx22f deformation(size_t k, const std::vector<cv::Point2f>& p) const;

  PuppetMesh m_;
  std::vector<std::array<double, 3>> weight_;  // per triangle, edge e (vertex e to e+1): half the cotangent opposite
  std::vector<cv::Matx22f> rest_inv_;  // per triangle: its rest edges from vertex 0, as columns, inverted
  std::vector<int> slot_;    // vertex -> its row among the free vertices, -1 when held
  std::vector<int> free_;    // the free vertices
  cv::Mat inverse_;          // (L + lambda I) over the free vertices, inverted (CV_64F)
  std::vector<std::vector<std::pair<int, double>>> held_nbr_;  // free row -> held neighbours, weights
  double lambda_ = 0.05;
};

}  // namespace omni

// core/image: a virtual camera's path, L1-optimal (Grundmann, Kwatra and Essa, "Auto-directed
// video stabilization with robust L1 optimal camera paths", 2011): of every path that keeps each
// frame's value inside its bounds, the one with the least L1 norm of its velocity, acceleration
// and jerk. L1, not least squares, because its optimum is made of pieces a camera operator would
// make: still (constant), a steady pan (linear), an ease in or out (parabolic), with exact zeros
// between them, where a least-squares path drifts a little everywhere. A weak pull toward a
// target per frame (the composition: a face a little above the centre) chooses among the paths
// that cost the same.
//
// next-shot uses it for the crop's centre and size; add and motion-transfer can smooth an
// anchor with it. One coordinate at a time: the caller solves size first and derives the
// centre's bounds from it.
#pragma once
#include <span>
#include <vector>

namespace omni {

struct PathWeights {
  double velocity = 10, acceleration = 1, jerk = 100;  // the paper's w1, w2, w3
};

struct PathProblem {
  std::vector<double> lo, hi;    // hard bounds per frame (a frame whose lo > hi gets their middle)
  std::vector<double> target;    // where the composition would put it, per frame
  std::vector<double> pull;      // how much the target counts, per frame (0: not at all)
};

// The path for p.lo.size() frames. `before`: the values already shown just before the first
// frame (up to 3, oldest first), so a path solved window by window joins without a kink; empty
// at a cut. Solved by ADMM (a banded Cholesky per call, then soft thresholds); the result is
// inside the bounds exactly and within ~0.01 px of the optimum.
std::vector<double> solve_path(const PathProblem& p, const PathWeights& w = {}, std::span<const double> before = {});

}  // namespace omni

// next-shot's virtual camera: the L1-optimal path (still where the subject is still, smooth where
// it moves, always inside its bounds, joined across windows), the sub-pixel digital zoom, and the
// camera motion measured between two frames of a real photo moved by a known similarity.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/image/camera_motion.h"
#include "core/image/camera_path.h"
#include "core/image/crop_zoom.h"

using namespace omni;

namespace {

double sum_jerk(const std::vector<double>& p) {
  double s = 0;
  for (size_t t = 3; t < p.size(); ++t) s += std::abs(p[t] - 3 * p[t - 1] + 3 * p[t - 2] - p[t - 3]);
  return s;
}

// A subject still for 100 frames, moving 3 px a frame for 100, still again; detections 2 px noisy.
// The camera must keep it within +-80 px of the crop's centre.
struct Scene {
  std::vector<double> truth, seen;
  PathProblem problem;
  explicit Scene(int n = 300, double half = 80) {
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0, 2);
    for (int t = 0; t < n; ++t) {
      const double x = t < 100 ? 400 : t < 200 ? 400 + 3 * (t - 100) : 700;
      truth.push_back(x), seen.push_back(x + noise(rng));
      problem.lo.push_back(seen.back() - half), problem.hi.push_back(seen.back() + half);
      problem.target.push_back(seen.back()), problem.pull.push_back(1);
    }
  }
};

}  // namespace

TEST_CASE("camera path: still where the subject is still, smooth where it moves, inside its bounds") {
  Scene s;
  const std::vector<double> p = solve_path(s.problem);
  REQUIRE(p.size() == s.seen.size());
  for (size_t t = 0; t < p.size(); ++t) {
    CHECK(p[t] >= s.problem.lo[t]);
    CHECK(p[t] <= s.problem.hi[t]);
  }
  // Still: away from the move (the look-ahead starts the pan a little early), the crop does not jitter.
  double still = 0;
  for (int t = 1; t < 85; ++t) still = std::max(still, std::abs(p[t] - p[t - 1]));
  for (int t = 230; t < 300; ++t) still = std::max(still, std::abs(p[t] - p[t - 1]));
  CHECK(still < 0.05);
  // Centred on the subject when it is still (the pull), not parked at the edge of its bounds.
  CHECK(std::abs(p[50] - 400) < 2);
  CHECK(std::abs(p[280] - 700) < 2);
  // Jerk against centring on each noisy detection.
  CHECK(sum_jerk(p) < 0.01 * sum_jerk(s.seen));
}

TEST_CASE("camera path: solved window by window it joins without a kink") {
  Scene s;
  const int look = 60, step = 15, n = int(s.seen.size());
  std::vector<double> shown;
  for (int at = 0; at < n; at += step) {
    PathProblem w;
    const int end = std::min(n, at + look + step);
    for (int t = at; t < end; ++t)
      w.lo.push_back(s.problem.lo[t]), w.hi.push_back(s.problem.hi[t]), w.target.push_back(s.seen[t]), w.pull.push_back(1);
    std::vector<double> before(shown.end() - std::min<size_t>(3, shown.size()), shown.end());
    std::vector<double> p = solve_path(w, {}, before);
    for (int t = 0; t < std::min(step, end - at); ++t) shown.push_back(p[t]);
  }
  REQUIRE(int(shown.size()) == n);
  double worst_accel = 0;
  for (int t = 2; t < n; ++t) worst_accel = std::max(worst_accel, std::abs(shown[t] - 2 * shown[t - 1] + shown[t - 2]));
  CHECK(worst_accel < 0.5);  // the subject's own move accelerates by 3 px/frame at once
  CHECK(sum_jerk(shown) < 0.05 * sum_jerk(s.seen));
  for (int t = 0; t < n; ++t) CHECK(std::abs(shown[t] - s.truth[t]) <= 80 + 6);
}

TEST_CASE("camera path: bounds that cross, pinned values, and very short runs") {
  PathProblem p;
  p.lo = {10, 10, 30, 10, 10}, p.hi = {20, 20, 20, 20, 20};  // frame 2: lo > hi, so their middle
  p.target = {15, 15, 15, 15, 15}, p.pull = {1, 1, 1, 1, 1};
  std::vector<double> r = solve_path(p);
  CHECK(r[2] == doctest::Approx(25));
  const double before[] = {12, 12, 12};
  PathProblem q;
  q.lo = {0, 0}, q.hi = {100, 100}, q.target = {50, 50}, q.pull = {1, 1};
  r = solve_path(q, {}, before);
  CHECK(std::abs(r[0] - 12) < 0.5);  // joining the shown path costs less than the pull gains
  PathProblem one;
  one.lo = {5}, one.hi = {9}, one.target = {20}, one.pull = {1};
  CHECK(solve_path(one) == std::vector<double>{9});
}

TEST_CASE("zoom_region: the whole picture at its own size is itself; a sub-pixel crop moves by that much") {
  cv::Mat img = cv::imread("/usr/share/doc/opencv-doc/examples/data/baboon.jpg", cv::IMREAD_GRAYSCALE);
  REQUIRE(!img.empty());
  cv::Mat out(img.size(), CV_8U);
  zoom_region(img, cv::Rect2d(0, 0, img.cols, img.rows), out);
  CHECK(cv::norm(img, out, cv::NORM_INF) <= 1);
  // A 2x zoom at (100.25, 80.5): against OpenCV's bicubic warp of the same region.
  cv::Mat z(200, 240, CV_8U), ref;
  const cv::Rect2d r(100.25, 80.5, 120, 100);
  zoom_region(img, r, z);
  const double s = 0.5;
  cv::Matx23d m(s, 0, r.x + 0.5 * s - 0.5, 0, s, r.y + 0.5 * s - 0.5);
  cv::warpAffine(img, ref, m, z.size(), cv::INTER_CUBIC | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
  CHECK(cv::PSNR(z(cv::Rect(4, 4, 232, 192)), ref(cv::Rect(4, 4, 232, 192))) > 38);
  // Shrinking is antialiased: a one-pixel checkerboard at a third of its size is flat grey.
  cv::Mat checker(300, 300, CV_8U);
  for (int y = 0; y < 300; ++y)
    for (int x = 0; x < 300; ++x) checker.at<uint8_t>(y, x) = ((x + y) & 1) ? 255 : 0;
  cv::Mat small(100, 100, CV_8U);
  zoom_region(checker, cv::Rect2d(0, 0, 300, 300), small);
  double lo, hi;
  cv::minMaxLoc(small(cv::Rect(5, 5, 90, 90)), &lo, &hi);
  CHECK(lo >= 118);
  CHECK(hi <= 137);
  // Outside the picture: the given value (pad), else the edge.
  cv::Mat flat(50, 50, CV_8U, cv::Scalar(200)), padded(50, 50, CV_8U);
  zoom_region(flat, cv::Rect2d(-25, 0, 50, 50), padded, 16);
  CHECK(int(padded.at<uint8_t>(25, 5)) == 16);
  CHECK(int(padded.at<uint8_t>(25, 45)) == 200);
  zoom_region(flat, cv::Rect2d(-25, 0, 50, 50), padded);
  CHECK(int(padded.at<uint8_t>(25, 5)) == 200);
}

TEST_CASE("camera motion: a known zoom, turn and pan of a real photo") {
  cv::Mat img = cv::imread("/usr/share/doc/opencv-doc/examples/data/home.jpg", cv::IMREAD_GRAYSCALE);
  REQUIRE(!img.empty());
  const cv::Point2d c((img.cols - 1) / 2.0, (img.rows - 1) / 2.0);
  Similarity truth;
  truth.scale = 1.02, truth.angle = 0.01, truth.shift = {3.5, -2.0};
  cv::Mat moved;
  cv::warpAffine(img, moved, similarity_matrix(truth, c), img.size(), cv::INTER_CUBIC, cv::BORDER_REFLECT);
  CameraMotion cm;
  CHECK(!cm.step(img).found);
  const Similarity s = cm.step(moved);
  REQUIRE(s.found);
  CHECK(std::abs(s.scale - truth.scale) < 0.002);
  CHECK(std::abs(s.angle - truth.angle) < 0.002);
  CHECK(cv::norm(s.shift - truth.shift) < 0.5);
  // Raised to a power, a step is a part of it; two halves make the whole.
  const Similarity h = similarity_power(truth, 0.5);
  const cv::Matx23d a = similarity_matrix(h, c);
  const cv::Matx33d a3(a(0, 0), a(0, 1), a(0, 2), a(1, 0), a(1, 1), a(1, 2), 0, 0, 1);
  const cv::Matx23d whole = similarity_matrix(truth, c);
  const cv::Matx33d two = a3 * a3;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) CHECK(std::abs(two(i, j) - whole(i, j)) < (j == 2 ? 0.05 : 1e-3));
}

// The fill's memory past its window: a real photo seen through a panning window is remembered in
// the scene's coordinates and read back through another frame's map; holes are never remembered;
// the newest view wins; the budget holds and evicts the oldest, farthest tiles. Also the warp that
// takes the affine path for a pan.
#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/image/scene_memory.h"
#include "core/image/warp.h"

using namespace omni;

namespace {

cv::Mat photo() {
  cv::Mat img = cv::imread("/usr/share/doc/opencv-doc/examples/data/home.jpg", cv::IMREAD_COLOR);
  REQUIRE(!img.empty());
  return img;
}

cv::Matx33d shift(double x, double y) { return {1, 0, x, 0, 1, y, 0, 0, 1}; }

}  // namespace

TEST_CASE("scene memory: a pan remembered and read back through another frame's map") {
  const cv::Mat scene = photo();
  const cv::Size fs(200, 120);
  SceneMemory mem(int64_t(fs.area()) * 8);
  // Frames 0..9: the window at x = 10 + 7k, y = 30; a hole in the middle of each frame.
  cv::Mat hole = cv::Mat::zeros(fs, CV_8U);
  hole(cv::Rect(80, 40, 40, 40)).setTo(255);
  for (int k = 0; k < 10; ++k) {
    const cv::Rect view(10 + 7 * k, 30, fs.width, fs.height);
    mem.remember(scene(view).clone(), hole, shift(view.x, view.y), k);
  }
  CHECK(mem.pixels() > 0);
  CHECK(mem.pixels() <= int64_t(fs.area()) * 8);
  // A frame at x = 50.5 (between pixels): every pixel the pan saw comes back as the photo, to
  // within interpolation; what stayed under the hole in every frame does not.
  const cv::Matx33d to_scene = shift(50.5, 30);
  int seen = 0, close = 0, unseen = 0;
  for (int y = 0; y < fs.height; y += 3)
    for (int x = 0; x < fs.width; x += 3) {
      cv::Vec3b v;
      int64_t age = -1;
      const double sx = x + 50.5, sy = y + 30;
      if (!mem.recall(to_scene, x, y, v, &age)) {
        ++unseen;  // every point of this view was outside some frame's hole
        continue;
      }
      ++seen;
      CHECK(age >= 0);
      CHECK(age <= 9);
      cv::Vec3b a = scene.at<cv::Vec3b>(int(sy), int(sx)), b = scene.at<cv::Vec3b>(int(sy), int(sx) + 1);
      int err = 0;
      for (int c = 0; c < 3; ++c) err = std::max(err, std::abs(v[c] - (a[c] + b[c]) / 2));
      close += err <= 3;
    }
  CHECK(unseen == 0);
  CHECK(seen > 2000);
  CHECK(close >= seen * 95 / 100);
  // Scene (100, 80), in the holes of frames 0 and 1 (at x in [90 + 7k, 130 + 7k)), was seen by
  // frames 2..9: the newest of them lent it.
  cv::Vec3b v;
  int64_t age = -1;
  REQUIRE(mem.recall(shift(10, 30), 90, 50, v, &age));
  CHECK(age == 9);
  // Scene (125, 80): in the holes of frames 0..5, seen by 6..9: from frame 9 again.
  REQUIRE(mem.recall(shift(0, 0), 125, 80, v, &age));
  CHECK(age == 9);
  // One view alone: its hole is not remembered, the rest is.
  SceneMemory one(int64_t(fs.area()) * 8);
  one.remember(scene(cv::Rect(10, 30, fs.width, fs.height)).clone(), hole, shift(10, 30), 0);
  CHECK(!one.recall(shift(10, 30), 100, 60, v));
  CHECK(!one.recall(shift(10, 30), 82, 42, v));
  CHECK(one.recall(shift(10, 30), 60, 60, v));
  CHECK(one.recall(shift(10, 30), 100, 20, v));
}

TEST_CASE("scene memory: the budget holds on a long pan; the old far end is let go, the near end kept") {
  const cv::Mat scene = photo();
  const cv::Size fs(160, 90);
  const int64_t budget = int64_t(fs.area()) * 3;
  SceneMemory mem(budget);
  const cv::Mat hole = cv::Mat::zeros(fs, CV_8U);
  int k = 0;
  for (int x = 0; x + fs.width < scene.cols; x += 8, ++k) mem.remember(scene(cv::Rect(x, 20, fs.width, fs.height)).clone(), hole, shift(x, 20), k);
  CHECK(mem.pixels() <= budget);
  cv::Vec3b v;
  const int last = (k - 1) * 8;
  CHECK(mem.recall(shift(last, 20), 10, 10, v));   // the newest view
  CHECK(!mem.recall(shift(0, 20), 10, 10, v));     // the first, long gone
  mem.clear();
  CHECK(mem.pixels() == 0);
  CHECK(!mem.recall(shift(last, 20), 10, 10, v));
}

TEST_CASE("scene memory: a view bent out of shape or behind the camera is not remembered") {
  const cv::Mat scene = photo();
  SceneMemory mem(1 << 20);
  const cv::Mat f = scene(cv::Rect(0, 0, 64, 64)).clone(), hole = cv::Mat::zeros(f.size(), CV_8U);
  mem.remember(f, hole, cv::Matx33d(1, 0, 0, 0, 1, 0, -0.02, 0, 1), 0);  // the right corners map behind the camera
  mem.remember(f, hole, cv::Matx33d(5, 0, 0, 0, 5, 0, 0, 0, 1), 1);     // 25 times the frame's area
  CHECK(mem.pixels() == 0);
  cv::Vec3b v;
  CHECK(!mem.recall(cv::Matx33d::eye(), 3, 3, v));
}

TEST_CASE("warp_inverse: a pan goes the affine way and matches warpPerspective; a tilt still warps right") {
  const cv::Mat img = photo();
  const cv::Size out(300, 200);
  for (const cv::Matx33d M : {cv::Matx33d(1, 0, 40.25, 0, 1, 17.5, 0, 0, 1), cv::Matx33d(0.98, 0.02, 30, -0.01, 1.01, 12, 2e-4, 1e-4, 1)}) {
    cv::Mat a, b;
    warp_inverse(img, a, M, out, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::warpPerspective(img, b, cv::Mat(M), out, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    cv::Mat d;
    cv::absdiff(a, b, d);
    double worst;
    cv::minMaxLoc(d.reshape(1), nullptr, &worst);
    CHECK(a.size() == out);
    CHECK(worst <= 2);
  }
}

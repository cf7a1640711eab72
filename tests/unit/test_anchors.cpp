// Where add puts things: body anchors follow a real photo of a person moved and scaled along a
// known path; a scene pin stays on its point of a real photo through a long pan and a zoom; a
// sprite is drawn where its affine map says, antialiased, and not where something covers it; a
// picture laid on a rendered floor finds the horizon, lies square on the floor and stays there
// through a camera move.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/image/scene_pin.h"
#include "core/image/sprite.h"
#include "core/perception/anchors.h"
#include "core/perception/ground_plane.h"
#include "frames.h"

using namespace omni;
using omni::test::frame_from_bgr;

namespace {

const std::string kData = "/usr/share/doc/opencv-doc/examples/data/";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The photo scaled by s about its centre and moved by (tx, ty), on a 640x420 canvas: the
// known map from photo pixels to frame pixels.
cv::Matx23d path_at(int t, int settle) {
  int k = std::max(0, t - settle);
  double s = 1 + 0.15 * std::sin(k * 0.05), tx = 30 * std::sin(k * 0.07), ty = 10 * std::sin(k * 0.04);
  // Photo centre (274, 171) goes to canvas centre (320, 210) + (tx, ty).
  return cv::Matx23d(s, 0, 320 + tx - s * 274, 0, s, 210 + ty - s * 171);
}

}  // namespace

TEST_CASE("body anchors: eyes and shoulders follow a photo moved and scaled along a known path, and stay still when it does") {
  cv::Mat photo = cv::imread(kData + "messi5.jpg");
  REQUIRE(!photo.empty());
  constexpr int kSettle = 40, kFrames = kSettle + 90;
  for (const char* name : {"eyes", "shoulders"}) {
    BodyAnchor anchor(name);
    Placement ref;
    cv::Point2f ref_photo;  // the anchor in the photo's own pixels, from the still frames
    std::vector<double> err, scale_err;
    double jitter = 0;
    cv::Point2f last;
    for (int t = 0; t < kFrames; ++t) {
      cv::Matx23d M = path_at(t, kSettle);
      cv::Mat canvas;
      cv::warpAffine(photo, canvas, M, cv::Size(640, 420), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
      Frame f = frame_from_bgr(canvas);
      Placement p = anchor.place(f);
      REQUIRE(p.found);
      if (t >= 20 && t < kSettle) {  // the region settles over the first frames
        jitter = std::max(jitter, double(cv::norm(p.at - last)));
      }
      last = p.at;
      if (t == kSettle - 1) {
        ref = p;
        ref_photo = {float((p.at.x - M(0, 2)) / M(0, 0)), float((p.at.y - M(1, 2)) / M(1, 1))};
      }
      if (t < kSettle) continue;
      cv::Point2f want(float(M(0, 0) * ref_photo.x + M(0, 2)), float(M(1, 1) * ref_photo.y + M(1, 2)));
      err.push_back(cv::norm(p.at - want));
      scale_err.push_back(std::abs(p.width / ref.width / M(0, 0) - 1));
    }
    MESSAGE(std::string(name) << ": " << std::string(anchor.used_face_mesh() ? "face mesh" : "pose") << ", median error " << median(err) << " px (worst "
                 << *std::max_element(err.begin(), err.end()) << "), median scale error " << 100 * median(scale_err)
                 << " %, largest move when still " << jitter << " px");
    CHECK(median(err) < 3.0);
    CHECK(median(scale_err) < 0.05);
    CHECK(jitter <= 0.5);
    if (std::string(name) == "eyes") CHECK(anchor.used_face_mesh());
  }
}

TEST_CASE("anchors: an unknown name is an error that names the nearest") {
  CHECK(is_body_anchor("left_hand"));
  CHECK_FALSE(is_body_anchor("lefthand"));
  try {
    BodyAnchor a("eyse");
    FAIL("accepted");
  } catch (const omni::Error& e) {
    CHECK(std::string(e.what()).find("eyes") != std::string::npos);
  }
}

TEST_CASE("scene pin: a point of a real photo is followed through a 90-frame pan and a zoom within 2 px") {
  cv::Mat photo = cv::imread(kData + "home.jpg");
  REQUIRE(!photo.empty());
  // The camera: pans 2 px a frame right and 0.5 down, then zooms in by 20 % about the centre.
  auto camera = [](int t) {
    double s = t < 60 ? 1.0 : 1.0 + 0.2 * (t - 60) / 30.0, tx = -2.0 * std::min(t, 60), ty = -0.5 * std::min(t, 60);
    return cv::Matx23d(s, 0, tx * s + (1 - s) * 320, 0, s, ty * s + (1 - s) * 180);
  };
  const cv::Point2f at(330, 200);  // a point of the first frame (the photo's pixel 330+40, 200+40)
  ScenePin pin(at, 120);
  double worst = 0;
  for (int t = 0; t < 90; ++t) {
    cv::Matx23d C = camera(t);
    C(0, 2) -= 40 * C(0, 0), C(1, 2) -= 40 * C(1, 1);  // the first frame starts 40 px into the photo
    cv::Mat view, gray;
    cv::warpAffine(photo, view, C, cv::Size(640, 360), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::cvtColor(view, gray, cv::COLOR_BGR2GRAY);
    cv::Matx33d H = pin.update(gray, cv::Mat());
    CHECK_FALSE(pin.lost());
    cv::Point2f photo_pt = at + cv::Point2f(40, 40);
    cv::Point2f want(float(C(0, 0) * photo_pt.x + C(0, 2)), float(C(1, 1) * photo_pt.y + C(1, 2)));
    worst = std::max(worst, double(cv::norm(pin.where() - want)));
    if (t == 89) {
      LocalMotion m = local_motion(H, at);
      MESSAGE("scene pin: worst drift " << worst << " px over 90 frames; scale at the end " << m.scale << " (true 1.2), "
                                        << pin.key_frames() << " key frames");
      CHECK(std::abs(m.scale - 1.2f) < 0.02f);
      CHECK(std::abs(m.angle) < 0.01f);
    }
  }
  CHECK(worst <= 2.0);
}

TEST_CASE("sprite: a large sprite's contact shadow (blurred small and enlarged) is close to one blurred at full size") {
  // A character near the camera: 500 px wide, its shadow's blur about 50 px.
  cv::Mat grey(720, 1280, CV_8UC3, cv::Scalar(160, 160, 160));
  Sprite s = Sprite::cut_out(cv::Mat(600, 500, CV_8UC3, cv::Scalar(40, 40, 40)), cv::Mat(600, 500, CV_32F, cv::Scalar(1)));
  const cv::Matx23d A(1, 0, 390.3, 0, 1, 80.6);
  Frame f = frame_from_bgr(grey);
  const cv::Mat y0 = frame_from_bgr(grey).mat(0).clone();
  const float strength = 0.6f;
  s.shadow(f, A, strength, cv::Mat());
  // The reference: the same flat ellipse under the lower edge, drawn and blurred at full size.
  const double rx = 0.55 * 500, ry = rx / 6;
  const cv::Point2d c(390.3 + 250, 80.6 + 599.5);
  cv::Mat m = cv::Mat::zeros(720, 1280, CV_32F);
  cv::ellipse(m, c, cv::Size2d(rx, ry), 0, 0, 360, cv::Scalar(1), -1, cv::LINE_AA);
  cv::GaussianBlur(m, m, {0, 0}, ry * 0.8);
  int worst = 0, darkest = 0;
  for (int y = 600; y < 720; ++y)
    for (int x = 0; x < 1280; ++x) {
      const float black = 16, v = y0.at<uint8_t>(y, x);
      const int want = cv::saturate_cast<uint8_t>(black + (v - black) * (1 - strength * m.at<float>(y, x)));
      worst = std::max(worst, std::abs(int(f.mat(0).at<uint8_t>(y, x)) - want));
      darkest = std::max(darkest, int(v) - int(f.mat(0).at<uint8_t>(y, x)));
    }
  MESSAGE("large shadow: darkens by up to " << darkest << " levels, differs from the full-size blur by " << worst);
  CHECK(darkest > 40);
  CHECK(worst <= 6);  // measured 5 of 80: the shrink and the enlargement widen the blur a little
}

TEST_CASE("sprite: drawn where its affine map says, antialiased, in the frame's YUV, and not under a cover") {
  cv::Mat grey(120, 160, CV_8UC3, cv::Scalar(128, 128, 128));
  cv::Mat red(40, 40, CV_8UC4, cv::Scalar(0, 0, 255, 255));
  const std::string path = "/tmp/omni_unit_sprite_red.png";
  REQUIRE(cv::imwrite(path, red));
  Sprite s = Sprite::load(path, "", "test");
  Frame f = frame_from_bgr(grey);
  Frame before = frame_from_bgr(grey);
  // 40x40 red square at half size from (50.25, 30.25) (pixel centres at whole numbers): pixel 50
  // samples the square's edge halfway, pixels 51-69 are inside.
  cv::Matx23d A(0.5, 0, 50.25, 0, 0.5, 30.25);
  cv::Mat cover = cv::Mat::zeros(120, 160, CV_32F);
  cover(cv::Rect(60, 0, 100, 120)).setTo(1);  // something in front on the right half of the square
  s.draw(f, A, 1.f, Tint{}, cover);
  cv::Mat y = f.mat(0), v = f.mat(2), y0 = before.mat(0);
  // BT.601 limited: pure red is Y 81, V 240.
  CHECK(std::abs(int(y.at<uint8_t>(40, 55)) - 81) <= 2);
  CHECK(std::abs(int(v.at<uint8_t>(20, 27)) - 240) <= 3);
  CHECK(y.at<uint8_t>(40, 65) == y0.at<uint8_t>(40, 65));  // covered: untouched
  CHECK(y.at<uint8_t>(10, 10) == y0.at<uint8_t>(10, 10));  // outside: untouched
  // The left edge: a mix, not a step.
  int edge = y.at<uint8_t>(40, 50), in = y.at<uint8_t>(40, 52), out = y.at<uint8_t>(40, 48);
  MESSAGE("sprite edge: outside " << out << ", edge " << edge << ", inside " << in);
  CHECK(edge < out - 5);
  CHECK(edge > in + 5);
  // Motion blur: moved 20 px during the frame, its left edge is a ramp about 20 px wide, not a step.
  Frame g = frame_from_bgr(grey);
  s.draw(g, cv::Matx23d(1, 0, 60, 0, 1, 40), 1.f, Tint{}, cv::Mat(), cv::Point2f(20, 0));
  int ramp = 0;
  for (int x = 40; x < 90; ++x) {
    int v = g.mat(0).at<uint8_t>(60, x);
    ramp += v < 124 && v > 84;
  }
  MESSAGE("motion blur: " << ramp << " pixels between the grey and the red along a row (20 px of motion)");
  CHECK(ramp >= 16);
  CHECK(ramp <= 24);
  // A picture without alpha is an error that says what to do, unless a key says how to cut it.
  cv::Mat jpg(20, 20, CV_8UC3, cv::Scalar(255, 255, 255));
  jpg(cv::Rect(5, 5, 10, 10)).setTo(cv::Scalar(0, 0, 0));
  REQUIRE(cv::imwrite("/tmp/omni_unit_sprite.bmp", jpg));
  CHECK_THROWS_WITH_AS(Sprite::load("/tmp/omni_unit_sprite.bmp", "", "add: image"), doctest::Contains("key=white"), omni::Error);
  Sprite keyed = Sprite::load("/tmp/omni_unit_sprite.bmp", "white", "add: image");
  CHECK(keyed.mean_luma() < 0.05f);  // only the black square is left
  CHECK_THROWS_WITH_AS(Sprite::load("/nonexistent.png", "", "add: image"), doctest::Contains("cannot read"), omni::Error);
  {
    std::ofstream("/tmp/omni_unit_sprite_bad.png") << "not a picture";
  }
  CHECK_THROWS_WITH_AS(Sprite::load("/tmp/omni_unit_sprite_bad.png", "", "add: image"), doctest::Contains("as a picture"), omni::Error);
}

namespace {

// A camera over a tiled floor, 1.5 m up, pitched down, turned (yaw) and moved along the floor.
// The floor texture: 1 px = 1 cm, x from -8 to 8 m, depth from 1 to 30 m (its top row is far).
struct FloorCamera {
  double f, pitch, yaw = 0, x = 0, z = 0;
  cv::Size frame{640, 360};
  cv::Matx33d texture_to_frame() const {
    const double cp = std::cos(pitch), sp = std::sin(pitch), cy = std::cos(yaw), sy = std::sin(yaw);
    auto project = [&](double u, double v) {
      double X = u / 100 - 8 - x, Y = 1.5, Z = 30 - v / 100 - z;
      double x1 = cy * X - sy * Z, z1 = sy * X + cy * Z;
      double y2 = Y * cp - z1 * sp, z2 = Y * sp + z1 * cp;
      return cv::Point2f(float(frame.width / 2.0 + f * x1 / z2), float(frame.height / 2.0 + f * y2 / z2));
    };
    cv::Point2f src[4] = {{400, 1500}, {1200, 1500}, {1200, 2800}, {400, 2800}}, dst[4];
    for (int k = 0; k < 4; ++k) dst[k] = project(src[k].x, src[k].y);
    return cv::Matx33d(cv::getPerspectiveTransform(src, dst));
  }
  double horizon() const { return frame.height / 2.0 - f * std::tan(pitch); }
};

cv::Mat floor_texture() {
  // Pale stone tiles with dark grout, the grain of a real photo on them (corners to follow).
  cv::Mat photo = cv::imread(kData + "home.jpg", cv::IMREAD_GRAYSCALE), grain;
  cv::Mat tex(2900, 1600, CV_8U);
  for (int y = 0; y < tex.rows; y += photo.rows)
    for (int x = 0; x < tex.cols; x += photo.cols) {
      cv::Rect r = cv::Rect(x, y, photo.cols, photo.rows) & cv::Rect(0, 0, tex.cols, tex.rows);
      photo(cv::Rect(0, 0, r.width, r.height)).copyTo(tex(r));
    }
  tex.convertTo(tex, CV_8U, 0.35, 130);
  for (int k = 0; k <= 1600; k += 100) cv::line(tex, {k, 0}, {k, 2900}, cv::Scalar(40), 4);
  for (int k = 0; k <= 2900; k += 100) cv::line(tex, {0, k}, {1600, k}, cv::Scalar(40), 4);
  return tex;
}

cv::Mat view(const cv::Mat& tex, const FloorCamera& cam) {
  cv::Mat out;
  cv::warpPerspective(tex, out, cam.texture_to_frame(), cam.frame, cv::INTER_AREA, cv::BORDER_CONSTANT, cv::Scalar(200));
  return out;
}

cv::Point2f apply(const cv::Matx33d& H, cv::Point2f p) {
  cv::Vec3d q = H * cv::Vec3d(p.x, p.y, 1);
  return {float(q[0] / q[2]), float(q[1] / q[2])};
}

}  // namespace

TEST_CASE("ground plane: the horizon where a floor's edges meet; a picture laid there is square on the floor and stays on it") {
  const cv::Mat tex = floor_texture();
  FloorCamera cam{default_focal({640, 360}), 12 * CV_PI / 180};
  const cv::Mat first = view(tex, cam);
  const cv::Point2f at(400, 280);
  Horizon h = find_horizon(first, at);
  MESSAGE("horizon: found " << h.found << " at row " << h.row << " from " << h.lines << " edges (true " << cam.horizon() << ")");
  CHECK(h.found);
  CHECK(std::abs(h.row - cam.horizon()) < 0.03 * 360);

  // A square picture laid at the point with the found horizon: its corners, taken back to the
  // floor, make a square (the "lies flat in the plane").
  cv::Matx33d G;
  REQUIRE(lay_on_ground({100, 100}, at, 80, 0, GroundView{{640, 360}, h.row, default_focal({640, 360})}, G));
  const cv::Matx33d to_floor = cam.texture_to_frame().inv();
  const cv::Point2f corners[4] = {{0, 0}, {100, 0}, {100, 100}, {0, 100}};
  cv::Point2f on_floor[4];
  for (int k = 0; k < 4; ++k) on_floor[k] = apply(to_floor, apply(G, corners[k]));
  double side[4], worst_angle = 0;
  for (int k = 0; k < 4; ++k) {
    cv::Point2f a = on_floor[(k + 1) % 4] - on_floor[k], b = on_floor[(k + 3) % 4] - on_floor[k];
    side[k] = cv::norm(a);
    double cosang = (a.x * b.x + a.y * b.y) / (cv::norm(a) * cv::norm(b));
    worst_angle = std::max(worst_angle, std::abs(std::acos(cosang) * 180 / CV_PI - 90));
  }
  const double lo = *std::min_element(side, side + 4), hi = *std::max_element(side, side + 4);
  MESSAGE("on the floor: sides " << side[0] << " " << side[1] << " " << side[2] << " " << side[3] << " cm, corners off square by "
                                 << worst_angle << " degrees at most");
  CHECK(hi / lo < 1.04);
  CHECK(worst_angle < 2.5);
  // Its top edge is the far one: narrower on screen than its bottom edge.
  CHECK(cv::norm(apply(G, corners[1]) - apply(G, corners[0])) < cv::norm(apply(G, corners[2]) - apply(G, corners[3])));

  // The camera turns 0.1 degrees a frame and moves 2 cm forward and 1 cm sideways: the pin's
  // homography of the floor carries the picture's corners onto the same floor points.
  ScenePin pin(at, 200);
  double worst = 0;
  for (int t = 0; t < 60; ++t) {
    FloorCamera c = cam;
    c.yaw = t * 0.1 * CV_PI / 180, c.z = 0.02 * t, c.x = 0.01 * t;
    cv::Matx33d H = pin.update(view(tex, c), cv::Mat());
    const cv::Matx33d truth = c.texture_to_frame() * to_floor;
    for (const auto& k : corners) worst = std::max(worst, double(cv::norm(apply(H * G, k) - apply(truth * G, k))));
  }
  MESSAGE("laid on the floor: worst corner error " << worst << " px over 60 frames of a camera move");
  CHECK(worst < 2.0);

  // Not below the horizon, or reaching past it: refused.
  CHECK_FALSE(lay_on_ground({100, 100}, {400, float(h.row - 5)}, 80, 0, GroundView{{640, 360}, h.row, 457}, G));
  CHECK_FALSE(lay_on_ground({100, 100}, at, 2000, 0, GroundView{{640, 360}, h.row, 457}, G));
  // A picture with no receding edges: no horizon claimed.
  cv::Mat flat(360, 640, CV_8U);
  cv::randu(flat, 100, 140);
  CHECK_FALSE(find_horizon(flat, at).found);
}

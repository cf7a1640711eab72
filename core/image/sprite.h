// A picture with alpha drawn into a frame's own planar YUV (no RGB round trip of the frame):
// premultiplied and bilinear, so its edges are antialiased at any scale and angle; shrunk by area
// first when drawn much smaller than it is, so it does not alias. add's stickers; replace's new
// objects.
#pragma once
#include <string>

#include <opencv2/core.hpp>

#include "core/media/frame.h"

namespace omni {

// How the picture is lit into the scene: luma gain, and a chroma shift (in 8-bit U/V steps).
struct Tint {
  float gain = 1, du = 0, dv = 0;
};

class Sprite {
 public:
  // key: "" (the picture must have alpha), "white" or "black" (cut a plain background of that
  // colour, soft), "none" (paste it opaque). `what` names it in errors.
  static Sprite load(const std::string& path, const std::string& key, const std::string& what);
  // The same from a decoded 8-bit picture (1, 3 or 4 channels, BGR order): a video's frame.
  // `path` names it in errors; `may_be_clear`: a fully transparent picture is allowed (a clip's
  // empty frame), else it is an error.
  static Sprite picture(const cv::Mat& img, const std::string& key, const std::string& what, const std::string& path, bool may_be_clear);
  // Text set in a TrueType/OpenType font (FreeType), `height` pixels high, in colour `rgb`, with
  // a dark border `border` pixels wide so it reads on any background. UTF-8; one line.
  static Sprite text(const std::string& utf8, const std::string& font_file, int height, const uint8_t rgb[3], int border,
                     const std::string& what);
  // A picture already cut out: CV_8UC3 colour, CV_32F alpha 0..1 (motion-transfer's drawn puppet).
  static Sprite cut_out(cv::Mat bgr, cv::Mat alpha);
  cv::Size size() const { return bgr_.size(); }
  const cv::Mat& bgr() const { return bgr_; }
  const cv::Mat& alpha() const { return alpha_; }
  // The part that shows (alpha over one half), in sprite pixels; the whole picture if none does.
  cv::Rect content() const;
  float mean_luma() const { return mean_luma_; }  // 0..1, alpha-weighted
  // The frame pixels it covers under the affine map A (sprite pixels -> frame pixels), or under
  // a homography H (a picture lying in a plane seen in perspective).
  cv::Rect bounds(const cv::Matx23d& A, cv::Size frame) const { return bounds(lift(A), frame); }
  cv::Rect bounds(const cv::Matx33d& H, cv::Size frame) const;
  // Draws it. opacity 0..1; cover: CV_32F probability of something in front of it (a person),
  // any size (scaled to the frame), or empty. Formats: planar 8-bit YUV (420, 422, 444), with or
  // without alpha (the sprite goes over the frame's alpha too).
  // motion: how far it moved during the frame (frame pixels); it is drawn blurred along that.
  void draw(Frame& f, const cv::Matx23d& A, float opacity, const Tint& tint, const cv::Mat& cover, cv::Point2f motion = {0, 0}) const {
    draw(f, lift(A), opacity, tint, cover, motion);
  }
  void draw(Frame& f, const cv::Matx33d& H, float opacity, const Tint& tint, const cv::Mat& cover, cv::Point2f motion = {0, 0}) const;
  // A soft contact shadow on what it stands on: a dark elliptical patch under its lower edge
  // (luma darkened by up to `strength`), hidden where `cover` is (a person in front).
  void shadow(Frame& f, const cv::Matx23d& A, float strength, const cv::Mat& cover) const;

 private:
  static cv::Matx33d lift(const cv::Matx23d& A) { return {A(0, 0), A(0, 1), A(0, 2), A(1, 0), A(1, 1), A(1, 2), 0, 0, 1}; }
  cv::Mat bgr_;    // CV_8UC3
  cv::Mat alpha_;  // CV_32F, 0..1
  float mean_luma_ = 0.5f;
};

// The light around a sprite, followed over frames: its luma gain moves the sprite's mean
// brightness toward its surroundings' (halfway at amount 0.5), and its chroma a little toward
// their colour cast; smoothed so it does not flicker. add's harmonize=, replace=object's.
class Harmonizer {
 public:
  explicit Harmonizer(float amount) : amount_(amount) {}
  // `r`: the frame pixels the sprite covers (Sprite::bounds); the light is read around it.
  Tint update(const Frame& f, cv::Rect r, const Sprite& s);

 private:
  float amount_;
  Tint light_;
  bool init_ = false;
};

}  // namespace omni

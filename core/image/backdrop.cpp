// What goes behind a cut-out subject, and the compositing (see backdrop.h).
#include "core/image/backdrop.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
}

#include "core/error.h"

namespace omni {

namespace {

enum Kind { kColour, kTransparent, kBlur, kMedia };

bool is_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

float sample(const cv::Mat& m, float x, float y) {
  x = std::clamp(x, 0.f, float(m.cols - 1)), y = std::clamp(y, 0.f, float(m.rows - 1));
  int x0 = int(x), y0 = int(y), x1 = std::min(x0 + 1, m.cols - 1), y1 = std::min(y0 + 1, m.rows - 1);
  float fx = x - float(x0), fy = y - float(y0);
  const float *r0 = m.ptr<float>(y0), *r1 = m.ptr<float>(y1);
  return (r0[x0] * (1 - fx) + r0[x1] * fx) * (1 - fy) + (r1[x0] * (1 - fx) + r1[x1] * fx) * fy;
}

// The background blurred without the subject: a normalised convolution weighted by
// (1 - alpha), so the subject's colours do not smear into the blur around it.
cv::Mat blurred_small(const cv::Mat& src, const cv::Mat& a, double radius) {
  double f = std::max(1.0, radius / 4);
  cv::Size small(std::max(1, int(src.cols / f)), std::max(1, int(src.rows / f)));
  cv::Mat s, w;
  // Interpolated, not averaged: the Gaussian below smooths anyway, and OpenCV's area resize at
  // odd ratios is slow (it was most of the compositing time at 720p).
  cv::resize(src, s, small, 0, 0, cv::INTER_LINEAR);
  cv::resize(a, w, small, 0, 0, cv::INTER_LINEAR);
  s.convertTo(s, CV_32F);
  w.convertTo(w, CV_32F, -1 / 255.0, 1.0);
  cv::Mat num = s.mul(w), den = w.clone(), plain;
  double sigma = std::max(0.5, radius / f / 2);
  cv::GaussianBlur(num, num, {0, 0}, sigma);
  cv::GaussianBlur(den, den, {0, 0}, sigma);
  cv::GaussianBlur(s, plain, {0, 0}, sigma);
  cv::Mat out = num / cv::max(den, 1e-3);
  plain.copyTo(out, den < 0.02);  // all subject around here: nothing to take from
  return out;
}

cv::Mat upsample(const cv::Mat& small, cv::Size size) {
  cv::Mat up;
  cv::resize(small, up, size, 0, 0, cv::INTER_LINEAR);
  up.convertTo(up, CV_8U);
  return up;
}

}  // namespace

struct Backdrop::State {
  Kind kind = kColour;
  uint8_t rgb[4] = {0, 0, 0, 255};
  double blur = 30;
  bool loop = true;
  std::unique_ptr<MediaReader> media;
  ClipClock clock;  // where in the background clip each frame is
  Frame frame;      // the background clip's picture for the frame being composited
  bool camera = false;
  cv::Matx33d H = cv::Matx33d::eye();
  double zoom = 1;
};

Backdrop::Backdrop(const std::string& bg, Fit fit, bool loop, const std::string& what) : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.loop = loop;
  if (bg == "transparent" || bg == "none") {
    s.kind = kTransparent;
    return;
  }
  if (bg == "blur" || bg.rfind("blur=", 0) == 0) {
    s.kind = kBlur;
    if (bg.size() > 5) {
      char* end = nullptr;
      s.blur = std::strtod(bg.c_str() + 5, &end);
      if (*end || !(s.blur >= 1 && s.blur <= 500)) fail("{}={}: the blur radius must be a number in [1, 500]", what, bg);
    }
    return;
  }
  if (is_file(bg)) {
    s.kind = kMedia;
    try {
      s.media = std::make_unique<MediaReader>(bg, fit);
    } catch (const Error& e) {
      fail("{}={}: {}", what, bg, e.what());
    }
    return;
  }
  // Keying colours rather than FFmpeg's named web colours (whose "green" is #008000).
  std::string c = bg == "green" ? "0x00B140" : bg == "blue" ? "0x0047BB" : bg;
  if (av_parse_color(s.rgb, c.c_str(), -1, nullptr) < 0)
    fail("{}={}: not a colour, transparent, blur[=RADIUS], or an existing image or video file", what, bg);
  s.kind = kColour;
}
Backdrop::~Backdrop() = default;
bool Backdrop::transparent() const { return s_->kind == kTransparent; }
void Backdrop::set_time_base(AVRational tb) { s_->clock.set_time_base(tb); }

// The backdrop colour in the frame's YUV (matrix and range as tagged).
static void colour_yuv(const Frame& f, const uint8_t rgb[3], double yuv[3]) {
  double kr = 0.299, kb = 0.114;
  if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
  double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0;
  double y = kr * r + (1 - kr - kb) * g + kb * b, u = (b - y) / (2 * (1 - kb)), v = (r - y) / (2 * (1 - kr));
  bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
  yuv[0] = full ? y * 255 : 16 + y * 219;
  yuv[1] = 128 + u * (full ? 255 : 224);
  yuv[2] = 128 + v * (full ? 255 : 224);
}

// out = a f + (1 - a) bg per pixel, 8-bit. An edge pixel the matte calls partly subject is a mix
// of the subject and the old background (c = a f + (1 - a) b): green grass or a green wall shows
// as a halo around the subject on any new backdrop. With b estimated from the old background
// next to the edge (`old_bg`, small), the subject's own colour f = (c - (1 - a) b) / a is used
// there instead of c (despill = how much). Solid parts are untouched. keep_alpha: out = f.
static void mix(const cv::Mat& src, const cv::Mat& a, const cv::Mat& old_bg, const cv::Mat* bg, int colour, bool keep_alpha,
                float despill, cv::Mat& dst) {
  const bool decontaminate = !old_bg.empty();
  const float sx = decontaminate ? float(old_bg.cols) / float(src.cols) : 0, sy = decontaminate ? float(old_bg.rows) / float(src.rows) : 0;
  const int W = dst.cols;
  for (int y = 0; y < dst.rows; ++y) {
    const uint8_t *c = src.ptr(y), *al = a.ptr(y), *b = bg ? bg->ptr(y) : nullptr;
    uint8_t* o = dst.ptr(y);
    // The plain mix first (vectorised), then the few edge pixels again with decontamination.
    if (keep_alpha) std::memcpy(o, c, size_t(W));
    else if (b)
      for (int x = 0; x < W; ++x) o[x] = uint8_t((c[x] * al[x] + b[x] * (255 - al[x]) + 127) / 255);
    else
      for (int x = 0; x < W; ++x) o[x] = uint8_t((c[x] * al[x] + colour * (255 - al[x]) + 127) / 255);
    if (!decontaminate) continue;
    for (int x = 0; x < W; ++x) {
      if (al[x] == 0 || al[x] == 255) continue;
      float ob = sample(old_bg, (float(x) + 0.5f) * sx - 0.5f, (float(y) + 0.5f) * sy - 0.5f);
      float af = std::max(al[x] / 255.f, 0.15f);
      int v = c[x];
      v = cv::saturate_cast<uint8_t>(float(v) + despill * ((float(v) - (1 - af) * ob) / af - float(v)));
      o[x] = keep_alpha ? uint8_t(v) : uint8_t((v * al[x] + (b ? b[x] : colour) * (255 - al[x]) + 127) / 255);
    }
  }
}

void Backdrop::composite(const Frame& in, const cv::Mat& alpha, float despill, float wrap, Frame& out, float relight) {
  run(in, alpha, despill, wrap, s_->kind == kTransparent, relight, out);
}

void Backdrop::decontaminate(const Frame& in, const cv::Mat& alpha, float despill, Frame& out) { run(in, alpha, despill, 0, true, 0, out); }

void Backdrop::set_camera(const cv::Matx33d& H, double zoom) {
  s_->camera = true, s_->H = H, s_->zoom = zoom;
}

// Relighting: the subject's pixels (alpha-weighted) moved `k` of the way from the old
// background's level to the new one's: a gain for luma, an offset for chroma.
static void relight_plane(cv::Mat& dst, const cv::Mat& a, const cv::Mat& src, const cv::Mat* bg, int colour, bool luma, float k) {
  cv::Mat behind = a < 128;
  if (size_t(cv::countNonZero(behind)) < behind.total() / 50) return;  // hardly any old background to compare
  double old_level = cv::mean(src, behind)[0], new_level = bg ? cv::mean(*bg, behind)[0] : colour;
  uint8_t lut[256];
  for (int v = 0; v < 256; ++v) {
    double o = luma ? v * std::pow(std::clamp((new_level + 8) / (old_level + 8), 0.5, 2.0), double(k)) : v + k * (new_level - old_level);
    lut[v] = cv::saturate_cast<uint8_t>(o);
  }
  for (int y = 0; y < dst.rows; ++y) {
    uint8_t* o = dst.ptr<uint8_t>(y);
    const uint8_t* al = a.ptr<uint8_t>(y);
    for (int x = 0; x < dst.cols; ++x)
      if (al[x]) o[x] = uint8_t((lut[o[x]] * al[x] + o[x] * (255 - al[x]) + 127) / 255);
  }
}

void Backdrop::run(const Frame& in, const cv::Mat& alpha, float despill, float wrap, bool keep_alpha, float relight, Frame& out) {
  State& s = *s_;
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(in.format());
  if (!keep_alpha && s.kind == kMedia) {
    double t = s.clock.seconds(in);
    // Held on its last picture instead of looping: asked a little before its end.
    if (!s.loop && s.media->duration() > 0) t = std::min(t, std::max(0.0, s.media->duration() - 1e-3));
    s.frame = s.media->at(t, in);
  }
  for (int p = 0; p < 3; ++p) {
    cv::Mat a = alpha;
    if (p > 0) cv::resize(alpha, a, in.mat(p).size(), 0, 0, cv::INTER_AREA);
    cv::Mat src = in.mat(p), dst = out.mat(p);
    double scale = p == 0 ? 1.0 : 1.0 / (1 << d->log2_chroma_w);
    cv::Mat old_bg;  // the old background next to the edge, small (for decontamination)
    if (despill > 0) old_bg = blurred_small(src, a, 12 * scale);
    const cv::Mat* bg = nullptr;
    cv::Mat bg_plane;
    int colour = 0;
    if (keep_alpha) {
      // the picture itself, edges decontaminated
    } else if (s.kind == kColour) {
      double yuv[3];
      colour_yuv(in, s.rgb, yuv);
      colour = int(std::lround(yuv[p]));
    } else {
      bg_plane = s.kind == kMedia ? s.frame.mat(p) : upsample(blurred_small(src, a, s.blur * scale), src.size());
      if (s.kind == kMedia && s.camera) {
        // In this plane's pixels: chroma planes are the frame scaled down.
        double sx = double(src.cols) / in.width(), sy = double(src.rows) / in.height(), cx = in.width() / 2.0, cy = in.height() / 2.0;
        cv::Matx33d P(sx, 0, 0, 0, sy, 0, 0, 0, 1), Pi(1 / sx, 0, 0, 0, 1 / sy, 0, 0, 0, 1);
        cv::Matx33d Z(s.zoom, 0, cx * (1 - s.zoom), 0, s.zoom, cy * (1 - s.zoom), 0, 0, 1);
        cv::Mat moved;
        cv::warpPerspective(bg_plane, moved, cv::Mat(P * s.H * Z * Pi), src.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
        bg_plane = moved;
      }
      bg = &bg_plane;
    }
    mix(src, a, old_bg, bg, colour, keep_alpha, despill, dst);
    if (relight > 0 && !keep_alpha && s.kind != kBlur) relight_plane(dst, a, src, bg, colour, p == 0, relight);
    if (wrap > 0 && !keep_alpha) {
      // Light wrap: the new background's light, blurred, over the band just inside the subject's
      // edge (alpha times one minus the blurred alpha: where the subject is but the mass of it is
      // not), as light bleeds round a subject shot in front of it. The blurs are smooth, so they
      // are made at a quarter of the size (at full size this was 50 ms of a 720p frame).
      const int k = 4;
      const double sigma = std::max(0.5, 8.0 * scale * dst.rows / 720.0 / k);
      cv::Size small(std::max(1, dst.cols / k), std::max(1, dst.rows / k));
      cv::Mat as, ab, gs, glow;
      cv::resize(a, as, small, 0, 0, cv::INTER_AREA);
      as.convertTo(as, CV_32F, 1 / 255.0);
      cv::GaussianBlur(as, as, {0, 0}, sigma);
      cv::resize(as, ab, dst.size(), 0, 0, cv::INTER_LINEAR);
      if (bg) {
        cv::resize(*bg, gs, small, 0, 0, cv::INTER_AREA);
        gs.convertTo(gs, CV_32F);
        cv::GaussianBlur(gs, gs, {0, 0}, sigma);
        cv::resize(gs, glow, dst.size(), 0, 0, cv::INTER_LINEAR);
      }
      for (int y = 0; y < dst.rows; ++y) {
        uint8_t* o = dst.ptr<uint8_t>(y);
        const uint8_t* al = a.ptr<uint8_t>(y);
        const float *bb = ab.ptr<float>(y), *g = bg ? glow.ptr<float>(y) : nullptr;
        for (int x = 0; x < dst.cols; ++x) {
          if (al[x] == 0 || bb[x] >= 0.999f) continue;
          float band = std::min(1.f, float(al[x]) / 255.f * (1 - bb[x]) * 2 * wrap);
          o[x] = cv::saturate_cast<uint8_t>(float(o[x]) * (1 - band) + (g ? g[x] : float(colour)) * band);
        }
      }
    }
  }
}

}  // namespace omni

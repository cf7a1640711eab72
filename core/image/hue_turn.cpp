// A colour's hue moved to another's in the chroma planes (see hue_turn.h).
#include "core/image/hue_turn.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace omni {

namespace {

constexpr double kPi = 3.14159265358979323846;

void matrix_of(const Frame& f, double& kr, double& kb) {
  kr = 0.299, kb = 0.114;
  if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
  else if (f.av()->colorspace == AVCOL_SPC_BT2020_NCL || f.av()->colorspace == AVCOL_SPC_BT2020_CL) kr = 0.2627, kb = 0.0593;
}

// The colour's chroma (U, V) in the frame's matrix, in 8-bit steps around 128.
cv::Point2f uv_of(const Frame& f, const uint8_t rgb[3]) {
  double kr, kb;
  matrix_of(f, kr, kb);
  double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0;
  double y = kr * r + (1 - kr - kb) * g + kb * b;
  double s = f.av()->color_range == AVCOL_RANGE_JPEG ? 255 : 224;
  return {float((b - y) / (2 * (1 - kb)) * s), float((r - y) / (2 * (1 - kr)) * s)};
}

// HSV hue (radians) and chroma (max - min, 0..1) of an RGB colour in 0..1.
void hue_chroma(float r, float g, float b, float& hue, float& chroma) {
  float mx = std::max({r, g, b}), mn = std::min({r, g, b});
  chroma = mx - mn;
  if (chroma <= 1e-6f) {
    hue = 0;
    return;
  }
  float h = mx == r ? std::fmod((g - b) / chroma + 6.f, 6.f) : mx == g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
  hue = h * float(kPi) / 3;
}

}  // namespace

double chroma_of(const uint8_t rgb[3]) {
  double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0, y = 0.299 * r + 0.587 * g + 0.114 * b;
  return std::hypot((b - y) / 1.772, (r - y) / 1.402);
}

void turn_hue(Frame& f, const HueTurn& t, const cv::Mat& where_in, cv::Rect box) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
  cv::Mat U = f.mat(1), V = f.mat(2), Y = f.mat(0), Yc;
  if (Y.size() == U.size()) Yc = Y;
  else cv::resize(Y, Yc, U.size(), 0, 0, cv::INTER_AREA);
  const cv::Point2f a = uv_of(f, t.from), b = uv_of(f, t.to);
  // The short way round: a partial turn (at the tolerance's edge) must pass through the hues
  // between the two, not the far side of the circle (green to orange went through purple).
  const float turn = float(std::remainder(std::atan2(b.y, b.x) - std::atan2(a.y, a.x), 2 * kPi));
  const float gain = std::hypot(b.x, b.y) / std::max(1.f, std::hypot(a.x, a.y));
  float hf, cf;
  hue_chroma(t.from[0] / 255.f, t.from[1] / 255.f, t.from[2] / 255.f, hf, cf);
  double kr, kb;
  matrix_of(f, kr, kb);
  const bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
  const float y0 = full ? 0.f : 16.f, ys = full ? 255.f : 219.f, cs = full ? 255.f : 224.f;
  const float rv = float(2 * (1 - kr)), bu = float(2 * (1 - kb)), gk = float(1 - kr - kb);
  const float tol = t.tolerance, sat = t.saturation;
  cv::Rect area(0, 0, U.cols, U.rows);
  if (!box.empty())
    area = cv::Rect(box.x >> d->log2_chroma_w, box.y >> d->log2_chroma_h, (box.width + (1 << d->log2_chroma_w) - 1) >> d->log2_chroma_w,
                    (box.height + (1 << d->log2_chroma_h) - 1) >> d->log2_chroma_h) &
           area;
  cv::Mat where;
  if (!where_in.empty()) cv::resize(where_in, where, U.size(), 0, 0, cv::INTER_LINEAR);
  for (int y = area.y; y < area.br().y; ++y) {
    uint8_t *u = U.ptr<uint8_t>(y), *v = V.ptr<uint8_t>(y);
    const uint8_t* l = Yc.ptr<uint8_t>(y);
    const float* m = where.empty() ? nullptr : where.ptr<float>(y);
    for (int x = area.x; x < area.br().x; ++x) {
      float k = (m ? std::clamp(m[x], 0.f, 1.f) : 1.f) * t.amount;
      if (k <= 0.01f) continue;
      float cu = float(u[x]) - 128, cv_ = float(v[x]) - 128;
      float Yn = (float(l[x]) - y0) / ys, Un = cu / cs, Vn = cv_ / cs;
      float R = Yn + rv * Vn, B = Yn + bu * Un, G = (Yn - float(kr) * R - float(kb) * B) / gk;
      float hue, chroma;
      hue_chroma(std::clamp(R, 0.f, 1.f), std::clamp(G, 0.f, 1.f), std::clamp(B, 0.f, 1.f), hue, chroma);
      if (chroma <= sat) continue;
      float dh = std::abs(std::remainder(hue - hf, float(2 * kPi)));
      if (dh >= tol) continue;
      // Full weight within half the tolerance, falling to none at it; greyish pixels fade in.
      float w = k * std::clamp(2 - 2 * dh / tol, 0.f, 1.f) * std::clamp((chroma - sat) / std::max(0.01f, sat), 0.f, 1.f);
      float c = std::cos(turn * w), s = std::sin(turn * w), g = 1 + (gain - 1) * w;
      u[x] = cv::saturate_cast<uint8_t>(128 + g * (c * cu - s * cv_));
      v[x] = cv::saturate_cast<uint8_t>(128 + g * (s * cu + c * cv_));
    }
  }
}

}  // namespace omni

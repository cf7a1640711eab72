// A picture with alpha drawn into a frame's planar YUV (see sprite.h).
#include "core/image/sprite.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <opencv2/freetype.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "core/error.h"

namespace omni {

Sprite Sprite::load(const std::string& path, const std::string& key, const std::string& what) {
  // Checked first, so OpenCV does not print its own warning beside omni's one line.
  std::ifstream probe(path, std::ios::binary);
  if (!probe) fail("{}: cannot read '{}': {}", what, path, std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(probe)), std::istreambuf_iterator<char>());
  cv::Mat img;
  try {
    if (!bytes.empty()) img = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    img.release();
  }
  if (img.empty()) fail("{}: cannot read '{}' as a picture (PNG, JPEG, WebP...)", what, path);
  if (img.depth() == CV_16U) img.convertTo(img, CV_8U, 1 / 257.0);
  if (img.depth() != CV_8U) fail("{}: '{}' is not an 8- or 16-bit picture", what, path);
  return picture(img, key, what, path, false);
}

Sprite Sprite::picture(const cv::Mat& in, const std::string& key, const std::string& what, const std::string& path, bool may_be_clear) {
  cv::Mat img = in;
  Sprite s;
  if (img.channels() == 4) {
    std::vector<cv::Mat> ch;
    cv::split(img, ch);
    ch[3].convertTo(s.alpha_, CV_32F, 1 / 255.0);
    cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, s.bgr_);
    if (!key.empty() && key != "none") fail("{}: '{}' has its own alpha; key={} is for pictures without one", what, path, key);
  } else {
    if (img.channels() == 1) cv::cvtColor(img, img, cv::COLOR_GRAY2BGR);
    s.bgr_ = img;
    if (key == "white" || key == "black") {
      // Soft: distance from the key colour, 0 within 24 levels, 1 beyond 72.
      cv::Mat f, d;
      img.convertTo(f, CV_32FC3);
      cv::Scalar k = key == "white" ? cv::Scalar(255, 255, 255) : cv::Scalar(0, 0, 0);
      cv::absdiff(f, k, f);
      std::vector<cv::Mat> ch;
      cv::split(f, ch);
      d = cv::max(cv::max(ch[0], ch[1]), ch[2]);
      s.alpha_ = cv::min(cv::max((d - 24) / 48, 0), 1);
    } else if (key == "none") {
      s.alpha_ = cv::Mat(img.size(), CV_32F, cv::Scalar(1));
    } else {
      fail("{}: '{}' has no alpha channel; key=white or key=black cuts a plain background, key=none pastes it as it is "
           "(or cut it out first: omni -i {} -vf matte=keep=salient:bg=transparent cut.png)",
           what, path, path);
    }
  }
  if (cv::sum(s.alpha_)[0] < 1 && !may_be_clear) fail("{}: '{}' is fully transparent", what, path);
  return cut_out(s.bgr_, s.alpha_);
}

Sprite Sprite::cut_out(cv::Mat bgr, cv::Mat alpha) {
  Sprite s;
  s.bgr_ = std::move(bgr);
  s.alpha_ = std::move(alpha);
  cv::Mat g, gf;
  cv::cvtColor(s.bgr_, g, cv::COLOR_BGR2GRAY);
  g.convertTo(gf, CV_32F, 1 / 255.0);
  double wsum = cv::sum(s.alpha_)[0];
  if (wsum >= 1) s.mean_luma_ = float(cv::sum(gf.mul(s.alpha_))[0] / wsum);
  return s;
}

Sprite Sprite::text(const std::string& utf8, const std::string& font_file, int height, const uint8_t rgb[3], int border,
                    const std::string& what) {
  if (utf8.empty()) fail("{}: the text is empty", what);
  if (utf8.find('\n') != std::string::npos) fail("{}: one line of text (add one filter per line)", what);
  std::ifstream probe(font_file, std::ios::binary);
  if (!probe) fail("{}: cannot read the font '{}': {}", what, font_file, std::strerror(errno));
  cv::Ptr<cv::freetype::FreeType2> ft = cv::freetype::createFreeType2();
  try {
    ft->loadFontData(font_file, 0);
  } catch (const cv::Exception&) {
    fail("{}: '{}' is not a font FreeType can read (TrueType, OpenType)", what, font_file);
  }
  int base = 0;
  cv::Size ts = ft->getTextSize(utf8, height, -1, &base);
  if (ts.width <= 0 || ts.height <= 0) fail("{}: the font '{}' draws nothing for this text", what, font_file);
  const int pad = border + 2;
  cv::Mat mask = cv::Mat::zeros(ts.height + base + 2 * pad, ts.width + 2 * pad, CV_8UC3);
  ft->putText(mask, utf8, cv::Point(pad, pad + ts.height), height, cv::Scalar(255, 255, 255), -1, cv::LINE_AA, true);
  cv::Mat glyphs;
  cv::extractChannel(mask, glyphs, 0);
  Sprite s;
  s.bgr_ = cv::Mat(glyphs.size(), CV_8UC3, cv::Scalar(rgb[2], rgb[1], rgb[0]));
  cv::Mat a;
  glyphs.convertTo(a, CV_32F, 1 / 255.0);
  if (border > 0) {
    // The border: the glyphs grown by `border` (round), dark, under the glyphs.
    cv::Mat grown;
    cv::dilate(a, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * border + 1, 2 * border + 1)));
    cv::Mat dark(glyphs.size(), CV_8UC3, cv::Scalar(0, 0, 0));
    // colour = glyph colour where the glyph is, black in the border; alpha = the grown shape.
    cv::Mat bf, df;
    s.bgr_.convertTo(bf, CV_32FC3);
    dark.convertTo(df, CV_32FC3);
    std::vector<cv::Mat> ch;
    cv::split(bf, ch);
    for (auto& c : ch) c = c.mul(a / cv::max(grown, 1e-4));
    cv::merge(ch, bf);
    bf.convertTo(s.bgr_, CV_8UC3);
    a = grown;
  }
  s.alpha_ = a;
  cv::Mat g, gf;
  cv::cvtColor(s.bgr_, g, cv::COLOR_BGR2GRAY);
  g.convertTo(gf, CV_32F, 1 / 255.0);
  s.mean_luma_ = float(cv::sum(gf.mul(s.alpha_))[0] / std::max(1.0, cv::sum(s.alpha_)[0]));
  return s;
}

cv::Rect Sprite::bounds(const cv::Matx33d& H, cv::Size frame) const {
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(bgr_.cols, 0), cv::Point2d(0, bgr_.rows), cv::Point2d(bgr_.cols, bgr_.rows)}) {
    double w = H(2, 0) * c.x + H(2, 1) * c.y + H(2, 2);
    if (!(w > 1e-9)) return {};  // a corner behind the camera
    double x = (H(0, 0) * c.x + H(0, 1) * c.y + H(0, 2)) / w, y = (H(1, 0) * c.x + H(1, 1) * c.y + H(1, 2)) / w;
    x0 = std::min(x0, float(x)), y0 = std::min(y0, float(y)), x1 = std::max(x1, float(x)), y1 = std::max(y1, float(y));
  }
  if (!(x1 > x0) || !(y1 > y0) || x1 < -1e6f || y1 < -1e6f || x0 > 1e6f || y0 > 1e6f) return {};
  cv::Rect r(int(std::floor(x0)) - 2, int(std::floor(y0)) - 2, int(std::ceil(x1 - x0)) + 5, int(std::ceil(y1 - y0)) + 5);
  return r & cv::Rect(0, 0, frame.width, frame.height);
}

namespace {
// A shift by (dx, dy) in frame pixels after H.
cv::Matx33d shifted(const cv::Matx33d& H, double dx, double dy) { return cv::Matx33d(1, 0, dx, 0, 1, dy, 0, 0, 1) * H; }
// The scale H applies around the sprite point p (the root of its Jacobian's determinant).
double scale_at(const cv::Matx33d& H, cv::Point2d p) {
  auto at = [&](double x, double y) {
    double w = H(2, 0) * x + H(2, 1) * y + H(2, 2);
    return cv::Point2d((H(0, 0) * x + H(0, 1) * y + H(0, 2)) / w, (H(1, 0) * x + H(1, 1) * y + H(1, 2)) / w);
  };
  cv::Point2d dx = at(p.x + 0.5, p.y) - at(p.x - 0.5, p.y), dy = at(p.x, p.y + 0.5) - at(p.x, p.y - 0.5);
  return std::sqrt(std::abs(dx.x * dy.y - dx.y * dy.x));
}
}  // namespace

void Sprite::draw(Frame& f, const cv::Matx33d& A, float opacity, const Tint& tint, const cv::Mat& cover, cv::Point2f motion) const {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
  const int sx = 1 << d->log2_chroma_w, sy = 1 << d->log2_chroma_h;
  // Motion blur: the sprite averaged over positions along `motion` (centred on A), as a camera's
  // open shutter sees a thing that moves; too little motion to show: one position.
  const float travel = std::hypot(motion.x, motion.y);
  const int samples = travel < 1.5f ? 1 : std::min(12, int(std::ceil(travel)) + 1);
  cv::Rect r = bounds(A, {f.width(), f.height()});
  if (samples > 1)
    r = bounds(shifted(A, -motion.x / 2, -motion.y / 2), {f.width(), f.height()}) | bounds(shifted(A, motion.x / 2, motion.y / 2), {f.width(), f.height()});
  // Aligned to the chroma grid, so the chroma planes' part is exactly r scaled down.
  if (r.area() <= 0 || opacity <= 0) return;
  int x0 = r.x / sx * sx, y0 = r.y / sy * sy;
  int x1 = std::min(f.width(), (r.br().x + sx - 1) / sx * sx), y1 = std::min(f.height(), (r.br().y + sy - 1) / sy * sy);
  r = cv::Rect(x0, y0, x1 - x0, y1 - y0);
  if (r.width < sx || r.height < sy) return;
  // Much smaller than it is: shrunk by area first (bilinear alone would skip pixels and alias).
  // (A perspective map: the scale at the picture's centre.)
  const bool affine = A(2, 0) == 0 && A(2, 1) == 0 && A(2, 2) == 1;
  double scale = affine ? std::sqrt(std::abs(A(0, 0) * A(1, 1) - A(0, 1) * A(1, 0))) : scale_at(A, {bgr_.cols / 2.0, bgr_.rows / 2.0});
  cv::Mat bgr = bgr_, a = alpha_;
  cv::Matx33d M = A;
  if (scale < 0.5) {
    double k = std::min(1.0, scale * 1.5);
    cv::Size small(std::max(1, int(std::lround(bgr_.cols * k))), std::max(1, int(std::lround(bgr_.rows * k))));
    cv::Mat pre;
    cv::Mat bf;
    bgr_.convertTo(bf, CV_32FC3);
    std::vector<cv::Mat> ch;
    cv::split(bf, ch);
    for (auto& c : ch) c = c.mul(alpha_);
    cv::merge(ch, pre);
    cv::resize(pre, pre, small, 0, 0, cv::INTER_AREA);
    cv::resize(alpha_, a, small, 0, 0, cv::INTER_AREA);
    cv::split(pre, ch);
    cv::Mat safe = cv::max(a, 1e-4);
    for (auto& c : ch) c = c / safe;
    cv::merge(ch, pre);
    pre.convertTo(bgr, CV_8UC3);
    double kx = double(bgr_.cols) / small.width, ky = double(bgr_.rows) / small.height;
    for (int i = 0; i < 3; ++i) M(i, 0) *= kx, M(i, 1) *= ky;
  }
  // The sprite in the frame's YUV (its matrix and range), premultiplied, relative to black/grey.
  double kr = 0.299, kb = 0.114;
  if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
  else if (f.av()->colorspace == AVCOL_SPC_BT2020_NCL || f.av()->colorspace == AVCOL_SPC_BT2020_CL) kr = 0.2627, kb = 0.0593;
  const bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
  const float ys = full ? 255.f : 219.f, cs = full ? 255.f : 224.f, black = full ? 0.f : 16.f;
  // One pass a pixel (a dozen whole-picture passes of OpenCV's arithmetic took 5 ms of a
  // 500x700 character).
  cv::Mat planes[4] = {cv::Mat(bgr.size(), CV_32F), cv::Mat(bgr.size(), CV_32F), cv::Mat(bgr.size(), CV_32F), a};
  {
    const float wr = float(kr), wg = float(1 - kr - kb), wb = float(kb), ku = float(cs / (2 * (1 - kb))), kv = float(cs / (2 * (1 - kr)));
    const float gy = ys * tint.gain, du = tint.du, dv = tint.dv;
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const cv::Vec3b* px = bgr.ptr<cv::Vec3b>(y);
        const float* al = a.ptr<float>(y);
        float *py = planes[0].ptr<float>(y), *pu = planes[1].ptr<float>(y), *pv = planes[2].ptr<float>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          const float b = px[x][0] * (1 / 255.f), g = px[x][1] * (1 / 255.f), r = px[x][2] * (1 / 255.f);
          const float lum = wr * r + wg * g + wb * b;
          py[x] = lum * gy * al[x];
          pu[x] = ((b - lum) * ku + du) * al[x];
          pv[x] = ((r - lum) * kv + dv) * al[x];
        }
      }
    });
  }
  // Into the frame region r.
  const cv::Matx33d Mr = shifted(M, -r.x, -r.y);
  cv::Mat w[4];
  for (int k = 0; k < samples; ++k) {
    // The premultiplied planes averaged over the shutter (premultiplied, so edges blur right).
    cv::Matx33d Mk = Mr;
    if (samples > 1) {
      float t = float(k) / float(samples - 1) - 0.5f;
      Mk = shifted(Mr, motion.x * t, motion.y * t);
    }
    // A whole-pixel shift (a picture placed, not turned or scaled: motion-transfer's drawn
    // character) is a copy: the same values the bilinear warp gives there, without it.
    const bool shift = affine && Mk(0, 0) == 1 && Mk(0, 1) == 0 && Mk(1, 0) == 0 && Mk(1, 1) == 1 && Mk(0, 2) == std::floor(Mk(0, 2)) &&
                       Mk(1, 2) == std::floor(Mk(1, 2)) && std::abs(Mk(0, 2)) < 1e6 && std::abs(Mk(1, 2)) < 1e6;
    for (int i = 0; i < 4; ++i) {
      cv::Mat wk;
      if (shift) {
        wk = cv::Mat::zeros(r.size(), CV_32F);
        const cv::Point at(int(Mk(0, 2)), int(Mk(1, 2)));
        const cv::Rect to = cv::Rect(at, planes[i].size()) & cv::Rect({}, r.size());
        if (!to.empty()) planes[i](to - at).copyTo(wk(to));
      } else if (affine) {
        cv::warpAffine(planes[i], wk, Mk.get_minor<2, 3>(0, 0), r.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
      } else {
        cv::warpPerspective(planes[i], wk, Mk, r.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
      }
      if (k == 0) w[i] = wk;
      else w[i] += wk;
    }
  }
  if (samples > 1)
    for (int i = 0; i < 4; ++i) w[i] /= float(samples);
  // What covers it (a person in front) takes it away there.
  cv::Mat o(r.size(), CV_32F, cv::Scalar(opacity));
  if (!cover.empty()) {
    double fx = double(cover.cols) / f.width(), fy = double(cover.rows) / f.height();
    cv::Rect cr(int(std::floor(r.x * fx)), int(std::floor(r.y * fy)), std::max(1, int(std::ceil(r.width * fx)) + 1),
                std::max(1, int(std::ceil(r.height * fy)) + 1));
    cr &= cv::Rect(0, 0, cover.cols, cover.rows);
    if (cr.area() > 0) {
      cv::Mat cv_roi;
      cv::resize(cover(cr), cv_roi, r.size(), 0, 0, cv::INTER_LINEAR);
      o = o.mul(1 - cv::min(cv::max(cv_roi, 0), 1));
    }
  }
  if (f.has_alpha()) {
    // A frame with alpha: the sprite goes over it (alpha = k + (1 - k) alpha).
    cv::Mat dst = f.alpha();
    for (int y = 0; y < r.height; ++y) {
      uint8_t* q = dst.ptr<uint8_t>(r.y + y) + r.x;
      const float *aa = w[3].ptr<float>(y), *oo = o.ptr<float>(y);
      for (int x = 0; x < r.width; ++x) {
        float k = oo[x] * aa[x];
        if (k > 0) q[x] = cv::saturate_cast<uint8_t>(k * 255 + (1 - k) * float(q[x]));
      }
    }
  }
  for (int p = 0; p < 3; ++p) {
    cv::Mat dst = f.mat(p);
    cv::Rect pr = p == 0 ? r : cv::Rect(r.x / sx, r.y / sy, r.width / sx, r.height / sy);
    cv::Mat src = w[p], al = w[3], op = o;
    if (p > 0 && (sx > 1 || sy > 1)) {
      cv::resize(w[p], src, pr.size(), 0, 0, cv::INTER_AREA);
      cv::resize(w[3], al, pr.size(), 0, 0, cv::INTER_AREA);
      cv::resize(o, op, pr.size(), 0, 0, cv::INTER_AREA);
    }
    const float base = p == 0 ? black : 128.f;
    for (int y = 0; y < pr.height; ++y) {
      uint8_t* q = dst.ptr<uint8_t>(pr.y + y) + pr.x;
      const float *s = src.ptr<float>(y), *aa = al.ptr<float>(y), *oo = op.ptr<float>(y);
      for (int x = 0; x < pr.width; ++x) {
        float k = oo[x] * aa[x];
        if (k <= 0) continue;
        float v = (float(q[x]) - base) * (1 - k) + oo[x] * s[x] + base;
        q[x] = cv::saturate_cast<uint8_t>(v);
      }
    }
  }
}

void Sprite::shadow(Frame& f, const cv::Matx23d& A, float strength, const cv::Mat& cover) const {
  if (strength <= 0) return;
  // The lower edge's centre and its width in the frame; the patch is a flat ellipse there, a
  // little wider than the sprite's footprint and an eighth as tall, with a soft edge.
  const double w = bgr_.cols;
  auto at = [&](double x, double y) { return cv::Point2d(A(0, 0) * x + A(0, 1) * y + A(0, 2), A(1, 0) * x + A(1, 1) * y + A(1, 2)); };
  // Where the picture's own alpha reaches lowest, not its canvas: a cup drawn with empty margins.
  int bottom = alpha_.rows - 1;
  for (; bottom > 0; --bottom)
    if (cv::countNonZero(alpha_.row(bottom) > 0.5f) > 0) break;
  cv::Point2d c = at(w / 2, bottom + 0.5), e = at(w, bottom + 0.5) - at(0, bottom + 0.5);
  const double rx = 0.55 * std::hypot(e.x, e.y), ry = std::max(1.0, rx / 6);
  cv::Rect r(int(c.x - 2 * rx), int(c.y - 3 * ry), int(4 * rx) + 1, int(6 * ry) + 1);
  r &= cv::Rect(0, 0, f.width(), f.height());
  if (r.area() <= 0) return;
  cv::Mat m = cv::Mat::zeros(r.size(), CV_32F);
  cv::ellipse(m, cv::Point2d(c.x - r.x, c.y - r.y), cv::Size2d(rx, ry), std::atan2(e.y, e.x) * 180 / CV_PI, 0, 360, cv::Scalar(1), -1, cv::LINE_AA);
  // Blurred at a scale where the blur is about 3 px, then enlarged: a large character's blur (40 px
  // at 720p near the camera) cost 10 ms a frame; the patch is smooth, and a 500 px sprite's comes
  // within 5 grey levels (of 80) of the full-size blur (test_anchors).
  const double sigma = std::max(0.8, ry * 0.8);
  if (const int k = int(sigma / 3); k >= 2) {
    cv::Mat small;
    cv::resize(m, small, {std::max(1, r.width / k), std::max(1, r.height / k)}, 0, 0, cv::INTER_AREA);
    cv::GaussianBlur(small, small, {0, 0}, sigma * small.cols / r.width, sigma * small.rows / r.height);
    cv::resize(small, m, r.size(), 0, 0, cv::INTER_LINEAR);
  } else {
    cv::GaussianBlur(m, m, {0, 0}, sigma);
  }
  if (!cover.empty()) {
    double fx = double(cover.cols) / f.width(), fy = double(cover.rows) / f.height();
    cv::Rect cr(int(r.x * fx), int(r.y * fy), std::max(1, int(std::ceil(r.width * fx)) + 1), std::max(1, int(std::ceil(r.height * fy)) + 1));
    cr &= cv::Rect(0, 0, cover.cols, cover.rows);
    if (cr.area() > 0) {
      cv::Mat c2;
      cv::resize(cover(cr), c2, r.size(), 0, 0, cv::INTER_LINEAR);
      m = m.mul(1 - cv::min(cv::max(c2, 0), 1));
    }
  }
  const float black = f.av()->color_range == AVCOL_RANGE_JPEG ? 0.f : 16.f;
  cv::Mat Y = f.mat(0);
  for (int y = 0; y < r.height; ++y) {
    uint8_t* q = Y.ptr<uint8_t>(r.y + y) + r.x;
    const float* k = m.ptr<float>(y);
    for (int x = 0; x < r.width; ++x)
      if (k[x] > 0.002f) q[x] = cv::saturate_cast<uint8_t>(black + (float(q[x]) - black) * (1 - strength * k[x]));
  }
}

cv::Rect Sprite::content() const {
  cv::Rect r = cv::boundingRect(alpha_ > 0.5f);
  return r.area() > 0 ? r : cv::Rect(0, 0, bgr_.cols, bgr_.rows);
}

Tint Harmonizer::update(const Frame& f, cv::Rect r, const Sprite& s) {
  Tint t;
  if (amount_ <= 0 || r.area() <= 0) return t;
  cv::Rect around(r.x - r.width / 2, r.y - r.height / 2, r.width * 2, r.height * 2);
  around &= cv::Rect(0, 0, f.width(), f.height());
  const bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
  double y = (cv::mean(f.mat(0)(around))[0] - (full ? 0 : 16)) / (full ? 255 : 219);
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
  cv::Rect c(around.x >> d->log2_chroma_w, around.y >> d->log2_chroma_h, std::max(1, around.width >> d->log2_chroma_w),
             std::max(1, around.height >> d->log2_chroma_h));
  c &= cv::Rect(0, 0, f.mat(1).cols, f.mat(1).rows);
  double u = cv::mean(f.mat(1)(c))[0] - 128, v = cv::mean(f.mat(2)(c))[0] - 128;
  // The scene's brightness against the sprite's own, as a gain (a dark street darkens it).
  double ratio = std::clamp((y + 0.05) / (double(s.mean_luma()) + 0.05), 0.25, 2.0);
  Tint now{float(std::pow(ratio, amount_)), float(u * 0.3 * amount_), float(v * 0.3 * amount_)};
  if (!init_) light_ = now, init_ = true;
  const float k = 0.85f;
  light_.gain = k * light_.gain + (1 - k) * now.gain;
  light_.du = k * light_.du + (1 - k) * now.du;
  light_.dv = k * light_.dv + (1 - k) * now.dv;
  return light_;
}

}  // namespace omni

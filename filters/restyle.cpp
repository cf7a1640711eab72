// restyle: the whole video in another look (pixel art, cartoon, pencil sketch, oil, watercolour,
// the colours of a reference image, or a style network), without flicker.
//
// Each look is a classical image method (block means and a palette, edge-preserving smoothing
// with colour quantisation and DoG ink lines, colour dodge, Kuwahara, colour transfer) applied
// to one frame; named styles are parameter sets in presets/styles.toml. Flicker is handled
// apart from the look: core/stabilize carries the previous styled frame along the input's optical
// flow and keeps it where the flow is trustworthy. Pixel art stabilises earlier, on the block
// colours before they are mapped to the palette, and maps with hysteresis, so its blocks and
// palette stay exact and steady.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <toml++/toml.h>

extern "C" {
#include <libavutil/log.h>
#include <libavutil/parseutils.h>
}

#include "core/image/convert.h"
#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/model/hub.h"
#include "core/perception/perception.h"
#include "core/image/stabilize.h"
#include "core/model/torch_module.h"
#include "core/presets.h"
#include "core/worker.h"

namespace omni {

extern const char* const kEmbeddedStyles;

namespace {

const OptionDef options[] = {
    {"style", "the look: pixel, cartoon, sketch, oil, watercolor, or a named style (listed below)",
     OptType::String, "pixel"},
    {"strength", "how much of the look: 0 = the original picture, 1 = fully styled", OptType::Float, "1", 0, 1},
    {"temporal", "stabilisation over time: weight of the previous styled frame carried along the motion (0 = off)",
     OptType::Float, "0.8", 0, 0.95},
    {"size", "pixel: block size in pixels (-1: the style's)", OptType::Int, "-1", -1, 256},
    {"colors", "pixel, cartoon: number of palette colours (-1: the style's)", OptType::Int, "-1", -1, 256},
    {"dither", "pixel: ordered dithering (auto: the style's)", OptType::Enum, "auto", 0, 0, "auto|none|bayer"},
    {"palette", "fixed palette, colours separated by '|' (#RRGGBB or names); empty: the style's, or learned from the shot",
     OptType::String, ""},
    {"lines", "cartoon, sketch, watercolor: strength of the ink or pencil lines, 0..1 (-1: the style's)", OptType::Float, "-1", -1, 1},
    {"radius", "smoothing or brush radius, in pixels of the working picture (~640 px wide) (-1: the style's)", OptType::Float, "-1",
     -1, 32},
    {"texture", "paper or canvas grain, 0..1 (-1: the style's)", OptType::Float, "-1", -1, 1},
    {"saturation", "colour saturation factor (-1: the style's)", OptType::Float, "-1", -1, 4},
    {"ref", "an image whose colour palette and tone the video takes on (replaces style)", OptType::String, ""},
    {"model", "a style-transfer network from the model manifest (replaces style)", OptType::String, ""},
};

const char* const kMethods[] = {"pixel", "cartoon", "sketch", "oil", "watercolor"};

// ---- named styles (presets/styles.toml, $OMNI_STYLES, ~/.config/omni/styles.toml) -----------

struct StyleParams {
  std::string name, method;
  int size = 8, colors = 16;
  bool bayer = false;
  bool by_lightness = false;       // map by lightness alone (monochrome palettes: gameboy)
  std::vector<cv::Vec3b> palette;  // BGR; empty: learned
  float lines = 0.8f, radius = 5, texture = 0, saturation = 1;
};

std::vector<cv::Vec3b> parse_palette(const std::vector<std::string>& colours, const std::string& where) {
  std::vector<cv::Vec3b> p;
  for (const std::string& c : colours) {
    uint8_t rgba[4];
    if (av_parse_color(rgba, c.c_str(), -1, nullptr) < 0) fail("{}: '{}' is not a colour (#RRGGBB or a name)", where, c);
    p.push_back(cv::Vec3b(rgba[2], rgba[1], rgba[0]));
  }
  if (p.size() < 2 || p.size() > 256) fail("{}: a palette needs 2 to 256 colours, not {}", where, p.size());
  return p;
}

void read_styles(const std::string& text, const std::string& where, std::vector<StyleParams>& out) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    fail("styles {}: {} (line {})", where, e.description(), e.source().begin.line);
  }
  for (auto& [key, node] : t) {
    const toml::table* m = node.as_table();
    if (!m) continue;
    StyleParams s;
    s.name = std::string(key.str());
    std::string w = fmt::format("styles {}: [{}]", where, s.name);
    s.method = (*m)["method"].value<std::string>().value_or("");
    if (std::find(std::begin(kMethods), std::end(kMethods), s.method) == std::end(kMethods))
      fail("{}: method '{}' is not one of pixel, cartoon, sketch, oil, watercolor", w, s.method);
    auto num = [&](const char* k, auto& v, double lo, double hi) {
      if (auto x = (*m)[k].value<double>()) {
        if (!(*x >= lo && *x <= hi)) fail("{}: {} = {} is out of range [{}, {}]", w, k, *x, lo, hi);
        v = decltype(+v)(*x);
      }
    };
    num("size", s.size, 2, 256);
    num("colors", s.colors, 2, 256);
    num("lines", s.lines, 0, 1);
    num("radius", s.radius, 0, 32);
    num("texture", s.texture, 0, 1);
    num("saturation", s.saturation, 0, 4);
    std::string d = (*m)["dither"].value<std::string>().value_or("none");
    if (d != "none" && d != "bayer") fail("{}: dither = '{}' is not none or bayer", w, d);
    s.bayer = d == "bayer";
    std::string mapping = (*m)["map"].value<std::string>().value_or("nearest");
    if (mapping != "nearest" && mapping != "lightness") fail("{}: map = '{}' is not nearest or lightness", w, mapping);
    s.by_lightness = mapping == "lightness";
    if (auto p = (*m)["palette"].as_array()) {
      std::vector<std::string> cs;
      for (auto& c : *p) cs.push_back(c.value<std::string>().value_or(""));
      s.palette = parse_palette(cs, w);
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const StyleParams& o) { return o.name == s.name; });
    if (same != out.end()) *same = s;
    else out.push_back(s);
  }
}

const std::vector<StyleParams>& styles() {
  static const std::vector<StyleParams> all = [] {
    std::vector<StyleParams> v;
    for (const PresetLayer& l : preset_layers(kEmbeddedStyles, "styles.toml", "OMNI_STYLES")) read_styles(l.text, l.where, v);
    return v;
  }();
  return all;
}

const StyleParams& find_style(const std::string& name) {
  std::vector<std::string> names;
  for (const StyleParams& s : styles()) {
    if (s.name == name) return s;
    names.push_back(s.name);
  }
  fail("restyle: no style named '{}'{}; styles: {}", name, did_you_mean(name, names), fmt::join(names, ", "));
}

// ---- shared pieces ---------------------------------------------------------------------------

cv::Mat gray_of(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  return g;
}

// The frame divided by a whole number to about 640 px wide: the heavy methods work there (OpenCV's
// resizes are exact and fast at whole-number ratios) and the result is interpolated back up.
cv::Size work_size(cv::Size frame) {
  int k = std::max(1, int(std::lround(frame.width / 640.0)));
  return {std::max(1, frame.width / k), std::max(1, frame.height / k)};
}

cv::Mat shrink(const cv::Mat& img, cv::Size to) {
  if (img.size() == to) return img;
  cv::Mat s;
  cv::resize(img, s, to, 0, 0, cv::INTER_AREA);
  return s;
}

// Ink lines from a difference of Gaussians on the luma (the dark side of an edge): 0..1, CV_32F.
cv::Mat dog_lines(const cv::Mat& gray, float sigma, float threshold) {
  cv::Mat f, a, b;
  gray.convertTo(f, CV_32F);
  cv::GaussianBlur(f, a, {0, 0}, sigma);
  cv::GaussianBlur(f, b, {0, 0}, sigma * 1.6);
  cv::Mat d = b - a;  // positive on the dark side of an edge
  cv::Mat lines = (d - threshold) / (2 * threshold);
  cv::min(cv::max(lines, 0), 1, lines);
  return lines;
}

// Multiplies each pixel by 1 - k * m (m: CV_32F mask, same size).
void darken(cv::Mat& bgr, const cv::Mat& m, float k) {
  cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& r) {
    for (int y = r.start; y < r.end; ++y) {
      uint8_t* p = bgr.ptr(y);
      const float* a = m.ptr<float>(y);
      for (int x = 0; x < bgr.cols; ++x) {
        float s = 1 - k * a[x];
        for (int c = 0; c < 3; ++c) p[3 * x + c] = uint8_t(p[3 * x + c] * s + 0.5f);
      }
    }
  });
}

void saturate(cv::Mat& bgr, float factor) {
  if (std::abs(factor - 1) < 1e-3) return;
  cv::Mat hsv;
  cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
  std::vector<cv::Mat> ch;
  cv::split(hsv, ch);
  ch[1].convertTo(ch[1], CV_8U, factor);
  cv::merge(ch, hsv);
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
}

// Grain that belongs to the paper or canvas, not to the frame: the same every frame (a texture
// that changed per frame would be flicker by design). Centered on 0, roughly unit spread.
cv::Mat paper(cv::Size size, double blur, uint32_t seed) {
  cv::Mat n(size, CV_32F);
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0, 1);
  for (int y = 0; y < n.rows; ++y)
    for (int x = 0; x < n.cols; ++x) n.at<float>(y, x) = nd(rng);
  cv::GaussianBlur(n, n, {0, 0}, blur);
  cv::Scalar mean, sd;
  cv::meanStdDev(n, mean, sd);
  return (n - mean[0]) / std::max(sd[0], 1e-6);
}

// A palette (fixed or learned from the shot) and nearest-colour mapping in CIELAB through a
// 64x64x64 table, with hysteresis: a pixel keeps the colour it had in the previous frame unless
// another is clearly closer (a colour hovering between two entries would otherwise flip).
class Palette {
 public:
  Palette(std::vector<cv::Vec3b> fixed, int k, float saturation, bool by_lightness = false)
      : fixed_(!fixed.empty()), by_lightness_(by_lightness), k_(k), saturation_(saturation) {
    if (fixed_) set(fixed);
  }

  // Learns the palette when there is none, after a cut, or when the shot has drifted away from it.
  void update(const cv::Mat& bgr, bool cut) {
    if (fixed_) return;
    if (!bgr_.empty() && !cut && drifted_ < 10) return;
    learn(bgr);
    drifted_ = 0;
    base_error_ = -1;
  }

  // Indices (CV_8U) of bgr's pixels; prev: last frame's indices at the same size, or empty.
  // bayer: ordered dithering anchored to the pixel grid.
  cv::Mat map(const cv::Mat& bgr, const cv::Mat& prev, bool bayer, float hysteresis) {
    static const int kBayer[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};
    cv::Mat idx(bgr.size(), CV_8U);
    const bool use_prev = !prev.empty() && prev.size() == bgr.size() && hysteresis > 0;
    double err_sum = 0;
    std::mutex mu;
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& r) {
      double local = 0;
      for (int y = r.start; y < r.end; ++y) {
        const uint8_t* p = bgr.ptr(y);
        const uint8_t* q = use_prev ? prev.ptr(y) : nullptr;
        uint8_t* o = idx.ptr(y);
        for (int x = 0; x < bgr.cols; ++x) {
          int b = p[3 * x], g = p[3 * x + 1], rr = p[3 * x + 2];
          if (bayer) {
            int d = int(std::lround((kBayer[y & 3][x & 3] + 0.5f) / 16 * spread_ - spread_ / 2));
            b = std::clamp(b + d, 0, 255), g = std::clamp(g + d, 0, 255), rr = std::clamp(rr + d, 0, 255);
          }
          int cell = (b >> 2) << 12 | (g >> 2) << 6 | (rr >> 2);
          int best = lut_[cell];
          const cv::Vec3f& c = cell_lab()[cell];
          float db = dist(c, lab_[best]);
          if (q && q[x] != best && q[x] < lab_.size()) {
            float dp = dist(c, lab_[q[x]]);
            if (std::sqrt(dp) - std::sqrt(db) < hysteresis) best = q[x], db = dp;
          }
          o[x] = uint8_t(best);
          local += std::sqrt(db);
        }
      }
      std::lock_guard<std::mutex> l(mu);
      err_sum += local;
    });
    double err = err_sum / double(bgr.total());
    if (base_error_ < 0) base_error_ = err;
    drifted_ = err > std::max(1.5 * base_error_, base_error_ + 6) ? drifted_ + 1 : 0;
    return idx;
  }

  cv::Mat colours(const cv::Mat& idx) const {
    cv::Mat out(idx.size(), CV_8UC3);
    for (int y = 0; y < idx.rows; ++y) {
      const uint8_t* i = idx.ptr(y);
      cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
      for (int x = 0; x < idx.cols; ++x) o[x] = bgr_[i[x]];
    }
    return out;
  }

  const std::vector<cv::Vec3b>& entries() const { return bgr_; }

 private:
  float dist(const cv::Vec3f& a, const cv::Vec3f& b) const {
    if (by_lightness_) return (a[0] - b[0]) * (a[0] - b[0]);
    cv::Vec3f d = a - b;
    return d.dot(d);
  }

  // CIELAB of the centre of every 6-bit BGR cell, computed once.
  static const std::vector<cv::Vec3f>& cell_lab() {
    static const std::vector<cv::Vec3f> t = [] {
      cv::Mat cells(512, 512, CV_32FC3);
      for (int i = 0; i < 64 * 64 * 64; ++i)
        cells.at<cv::Vec3f>(i / 512, i % 512) =
            cv::Vec3f(((i >> 12) * 4 + 2) / 255.f, (((i >> 6) & 63) * 4 + 2) / 255.f, ((i & 63) * 4 + 2) / 255.f);
      cv::Mat lab;
      cv::cvtColor(cells, lab, cv::COLOR_BGR2Lab);
      return std::vector<cv::Vec3f>(lab.begin<cv::Vec3f>(), lab.end<cv::Vec3f>());
    }();
    return t;
  }

  void set(std::vector<cv::Vec3b> bgr) {
    if (!fixed_ && saturation_ != 1) {
      cv::Mat m(1, int(bgr.size()), CV_8UC3, bgr.data());
      cv::Mat s = m.clone();
      saturate(s, saturation_);
      bgr.assign(s.begin<cv::Vec3b>(), s.end<cv::Vec3b>());
    }
    bgr_ = bgr;
    cv::Mat m(1, int(bgr.size()), CV_8UC3, bgr_.data()), f, lab;
    m.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    lab_.assign(lab.begin<cv::Vec3f>(), lab.end<cv::Vec3f>());
    if (by_lightness_) {
      // The palette's colours in order of lightness, spread evenly over the lightness scale.
      std::vector<int> order(lab_.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
      std::sort(order.begin(), order.end(), [&](int a, int b) { return lab_[a][0] < lab_[b][0]; });
      for (size_t r = 0; r < order.size(); ++r) lab_[order[r]][0] = float(100.0 * (r + 0.5) / order.size());
    }
    const auto& cells = cell_lab();
    lut_.resize(cells.size());
    cv::parallel_for_(cv::Range(0, int(cells.size())), [&](const cv::Range& r) {
      for (int i = r.start; i < r.end; ++i) {
        int best = 0;
        float bd = 1e30f;
        for (size_t k = 0; k < lab_.size(); ++k)
          if (float d = dist(cells[i], lab_[k]); d < bd) bd = d, best = int(k);
        lut_[i] = uint8_t(best);
      }
    });
    // Dither spread: the mean distance between neighbouring palette colours, per channel.
    double nn = 0;
    for (size_t i = 0; i < bgr_.size(); ++i) {
      double best = 1e30;
      for (size_t j = 0; j < bgr_.size(); ++j)
        if (i != j) best = std::min(best, cv::norm(cv::Vec3d(bgr_[i]) - cv::Vec3d(bgr_[j])));
      nn += best;
    }
    spread_ = float(nn / bgr_.size() / std::sqrt(3.0));
  }

  // k-means in CIELAB on (a sample of) the picture; deterministic (fixed seed), sorted by lightness.
  void learn(const cv::Mat& bgr) {
    cv::Mat f, lab;
    bgr.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    cv::Mat samples = lab.reshape(3, int(lab.total()));
    int step = std::max(1, int(samples.rows / 12000));
    cv::Mat pick(0, 1, CV_32FC3);
    for (int i = 0; i < samples.rows; i += step) pick.push_back(samples.row(i));
    pick = pick.reshape(1, pick.rows);
    int k = std::min(k_, pick.rows);
    cv::Mat labels, centres;
    cv::theRNG().state = 0x5eed;
    cv::kmeans(pick, k, labels, cv::TermCriteria(cv::TermCriteria::EPS | cv::TermCriteria::COUNT, 12, 0.5), 2,
               cv::KMEANS_PP_CENTERS, centres);
    std::vector<cv::Vec3f> c(k);
    for (int i = 0; i < k; ++i) c[i] = centres.at<cv::Vec3f>(i);
    std::sort(c.begin(), c.end(), [](auto& a, auto& b) { return a[0] < b[0]; });
    cv::Mat cl(1, k, CV_32FC3, c.data()), back;
    cv::cvtColor(cl, back, cv::COLOR_Lab2BGR);
    back.convertTo(back, CV_8UC3, 255.0);
    set(std::vector<cv::Vec3b>(back.begin<cv::Vec3b>(), back.end<cv::Vec3b>()));
  }

  bool fixed_, by_lightness_;
  int k_;
  float saturation_;
  std::vector<cv::Vec3b> bgr_;
  std::vector<cv::Vec3f> lab_;
  std::vector<uint8_t> lut_;
  float spread_ = 32;
  double base_error_ = -1;
  int drifted_ = 0;
};

// ---- the looks -------------------------------------------------------------------------------

class Look {
 public:
  virtual ~Look() = default;
  // The styled picture, at frame size or smaller (it is interpolated up). cut: a new shot.
  virtual cv::Mat run(const cv::Mat& bgr, bool cut) = 0;
  // True when the look stabilises itself (pixel art); the generic stabiliser is then skipped.
  virtual bool own_temporal() const { return false; }
};

// Pixel art: block means on a fixed grid, stabilised along the motion at block resolution, then
// mapped to the palette with hysteresis, and drawn as exact blocks.
class PixelLook : public Look {
 public:
  PixelLook(const StyleParams& p, float temporal) : p_(p), palette_(p.palette, p.colors, p.saturation, p.by_lightness), stab_(temporal, 30, 100000) {}
  bool own_temporal() const override { return true; }

  cv::Mat run(const cv::Mat& bgr, bool cut) override {
    const int S = p_.size, bw = (bgr.cols + S - 1) / S, bh = (bgr.rows + S - 1) / S;
    cv::Mat padded = bgr;
    if (bw * S != bgr.cols || bh * S != bgr.rows)
      cv::copyMakeBorder(bgr, padded, 0, bh * S - bgr.rows, 0, bw * S - bgr.cols, cv::BORDER_REPLICATE);
    cv::Mat small;
    cv::resize(padded, small, {bw, bh}, 0, 0, cv::INTER_AREA);
    Motion m = stab_.motion(gray_of(small));
    small = stab_.blend(small, m);
    if (m.first) prev_.release();
    palette_.update(small, cut || (m.first && m.error > 0));
    cv::Mat idx = palette_.map(small, prev_, p_.bayer, 6);
    prev_ = idx;
    cv::Mat colours = palette_.colours(idx), out(bgr.size(), CV_8UC3);
    cv::parallel_for_(cv::Range(0, out.rows), [&](const cv::Range& r) {
      for (int y = r.start; y < r.end; ++y) {
        const cv::Vec3b* c = colours.ptr<cv::Vec3b>(y / S);
        cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < out.cols; ++x) o[x] = c[x / S];
      }
    });
    return out;
  }

 private:
  StyleParams p_;
  Palette palette_;
  FlowStabilizer stab_;
  cv::Mat prev_;
};

// Cartoon: repeated small bilateral filters (flat regions, edges kept), palette quantisation,
// DoG ink lines; at the working size.
class CartoonLook : public Look {
 public:
  explicit CartoonLook(const StyleParams& p) : p_(p), palette_(p.palette, p.colors, p.saturation, p.by_lightness) {}

  cv::Mat run(const cv::Mat& bgr, bool cut) override {
    cv::Mat sm = smooth(shrink(bgr, work_size(bgr.size())), p_.radius);
    palette_.update(sm, cut);
    if (cut) prev_.release();
    cv::Mat idx = palette_.map(sm, prev_, false, 3);
    prev_ = idx;
    cv::Mat out = palette_.colours(idx);
    if (p_.lines > 0) darken(out, dog_lines(gray_of(sm), 1.0f, 3.0f), 0.9f * p_.lines);
    return out;
  }

  static cv::Mat smooth(const cv::Mat& img, float radius) {
    cv::Mat a = img.clone(), b;
    int passes = 2 + int(radius / 4);
    for (int i = 0; i < passes; ++i) {
      cv::bilateralFilter(a, b, 5, 28, std::max(1.f, radius));
      std::swap(a, b);
    }
    return a;
  }

 private:
  StyleParams p_;
  Palette palette_;
  cv::Mat prev_;
};

// A fixed palette on a painterly look is a gradient map: the palette sorted by lightness, spread
// over the luma range (dark pixels take the darkest colour, bright ones the brightest).
void gradient_map(cv::Mat& bgr, const std::vector<cv::Vec3b>& palette) {
  if (palette.empty()) return;
  std::vector<cv::Vec3b> p = palette;
  auto luma = [](const cv::Vec3b& c) { return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2]; };
  std::sort(p.begin(), p.end(), [&](auto& a, auto& b) { return luma(a) < luma(b); });
  cv::Mat lut(1, 256, CV_8UC3);
  for (int v = 0; v < 256; ++v) {
    double t = v / 255.0 * (p.size() - 1);
    int i = std::min(int(t), int(p.size()) - 2);
    double f = t - i;
    lut.at<cv::Vec3b>(v) = cv::Vec3b(cv::Vec3d(p[i]) * (1 - f) + cv::Vec3d(p[i + 1]) * f);
  }
  cv::Mat g = gray_of(bgr);
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* s = g.ptr(y);
    cv::Vec3b* o = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) o[x] = lut.at<cv::Vec3b>(s[x]);
  }
}

// Pencil: colour dodge of the luma by its blurred negative (the classic pencil-sketch blend),
// DoG lines, paper grain. Full resolution (pencil strokes are fine detail).
class SketchLook : public Look {
 public:
  explicit SketchLook(const StyleParams& p) : p_(p) {}

  cv::Mat run(const cv::Mat& bgr, bool) override {
    cv::Mat g = gray_of(bgr);
    cv::Size ws = work_size(bgr.size());
    cv::Mat gw = shrink(g, ws), inv, blur;
    cv::subtract(cv::Scalar(255), gw, inv);
    cv::GaussianBlur(inv, blur, {0, 0}, std::max(1.f, p_.radius));
    cv::resize(blur, blur, g.size(), 0, 0, cv::INTER_LINEAR);
    if (paper_.size() != g.size()) paper_ = paper(g.size(), 0.8, 7);
    cv::Mat lines;
    if (p_.lines > 0) cv::resize(dog_lines(gw, 1.0f, 1.5f), lines, g.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat out(g.size(), CV_8U);
    cv::parallel_for_(cv::Range(0, g.rows), [&](const cv::Range& r) {
      for (int y = r.start; y < r.end; ++y) {
        const uint8_t *a = g.ptr(y), *b = blur.ptr(y);
        const float* n = paper_.ptr<float>(y);
        const float* l = lines.empty() ? nullptr : lines.ptr<float>(y);
        uint8_t* o = out.ptr(y);
        for (int x = 0; x < g.cols; ++x) {
          float v = std::min(255.f, a[x] * 256.f / (256 - b[x]));
          if (l) v *= 1 - p_.lines * 0.8f * l[x];
          v *= 1 - p_.texture * 0.08f * (1.5f + n[x]) * (1 - v / 400);  // grain shows in the graphite more than on white
          o[x] = cv::saturate_cast<uint8_t>(v);
        }
      }
    });
    cv::Mat c;
    cv::cvtColor(out, c, cv::COLOR_GRAY2BGR);
    if (!p_.palette.empty()) gradient_map(c, p_.palette);
    return c;
  }

 private:
  StyleParams p_;
  cv::Mat paper_;
};

// Kuwahara filter: each pixel takes the mean colour of the least varied of the four quadrants
// around it (flat strokes that stop at edges), via box filters, at the working size.
cv::Mat kuwahara(const cv::Mat& bgr, int r) {
  if (r < 1) return bgr.clone();
  cv::Mat f, g, g2, mean, gm, g2m;
  bgr.convertTo(f, CV_32FC3);
  cv::cvtColor(f, g, cv::COLOR_BGR2GRAY);
  g2 = g.mul(g);
  cv::Size box(r + 1, r + 1);
  // A (r+1)-box centred at p - (r/2, r/2) is the quadrant above-left of p, and so on.
  cv::boxFilter(f, mean, -1, box, {-1, -1}, true, cv::BORDER_REFLECT);
  cv::boxFilter(g, gm, -1, box, {-1, -1}, true, cv::BORDER_REFLECT);
  cv::boxFilter(g2, g2m, -1, box, {-1, -1}, true, cv::BORDER_REFLECT);
  const int h = r / 2, h2 = r - h;
  const int dx[4] = {-h, h2, -h, h2}, dy[4] = {-h, -h, h2, h2};
  cv::Mat out(bgr.size(), CV_8UC3);
  cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& rr) {
    for (int y = rr.start; y < rr.end; ++y)
      for (int x = 0; x < bgr.cols; ++x) {
        float best = 1e30f;
        cv::Vec3f c;
        for (int q = 0; q < 4; ++q) {
          int qx = std::clamp(x + dx[q], 0, bgr.cols - 1), qy = std::clamp(y + dy[q], 0, bgr.rows - 1);
          float m = gm.at<float>(qy, qx), v = g2m.at<float>(qy, qx) - m * m;
          if (v < best) best = v, c = mean.at<cv::Vec3f>(qy, qx);
        }
        out.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uint8_t>(c[0]), cv::saturate_cast<uint8_t>(c[1]),
                                            cv::saturate_cast<uint8_t>(c[2]));
      }
  });
  return out;
}

// Relief of a fixed canvas/paper texture: multiplies the picture by 1 + k * shade.
void apply_grain(cv::Mat& bgr, const cv::Mat& shade, float k) {
  if (k <= 0) return;
  cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& r) {
    for (int y = r.start; y < r.end; ++y) {
      uint8_t* p = bgr.ptr(y);
      const float* s = shade.ptr<float>(y);
      for (int x = 0; x < bgr.cols; ++x)
        for (int c = 0; c < 3; ++c) p[3 * x + c] = cv::saturate_cast<uint8_t>(p[3 * x + c] * (1 + k * s[x]));
    }
  });
}

// Oil: Kuwahara strokes, a little more colour, canvas relief.
class OilLook : public Look {
 public:
  explicit OilLook(const StyleParams& p) : p_(p) {}

  cv::Mat run(const cv::Mat& bgr, bool) override {
    cv::Mat w = shrink(bgr, work_size(bgr.size()));
    // Two passes, the second finer: broad strokes, then their edges tidied.
    const int r = std::max(1, int(std::lround(p_.radius)));
    cv::Mat out = kuwahara(kuwahara(w, r), std::max(1, r / 2));
    gradient_map(out, p_.palette);
    saturate(out, p_.saturation);
    if (canvas_.size() != out.size()) {
      // Canvas weave: noise stretched along one direction, lit from the top left.
      cv::Mat n = paper(out.size(), 0.6, 11), sx, sy;
      cv::GaussianBlur(n, n, {0, 0}, 2.0, 0.5);
      cv::Sobel(n, sx, CV_32F, 1, 0);
      cv::Sobel(n, sy, CV_32F, 0, 1);
      canvas_ = -(sx + sy) * 0.25;
    }
    apply_grain(out, canvas_, 0.25f * p_.texture);
    return out;
  }

 private:
  StyleParams p_;
  cv::Mat canvas_;
};

// Watercolour: washes (bilateral smoothing and a small Kuwahara), pigment pooling at edges
// (darker where the wash changes), granulation on a fixed paper, and the white of the paper.
class WatercolorLook : public Look {
 public:
  explicit WatercolorLook(const StyleParams& p) : p_(p) {}

  cv::Mat run(const cv::Mat& bgr, bool) override {
    cv::Mat w = shrink(bgr, work_size(bgr.size()));
    cv::Mat wash = kuwahara(CartoonLook::smooth(w, p_.radius), 2);
    gradient_map(wash, p_.palette);
    saturate(wash, p_.saturation);
    if (paper_.size() != wash.size()) {
      cv::Mat fine = paper(wash.size(), 0.7, 3), coarse = paper(wash.size(), 6, 5);
      paper_ = 0.6 * fine + 0.4 * coarse;
    }
    cv::Mat g = gray_of(wash), gx, gy, edge;
    cv::Sobel(g, gx, CV_32F, 1, 0);
    cv::Sobel(g, gy, CV_32F, 0, 1);
    cv::magnitude(gx, gy, edge);
    cv::GaussianBlur(edge, edge, {0, 0}, 1.0);
    edge = cv::min(edge / 120, 1);
    cv::Mat out(wash.size(), CV_8UC3);
    const float lines = p_.lines, tex = p_.texture;
    cv::parallel_for_(cv::Range(0, wash.rows), [&](const cv::Range& r) {
      for (int y = r.start; y < r.end; ++y) {
        const uint8_t* s = wash.ptr(y);
        const float *e = edge.ptr<float>(y), *n = paper_.ptr<float>(y);
        uint8_t* o = out.ptr(y);
        for (int x = 0; x < wash.cols; ++x) {
          // Pigment density (255 - value): thinned towards the paper, thicker at the wash's edges
          // and where the paper's grain catches it.
          float k = 0.82f * (1 + lines * 0.9f * e[x]) * (1 + tex * 0.12f * n[x]);
          for (int c = 0; c < 3; ++c) o[3 * x + c] = cv::saturate_cast<uint8_t>(255 - (255 - s[3 * x + c]) * k);
        }
      }
    });
    return out;
  }

 private:
  StyleParams p_;
  cv::Mat paper_;
};

// The colours and tone of a reference image: the lightness distribution matched to the
// reference's (histogram matching) and the colour axes' means and spreads matched (Reinhard et
// al.'s transfer in CIELAB), both through 256-entry tables. The frame's statistics are averaged
// over time (reset at cuts) so a person walking through does not re-grade every frame.
class RefLook : public Look {
 public:
  RefLook(const std::string& path, float saturation) : saturation_(saturation) {
    if (!std::ifstream(path)) fail("restyle: ref={}: cannot read it as an image (no such file, or not readable)", path);
    cv::Mat ref = cv::imread(path, cv::IMREAD_COLOR);
    if (ref.empty()) fail("restyle: ref={}: cannot read it as an image", path);
    cv::Mat lab = shrink_lab(ref);
    stats(lab, ref_hist_, ref_mean_, ref_sd_);
  }

  cv::Mat run(const cv::Mat& bgr, bool cut) override {
    cv::Mat lab;
    cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
    std::array<double, 256> hist;
    cv::Vec2d mean, sd;
    stats(shrink_lab(bgr), hist, mean, sd);
    const double a = have_ && !cut ? 0.1 : 1;  // ~10-frame memory
    for (int i = 0; i < 256; ++i) hist_[i] = (1 - a) * hist_[i] + a * hist[i];
    mean_ = (1 - a) * mean_ + a * mean, sd_ = (1 - a) * sd_ + a * sd;
    have_ = true;
    // Lightness: the frame's CDF onto the reference's.
    cv::Mat lut(1, 256, CV_8UC3);
    std::array<double, 256> cf{}, cr{};
    double sf = 0, sr = 0;
    for (int i = 0; i < 256; ++i) cf[i] = sf += hist_[i], cr[i] = sr += ref_hist_[i];
    int j = 0;
    for (int i = 0; i < 256; ++i) {
      while (j < 255 && cr[j] / sr < cf[i] / sf) ++j;
      lut.at<cv::Vec3b>(i)[0] = uint8_t(j);
    }
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 256; ++i) {
        double v = (i - mean_[c]) * (ref_sd_[c] / std::max(sd_[c], 1.0)) * saturation_ + ref_mean_[c];
        lut.at<cv::Vec3b>(i)[c + 1] = cv::saturate_cast<uint8_t>(v);
      }
    cv::LUT(lab, lut, lab);
    cv::Mat out;
    cv::cvtColor(lab, out, cv::COLOR_Lab2BGR);
    return out;
  }

 private:
  static cv::Mat shrink_lab(const cv::Mat& bgr) {
    cv::Mat s = bgr, lab;
    if (bgr.cols > 320) cv::resize(bgr, s, {320, std::max(1, bgr.rows * 320 / bgr.cols)}, 0, 0, cv::INTER_AREA);
    cv::cvtColor(s, lab, cv::COLOR_BGR2Lab);
    return lab;
  }
  static void stats(const cv::Mat& lab, std::array<double, 256>& hist, cv::Vec2d& mean, cv::Vec2d& sd) {
    hist.fill(0);
    for (auto it = lab.begin<cv::Vec3b>(); it != lab.end<cv::Vec3b>(); ++it) hist[(*it)[0]] += 1;
    cv::Scalar m, s;
    cv::meanStdDev(lab, m, s);
    mean = {m[1], m[2]}, sd = {s[1], s[2]};
  }

  float saturation_;
  std::array<double, 256> ref_hist_{}, hist_{};
  cv::Vec2d ref_mean_, ref_sd_, mean_, sd_;
  bool have_ = false;
};

// A style-transfer network from the manifest, run on the whole frame through the model core.
class ModelLook : public Look {
 public:
  explicit ModelLook(std::string name) : name_(std::move(name)) {
    const auto& m = find_model(name_);
    if (m.task != "style-transfer") fail("restyle: model={} is a {} model, not style-transfer", name_, m.task);
    require_model(name_);
  }

  cv::Mat run(const cv::Mat& bgr, bool) override { return output_picture(run_model(name_, bgr), name_); }

 private:
  std::string name_;
};

// ---- the filter ------------------------------------------------------------------------------

class Restyle : public Filter {
 public:
  explicit Restyle(const OptionValues& o) : strength_(float(o.f("strength"))), temporal_(float(o.f("temporal"))), stab_(temporal_) {
    ref_ = o.s("ref");
    model_ = o.s("model");
    if (!ref_.empty() && !model_.empty()) fail("restyle: ref= and model= are two different looks; give one");
    if ((!ref_.empty() || !model_.empty()) && o.was_set("style"))
      fail("restyle: style={} and {}= are two different looks; give one", o.s("style"), ref_.empty() ? "model" : "ref");
    if (!model_.empty()) {
      look_ = std::make_unique<ModelLook>(model_);  // checks the manifest and the file now, before any frame
      return;
    }
    params_ = find_style(o.s("style"));
    if (o.i("size") > 0) params_.size = int(o.i("size"));
    if (o.i("size") == 0 || o.i("size") == 1) fail("restyle: size={} is too small; blocks are at least 2 pixels", o.i("size"));
    if (o.i("colors") > 0) params_.colors = int(o.i("colors"));
    if (o.i("colors") == 0 || o.i("colors") == 1) fail("restyle: colors={}: a palette needs at least 2 colours", o.i("colors"));
    if (o.i("dither") > 0) params_.bayer = o.i("dither") == 2;
    if (!o.s("palette").empty()) {
      std::vector<std::string> cs;
      std::string s = o.s("palette");
      for (size_t a = 0;;) {
        size_t b = s.find('|', a);
        cs.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
        if (b == std::string::npos) break;
        a = b + 1;
      }
      params_.palette = parse_palette(cs, "restyle: palette");
    }
    if (o.f("lines") >= 0) params_.lines = float(o.f("lines"));
    if (o.f("radius") >= 0) params_.radius = float(o.f("radius"));
    if (o.f("texture") >= 0) params_.texture = float(o.f("texture"));
    if (o.f("saturation") >= 0) params_.saturation = float(o.f("saturation"));
    if (!params_.palette.empty() && o.i("colors") > 0 && size_t(o.i("colors")) != params_.palette.size())
      fail("restyle: colors={} but the palette has {} colours; give one or the other", o.i("colors"), params_.palette.size());
    if (!ref_.empty()) look_ = std::make_unique<RefLook>(ref_, params_.saturation);  // reads the image now: a bad path fails before any frame
  }

  ~Restyle() override {
    if (frames_ && cuts_) av_log(nullptr, AV_LOG_VERBOSE, "restyle: %d cuts in %lld frames (stabilisation restarted)\n", cuts_, (long long)frames_);
  }

  // Planar YUV in, the same out: the look works in BGR, converted here with the frame's own
  // matrix and range so the output keeps the input's format and colour tags.
  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P,  AV_PIX_FMT_YUV422P,  AV_PIX_FMT_YUV444P,  AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P,
            AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};  // alpha passes through
  }

  StreamInfo configure(const StreamInfo& in) override {
    if (!look_) {
      if (params_.method == "pixel") look_ = std::make_unique<PixelLook>(params_, temporal_);
      else if (params_.method == "cartoon") look_ = std::make_unique<CartoonLook>(params_);
      else if (params_.method == "sketch") look_ = std::make_unique<SketchLook>(params_);
      else if (params_.method == "oil") look_ = std::make_unique<OilLook>(params_);
      else look_ = std::make_unique<WatercolorLook>(params_);
    }
    return in;
  }

  // Frame N is styled on a worker thread while frame N-1 is stabilised, blended and encoded here.
  int window() const override { return 1; }
  // temporal=0: each frame styled on its own, its palette learned from itself.
  bool stateless() const override { return temporal_ == 0; }

  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    if (strength_ == 0) {  // none of the look: the frame itself, bit for bit (no BGR round trip)
      emit(std::move(in));
      return;
    }
    pipe_.push(std::move(in));
  }

  void flush(const Emit& emit) override {
    emit_ = &emit;
    pipe_.flush();
  }

 private:
  struct Result {
    cv::Mat bgr, styled;
    Motion motion;
  };

  bool stabilise() const { return temporal_ > 0 && !look_->own_temporal(); }

  void analyse(Frame& f, Result& r) {
    r.bgr = to_bgr_.to_bgr(f);
    const cv::Mat& bgr = r.bgr;
    bool cut = false;
    if (stabilise()) {
      r.motion = stab_.motion(gray_of(bgr));
      cut = r.motion.first && analysed_ > 0;
      if (cut) ++cuts_;
    }
    // temporal=0 is the look applied to each frame on its own (a palette learned per frame too).
    if (temporal_ == 0) cut = true;
    ++analysed_;
    r.styled = look_->run(bgr, cut);
  }

  void finish(Frame& in, Result& r) {
    cv::Mat styled = stabilise() ? stab_.blend(r.styled, r.motion) : r.styled;
    cv::Mat picture;
    if (styled.size() != r.bgr.size()) cv::resize(styled, picture, r.bgr.size(), 0, 0, cv::INTER_LINEAR);
    else picture = styled;
    if (strength_ < 1) {
      cv::Mat mixed;  // new memory: `picture` may be the stabiliser's kept output
      cv::addWeighted(picture, strength_, r.bgr, 1 - strength_, 0, mixed);
      picture = mixed;
    }
    Frame out = Frame::alloc(in.width(), in.height(), in.format());
    out.copy_props_from(in);
    from_bgr_.from_bgr(picture, out);
    if (cv::Mat a = out.alpha(); !a.empty()) in.alpha().copyTo(a);
    ++frames_;
    (*emit_)(std::move(out));
  }

  float strength_, temporal_;
  std::string ref_, model_;
  StyleParams params_;
  std::unique_ptr<Look> look_;
  FlowStabilizer stab_;
  BgrConverter to_bgr_, from_bgr_;  // one per thread (worker, this one)
  int64_t frames_ = 0, analysed_ = 0;
  int cuts_ = 0;
  const Emit* emit_ = nullptr;
  // last: its worker is joined before the look and the stabiliser it uses are destroyed
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { analyse(f, r); }, [this](Frame& f, Result& r) { finish(f, r); }};
};

}  // namespace

extern const FilterDesc restyle_filter = {
    "restyle", "Give the whole video another look (pixel art, cartoon, sketch, oil, watercolour, a reference's colours) without flicker.",
    options, [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Restyle>(o); },
    "Looks are classical image methods, not neural style transfer: block means and a palette (pixel), edge-\n"
    "preserving smoothing, colour quantisation and ink lines (cartoon), colour dodge (sketch), Kuwahara strokes\n"
    "(oil), washes with pigment at the edges (watercolor). Named styles are parameter sets in presets/styles.toml:\n"
    "pixel, pixel-bayer, gameboy, pico8, cartoon, comic, sketch, oil, watercolor, scream; add your own in\n"
    "$OMNI_STYLES or ~/.config/omni/styles.toml. ref=IMAGE takes on the image's colour palette and tone (not its\n"
    "brushwork); model=NAME runs a style-transfer network (TorchScript or ONNX) named in the model manifest.\n"
    "temporal carries the previous styled frame along the input's optical flow and keeps it where the flow is\n"
    "consistent, so still parts stay still and moving ones follow; it restarts at cuts. Pixel art stabilises its\n"
    "block colours before the palette and keeps a block's colour unless another is clearly closer.\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit). An alpha plane passes through."};

}  // namespace omni

// Weather and atmosphere (see particles.h).
#include "core/image/particles.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "core/error.h"

namespace omni {

namespace {

const std::vector<std::string> kKinds = {"snow", "rain", "leaves", "petals", "embers", "fog", "haze"};

// splitmix64: the same numbers on every machine and standard library.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double range(double a, double b) { return a + (b - a) * uniform(); }
};

// What a kind looks like, at 720 lines (sizes scale with the picture's height).
struct Look {
  double per_mpx;        // particles per million pixels (density 1)
  double size;           // near layer: radius (snow, embers), length (rain), half-length (leaves, petals)
  double fall;           // picture heights per second (negative: rises)
  double sway;           // sideways swing, picture widths
  double alpha;          // near layer's opacity
  std::vector<cv::Scalar> colours;  // RGB
};

Look look_of(const std::string& k) {
  if (k == "snow") return {500, 3.2, 0.16, 0.012, 0.9, {{250, 250, 255}}};
  if (k == "rain") return {900, 40, 1.6, 0.0, 0.35, {{200, 210, 225}}};
  if (k == "leaves") return {45, 12, 0.12, 0.05, 0.95, {{196, 98, 16}, {150, 70, 20}, {214, 160, 40}, {120, 40, 20}}};
  if (k == "petals") return {70, 7, 0.08, 0.04, 0.9, {{250, 190, 210}, {255, 225, 235}, {240, 160, 190}}};
  if (k == "embers") return {160, 2.2, -0.14, 0.02, 0.95, {{255, 150, 40}, {255, 200, 80}, {255, 100, 20}}};
  return {0, 0, 0, 0, 0, {}};
}

struct Particle {
  double x, y;        // picture widths / heights
  int layer;          // 0 near, 1 middle, 2 far
  double phase, freq, spin, angle;
  int colour;
};

constexpr double kLayerScale[3] = {1.0, 0.62, 0.38};

}  // namespace

const std::vector<std::string>& weather_kinds() { return kKinds; }

struct Weather::State {
  WeatherOptions o;
  Look look;
  Rng rng{1};
  std::vector<Particle> ps;
  int w = 0, h = 0;
  double t = 0;
  cv::Mat noise;  // fog: a small random field, drifting with the wind
};

Weather::Weather(WeatherOptions o) : s_(std::make_unique<State>()) {
  if (std::find(kKinds.begin(), kKinds.end(), o.kind) == kKinds.end())
    fail("no weather '{}'{}; weathers: {}", o.kind, did_you_mean(o.kind, kKinds), fmt::join(kKinds, ", "));
  s_->o = o;
  s_->look = look_of(o.kind);
  s_->rng = Rng{o.seed * 0x2545F4914F6CDD1Dull + 1};
}
Weather::~Weather() = default;

// Alpha-blend a colour canvas (YUV, full resolution, CV_8U planes) into the frame's planes.
static void blend(Frame& f, const cv::Mat& Y, const cv::Mat& U, const cv::Mat& V, const cv::Mat& A) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
  for (int p = 0; p < 3; ++p) {
    cv::Mat dst = f.mat(p), src = p == 0 ? Y : p == 1 ? U : V, a = A;
    if (p > 0 && (d->log2_chroma_w || d->log2_chroma_h)) {
      // Premultiplied, averaged down to the chroma grid.
      cv::Mat pm, af;
      src.convertTo(pm, CV_32F);
      A.convertTo(af, CV_32F, 1 / 255.0);
      pm = pm.mul(af);
      cv::resize(pm, pm, dst.size(), 0, 0, cv::INTER_AREA);
      cv::resize(af, af, dst.size(), 0, 0, cv::INTER_AREA);
      for (int y = 0; y < dst.rows; ++y) {
        uint8_t* q = dst.ptr<uint8_t>(y);
        const float *s = pm.ptr<float>(y), *k = af.ptr<float>(y);
        for (int x = 0; x < dst.cols; ++x)
          if (k[x] > 0) q[x] = cv::saturate_cast<uint8_t>(float(q[x]) * (1 - k[x]) + s[x]);
      }
      continue;
    }
    for (int y = 0; y < dst.rows; ++y) {
      uint8_t* q = dst.ptr<uint8_t>(y);
      const uint8_t *s = src.ptr<uint8_t>(y), *k = a.ptr<uint8_t>(y);
      for (int x = 0; x < dst.cols; ++x)
        if (k[x]) q[x] = uint8_t((q[x] * (255 - k[x]) + s[x] * k[x] + 127) / 255);
    }
  }
}

// RGB (0..255) to the frame's Y, U, V (matrix and range as tagged).
static cv::Scalar yuv_of(const Frame& f, const cv::Scalar& rgb) {
  double kr = 0.299, kb = 0.114;
  if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
  else if (f.av()->colorspace == AVCOL_SPC_BT2020_NCL || f.av()->colorspace == AVCOL_SPC_BT2020_CL) kr = 0.2627, kb = 0.0593;
  double r = rgb[0] / 255, g = rgb[1] / 255, b = rgb[2] / 255;
  double y = kr * r + (1 - kr - kb) * g + kb * b, u = (b - y) / (2 * (1 - kb)), v = (r - y) / (2 * (1 - kr));
  bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
  return {full ? y * 255 : 16 + y * 219, 128 + u * (full ? 255 : 224), 128 + v * (full ? 255 : 224)};
}

void Weather::draw(Frame& f, double dt, const cv::Mat& people) {
  State& s = *s_;
  const int W = f.width(), H = f.height();
  const double px = H / 720.0;  // the looks are for 720 lines
  if (s.w != W || s.h != H) {
    s.w = W, s.h = H;
    s.ps.clear();
    int n = int(std::lround(s.look.per_mpx * s.o.density * W * H / 1e6));
    for (int i = 0; i < n; ++i) {
      Particle p;
      p.x = s.rng.uniform(), p.y = s.rng.uniform();
      double r = s.rng.uniform();
      p.layer = r < 0.25 ? 0 : r < 0.6 ? 1 : 2;  // more far ones than near
      p.phase = s.rng.range(0, 2 * M_PI), p.freq = s.rng.range(0.3, 0.9), p.spin = s.rng.range(-3, 3), p.angle = s.rng.range(0, M_PI);
      p.colour = s.look.colours.empty() ? 0 : int(s.rng.uniform() * double(s.look.colours.size())) % int(s.look.colours.size());
      s.ps.push_back(p);
    }
    if (s.o.kind == "fog" || s.o.kind == "haze") {
      s.noise.create(24, 24 * std::max(1, W / std::max(1, H)) + 8, CV_32F);
      for (int y = 0; y < s.noise.rows; ++y)
        for (int x = 0; x < s.noise.cols; ++x) s.noise.at<float>(y, x) = float(s.rng.uniform());
      cv::GaussianBlur(s.noise, s.noise, {0, 0}, 2.0, 2.0, cv::BORDER_REFLECT_101);
      cv::normalize(s.noise, s.noise, 0, 1, cv::NORM_MINMAX);
    }
  }
  s.t += dt;
  const cv::Size size(W, H);
  if (s.o.kind == "fog" || s.o.kind == "haze") {
    // Thicker toward the top; a slow drifting texture so it is not a flat gradient.
    const bool fog = s.o.kind == "fog";
    const double strength = std::min(0.95, (fog ? 0.6 : 0.32) * s.o.density);
    cv::Mat small(std::max(2, H / 8), std::max(2, W / 8), CV_32F);
    double drift = s.t * (s.o.wind + 0.01) * s.noise.cols;
    for (int y = 0; y < small.rows; ++y) {
      double depth = std::pow(1.0 - double(y) / small.rows, fog ? 1.2 : 1.8);
      for (int x = 0; x < small.cols; ++x) {
        double nx = std::fmod(double(x) / small.cols * (s.noise.cols - 1) + drift, double(s.noise.cols - 1));
        if (nx < 0) nx += s.noise.cols - 1;
        float n = s.noise.at<float>(int(double(y) / small.rows * (s.noise.rows - 1)), int(nx));
        small.at<float>(y, x) = float(strength * depth * (0.75 + 0.25 * n) * 255);
      }
    }
    cv::Mat A;
    cv::resize(small, A, size, 0, 0, cv::INTER_LINEAR);
    A.convertTo(A, CV_8U);
    cv::Scalar c = yuv_of(f, fog ? cv::Scalar(215, 218, 222) : cv::Scalar(235, 222, 196));
    blend(f, cv::Mat(size, CV_8U, cv::Scalar(c[0])), cv::Mat(size, CV_8U, cv::Scalar(c[1])), cv::Mat(size, CV_8U, cv::Scalar(c[2])), A);
    return;
  }
  // Move.
  const Look& L = s.look;
  const double wind = s.o.wind, fall = L.fall * s.o.speed;
  for (Particle& p : s.ps) {
    double k = kLayerScale[p.layer];
    p.y += fall * k * dt;
    p.x += (wind * k + L.sway * 2 * M_PI * p.freq * std::cos(p.phase + 2 * M_PI * p.freq * s.t) * k) * dt;
    p.angle += p.spin * dt;
    // Off the picture: back in at the other side (same column drift, so the density stays even).
    if (p.y > 1.05) p.y -= 1.1;
    if (p.y < -0.05) p.y += 1.1;
    if (p.x > 1.05) p.x -= 1.1;
    if (p.x < -0.05) p.x += 1.1;
  }
  // Draw the layers behind people, hide them where people are, then the layers in front. A
  // one-colour kind has a plain colour canvas; others draw each particle's colour.
  const bool multi = L.colours.size() > 1;
  const cv::Scalar one = yuv_of(f, L.colours[0]);
  for (int pass = 0; pass < 2; ++pass) {
    const bool front = pass == 1;
    cv::Mat Y(size, CV_8U, cv::Scalar(one[0])), U(size, CV_8U, cv::Scalar(one[1])), V(size, CV_8U, cv::Scalar(one[2])),
        A(size, CV_8U, cv::Scalar(0));
    bool any = false;
    for (const Particle& p : s.ps) {
      if ((p.layer < s.o.in_front) != front) continue;
      any = true;
      double k = kLayerScale[p.layer];
      cv::Scalar yuv = yuv_of(f, L.colours[size_t(p.colour)]);
      double a = L.alpha * (0.55 + 0.45 * k) * 255;
      if (s.o.kind == "embers") a *= 0.7 + 0.3 * std::sin(p.phase + 9 * s.t);  // flicker
      cv::Point2d c(p.x * W, p.y * H);
      // Sub-pixel positions (shift 4) so slow particles move smoothly.
      auto P = [](cv::Point2d q) { return cv::Point(int(std::lround(q.x * 16)), int(std::lround(q.y * 16))); };
      // The colour drawn a pixel larger and hard-edged, the alpha antialiased: an edge pixel
      // then has the particle's colour at partial alpha, not a mix with the empty canvas.
      auto put = [&](auto&& shape) {
        if (multi) {
          shape(Y, cv::Scalar(yuv[0]), 16, cv::LINE_8);
          shape(U, cv::Scalar(yuv[1]), 16, cv::LINE_8);
          shape(V, cv::Scalar(yuv[2]), 16, cv::LINE_8);
        }
        shape(A, cv::Scalar(a), 0, cv::LINE_AA);
      };
      if (s.o.kind == "rain") {
        double len = L.size * px * k, vx = wind * k * W, vy = fall * k * H;
        double n = std::max(1e-6, std::hypot(vx, vy));
        cv::Point2d e = c + cv::Point2d(vx / n * len, vy / n * len);
        int th = std::max(1, int(std::lround(1.5 * px * k)));
        put([&](cv::Mat& m, cv::Scalar v, int grow, int lt) { cv::line(m, P(c), P(e), v, th + grow / 8, lt, 4); });
      } else if (s.o.kind == "leaves" || s.o.kind == "petals") {
        double r = L.size * px * k;
        cv::Size2d ax(r, r * (0.35 + 0.25 * std::abs(std::sin(p.angle * 0.7))));  // turning in 3-D: its width breathes
        put([&](cv::Mat& m, cv::Scalar v, int grow, int lt) {
          cv::ellipse(m, P(c), cv::Size(int(ax.width * 16) + grow, int(std::max(1.0, ax.height * 16)) + grow), p.angle * 180 / M_PI, 0, 360, v, -1,
                      lt, 4);
        });
      } else {  // snow, embers: round
        double r = std::max(0.6, L.size * px * k);
        put([&](cv::Mat& m, cv::Scalar v, int grow, int lt) { cv::circle(m, P(c), int(std::lround(r * 16)) + grow, v, -1, lt, 4); });
      }
    }
    if (!any) continue;
    if (!multi) cv::GaussianBlur(A, A, {0, 0}, 0.6 * px);  // flakes and drops are soft
    if (!front && !people.empty()) {
      cv::Mat pr;
      cv::resize(people, pr, size, 0, 0, cv::INTER_LINEAR);
      cv::Mat keep = 1 - cv::min(cv::max(pr, 0), 1), af;
      A.convertTo(af, CV_32F);
      af = af.mul(keep);
      af.convertTo(A, CV_8U);
    }
    blend(f, Y, U, V, A);
  }
}

}  // namespace omni

// Named colour grades (see grade.h).
#include "core/image/grade.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <opencv2/imgproc.hpp>
#include <toml++/toml.h>

extern "C" {
#include <libavutil/parseutils.h>
}

#include "core/error.h"
#include "core/presets.h"

namespace omni {

extern const char* const kEmbeddedGrades;

namespace {

void read_grades(const std::string& text, const std::string& where, std::vector<Grade>& out) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    fail("grades {}: {} (line {})", where, e.description(), e.source().begin.line);
  }
  for (auto& [key, node] : t) {
    const toml::table* m = node.as_table();
    if (!m) continue;
    Grade g;
    g.name = std::string(key.str());
    std::string w = fmt::format("grades {}: [{}]", where, g.name);
    g.kind = (*m)["kind"].value<std::string>().value_or("");
    if (g.kind != "season" && g.kind != "time") fail("{}: kind = '{}' is not season or time", w, g.kind);
    auto num = [&](const toml::table& tb, const char* k, float& v, double lo, double hi, const std::string& at) {
      if (auto x = tb[k].value<double>()) {
        if (!(*x >= lo && *x <= hi)) fail("{}: {} = {} is out of range [{}, {}]", at, k, *x, lo, hi);
        v = float(*x);
      }
    };
    num(*m, "lift", g.lift, 0, 0.5, w), num(*m, "gain", g.gain, 0.1, 2, w), num(*m, "gamma", g.gamma, 0.2, 5, w);
    num(*m, "contrast", g.contrast, 0.2, 3, w), num(*m, "saturation", g.saturation, 0, 3, w);
    num(*m, "temperature", g.temperature, -1, 1, w), num(*m, "tint", g.tint, -1, 1, w), num(*m, "vignette", g.vignette, 0, 1, w);
    num(*m, "whiten", g.whiten, 0, 1, w), num(*m, "snow", g.snow, 0, 10, w);
    if (auto a = (*m)["turns"].as_array()) {
      for (auto& e : *a) {
        const toml::table* tt = e.as_table();
        if (!tt) fail("{}: turns: each turn is {{ from = ..., to = ..., tolerance = ..., amount = ... }}", w);
        HueTurn h;
        for (auto [k, rgb] : {std::pair<const char*, uint8_t*>{"from", h.from}, {"to", h.to}}) {
          std::string c = (*tt)[k].value<std::string>().value_or("");
          uint8_t rgba[4];
          if (av_parse_color(rgba, c.c_str(), -1, nullptr) < 0) fail("{}: turns: {} = '{}' is not a colour", w, k, c);
          std::copy(rgba, rgba + 3, rgb);
        }
        float tol = 25;
        num(*tt, "tolerance", tol, 1, 180, w + " turns"), num(*tt, "amount", h.amount, 0, 1, w + " turns");
        h.tolerance = tol * float(M_PI / 180);
        g.turns.push_back(h);
      }
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const Grade& o) { return o.name == g.name; });
    if (same != out.end()) *same = g;
    else out.push_back(g);
  }
}

}  // namespace

const std::vector<Grade>& grades() {
  static const std::vector<Grade> all = [] {
    std::vector<Grade> v;
    for (const PresetLayer& l : preset_layers(kEmbeddedGrades, "grades.toml", "OMNI_GRADES")) read_grades(l.text, l.where, v);
    return v;
  }();
  return all;
}

std::vector<std::string> grade_names(const std::string& kind) {
  std::vector<std::string> names;
  for (const Grade& g : grades())
    if (g.kind == kind) names.push_back(g.name);
  return names;
}

const Grade& find_grade(const std::string& kind, const std::string& name, const std::string& who) {
  for (const Grade& g : grades())
    if (g.kind == kind && g.name == name) return g;
  std::vector<std::string> names = grade_names(kind);
  fail("{}: {}={}: not a {}{}; {}s: {}", who, kind, name, kind, did_you_mean(name, names), kind, fmt::join(names, ", "));
}

void apply_grade(Frame& f, const Grade& g, float amount, const cv::Mat& ground) {
  // Hues first, while the colours are the scene's own.
  for (HueTurn t : g.turns) {
    t.amount *= amount;
    turn_hue(f, t, cv::Mat());
  }
  const bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
  const float y0 = full ? 0.f : 16.f, ys = full ? 255.f : 219.f;
  // Luma's curve as a table, and the ratio it applies at each level (colour follows luma).
  uint8_t lut[256];
  float ratio[256], level[256];
  for (int v = 0; v < 256; ++v) {
    float x = std::clamp((float(v) - y0) / ys, 0.f, 1.f);
    float c = g.lift + (g.gain - g.lift) * std::pow(x, g.gamma);
    c = 0.5f + (c - 0.5f) * g.contrast;
    c = x + amount * (c - x);
    c = std::clamp(c, 0.f, 1.f);
    lut[v] = cv::saturate_cast<uint8_t>(y0 + c * ys);
    ratio[v] = std::clamp((c + 0.02f) / (x + 0.02f), 0.f, 2.f);
    level[v] = c;
  }
  cv::Mat Y = f.mat(0), U = f.mat(1), V = f.mat(2);
  cv::Mat Yc;  // luma at the chroma planes' size, before the curve
  if (Y.size() == U.size()) Yc = Y.clone();
  else cv::resize(Y, Yc, U.size(), 0, 0, cv::INTER_AREA);
  cv::Mat wy, wc;  // whitening weight at luma and chroma sizes
  const float whiten = amount * g.whiten;
  if (whiten > 0 && !ground.empty()) {
    cv::resize(ground, wy, Y.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(ground, wc, U.size(), 0, 0, cv::INTER_LINEAR);
  }
  // Vignette: a gain falling toward the corners, one per row and column distance.
  auto vig = [&](int x, int y, int w, int h) {
    if (g.vignette <= 0) return 1.f;
    float dx = (float(x) + 0.5f) / float(w) * 2 - 1, dy = (float(y) + 0.5f) / float(h) * 2 - 1;
    return 1 - 0.6f * amount * g.vignette * (dx * dx + dy * dy) / 2;
  };
  const float snow_y = y0 + 0.92f * ys;
  for (int y = 0; y < Y.rows; ++y) {
    uint8_t* p = Y.ptr<uint8_t>(y);
    const float* wr = wy.empty() ? nullptr : wy.ptr<float>(y);
    for (int x = 0; x < Y.cols; ++x) {
      float v = lut[p[x]] * vig(x, y, Y.cols, Y.rows);
      if (wr && wr[x] > 0.01f) v += whiten * wr[x] * 0.75f * (snow_y - v);
      p[x] = cv::saturate_cast<uint8_t>(v);
    }
  }
  // Chroma: scaled by saturation and by luma's own change, then warmed or cooled (more in the
  // light parts: blacks stay neutral), then whitened where the ground is.
  const float sat = 1 + amount * (g.saturation - 1);
  const float du = amount * (-20 * g.temperature + 12 * g.tint), dv = amount * (20 * g.temperature + 12 * g.tint);
  for (int y = 0; y < U.rows; ++y) {
    uint8_t *u = U.ptr<uint8_t>(y), *v = V.ptr<uint8_t>(y);
    const uint8_t* l = Yc.ptr<uint8_t>(y);
    const float* wr = wc.empty() ? nullptr : wc.ptr<float>(y);
    for (int x = 0; x < U.cols; ++x) {
      float k = sat * ratio[l[x]] * vig(x, y, U.cols, U.rows), light = std::min(1.f, 2 * level[l[x]]);
      float cu = (float(u[x]) - 128) * k + du * light, cv_ = (float(v[x]) - 128) * k + dv * light;
      if (wr && wr[x] > 0.01f) cu *= 1 - 0.85f * whiten * wr[x], cv_ *= 1 - 0.85f * whiten * wr[x];
      u[x] = cv::saturate_cast<uint8_t>(128 + cu);
      v[x] = cv::saturate_cast<uint8_t>(128 + cv_);
    }
  }
}

}  // namespace omni

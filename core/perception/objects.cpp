// core/perception: objects by name (the class table) and the object detector (NanoDet).
#include "core/perception/objects.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <toml++/toml.h>

#include "core/error.h"
#include "core/perception/internal.h"
#include "core/perception/models.h"

namespace omni {

extern const char* const kEmbeddedObjects;

static std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::vector<ObjectClass>& object_classes() {
  static const std::vector<ObjectClass> classes = [] {
    toml::table t;
    try {
      t = toml::parse(std::string(kEmbeddedObjects), std::string("presets/objects.toml"));
    } catch (const toml::parse_error& e) {
      fail("presets/objects.toml: {} (line {})", e.description(), e.source().begin.line);
    }
    std::vector<ObjectClass> out;
    if (auto* arr = t["class"].as_array())
      for (auto& n : *arr) {
        const toml::table* c = n.as_table();
        if (!c) continue;
        ObjectClass oc;
        oc.id = int(out.size());
        oc.en = (*c)["en"].value<std::string>().value_or("");
        oc.zh = (*c)["zh"].value<std::string>().value_or("");
        if (auto* a = (*c)["aliases"].as_array())
          for (auto& x : *a) oc.aliases.push_back(x.value<std::string>().value_or(""));
        out.push_back(std::move(oc));
      }
    return out;
  }();
  return classes;
}

int find_object_class(const std::string& name) {
  std::string n = lower(name);
  for (const auto& c : object_classes()) {
    if (lower(c.en) == n || c.zh == name) return c.id;
    for (const auto& a : c.aliases)
      if (lower(a) == n) return c.id;
  }
  return -1;
}

int object_class(const std::string& name) {
  int id = find_object_class(name);
  if (id >= 0) return id;
  std::vector<std::string> names;
  for (const auto& c : object_classes()) {
    names.push_back(c.en);
    for (const auto& a : c.aliases) names.push_back(a);
  }
  fail("no object class '{}'{}; the 80 names are in presets/objects.toml (English or Chinese)", name, did_you_mean(lower(name), names));
}

float box_iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  float inter = (a & b).area(), u = a.area() + b.area() - inter;
  return u > 0 ? inter / u : 0.f;
}

std::vector<Detection> nms(std::vector<Detection> d, float iou) {
  std::stable_sort(d.begin(), d.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (const auto& x : d) {
    bool keep = true;
    for (const auto& k : kept)
      if (k.cls == x.cls && box_iou(k.box, x.box) > iou) {
        keep = false;
        break;
      }
    if (keep) kept.push_back(x);
  }
  return kept;
}

std::vector<Detection> decode_nanodet(const InferResult& r, int image_width, int image_height, float min_score) {
  constexpr int kIn = 416, kBins = 11, kClasses = 80;
  const int strides[3] = {8, 16, 32};
  if (r.outputs.size() != 6) fail("nanodet: expected 6 outputs, got {}", r.outputs.size());
  const float sx = float(image_width) / kIn, sy = float(image_height) / kIn;
  std::vector<Detection> dets;
  for (int l = 0; l < 3; ++l) {
    const int g = kIn / strides[l], cells = g * g;
    const auto& cls = r.outputs[size_t(l)].data;
    const auto& reg = r.outputs[size_t(l + 3)].data;
    if (cls.size() != size_t(cells) * kClasses || reg.size() != size_t(cells) * 4 * kBins)
      fail("nanodet: level {} has {} scores and {} box values for {} cells", l, cls.size(), reg.size(), cells);
    for (int i = 0; i < cells; ++i) {
      const float* s = &cls[size_t(i) * kClasses];
      int best = int(std::max_element(s, s + kClasses) - s);
      if (s[best] < min_score) continue;
      // Each side: a distribution over 0..10 cells; its expectation is the distance.
      float dist[4];
      for (int k = 0; k < 4; ++k) {
        const float* b = &reg[(size_t(i) * 4 + size_t(k)) * kBins];
        float mx = *std::max_element(b, b + kBins), sum = 0, e = 0;
        for (int j = 0; j < kBins; ++j) {
          float w = std::exp(b[j] - mx);
          sum += w;
          e += w * float(j);
        }
        dist[k] = e / sum * float(strides[l]);
      }
      float cx = (float(i % g) + 0.5f) * float(strides[l]), cy = (float(i / g) + 0.5f) * float(strides[l]);
      float x0 = std::max(0.f, cx - dist[0]) * sx, y0 = std::max(0.f, cy - dist[1]) * sy;
      float x1 = std::min(float(kIn), cx + dist[2]) * sx, y1 = std::min(float(kIn), cy + dist[3]) * sy;
      if (x1 <= x0 || y1 <= y0) continue;
      Detection d;
      d.cls = best;
      d.score = s[best];
      d.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
      dets.push_back(d);
    }
  }
  return nms(std::move(dets), 0.5f);
}

std::vector<Detection> detect_objects(Frame& f, int tiles, float min_score, const std::string& model) {
  const std::string key = "perception/objects/" + model + "/" + std::to_string(tiles);
  if (auto* m = memo_get<std::vector<Detection>>(f, key)) {
    std::vector<Detection> out;
    for (const auto& d : *m)
      if (d.score >= min_score) out.push_back(d);
    return out;
  }
  if (model != "nanodet") fail("object detector '{}': only nanodet is decoded", model);
  // The detector stretches its input to 416x416: hand it a picture near that size.
  constexpr float kFloor = 0.2f;  // memoised at a low threshold; callers filter
  std::vector<Detection> all;
  // One conversion at most twice the detector's size, shared by the tiles.
  float s = std::min(1.f, 832.f * float(std::max(1, tiles)) / float(std::max(f.width(), f.height())));
  cv::Size work(std::max(1, int(std::lround(f.width() * s))), std::max(1, int(std::lround(f.height() * s))));
  cv::Mat bgr = frame_to_bgr(f, work);
  auto run = [&](cv::Rect2f area) {
    area = cv::Rect2f(area.x * s, area.y * s, area.width * s, area.height * s) & cv::Rect2f(0, 0, float(work.width), float(work.height));
    int w = std::max(1, int(std::min(416.f, area.width))), h = std::max(1, int(std::min(416.f, area.height)));
    cv::Mat roi = bgr(cv::Rect(int(area.x), int(area.y), int(area.width), int(area.height)));
    cv::Mat small;
    cv::resize(roi, small, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    InferResult r = models().infer(model, model_file(model), small);
    for (auto d : decode_nanodet(r, w, h, kFloor)) {
      float ax = area.width / float(w) / s, ay = area.height / float(h) / s;
      d.box = cv::Rect2f(area.x / s + d.box.x * ax, area.y / s + d.box.y * ay, d.box.width * ax, d.box.height * ay);
      all.push_back(d);
    }
  };
  run(cv::Rect2f(0, 0, float(f.width()), float(f.height())));
  if (tiles > 1) {
    // Overlapping tiles (a quarter of a tile's size shared with each neighbour), so an object
    // cut by one tile's edge is whole in another; boxes that touch a tile's inner edge are dropped.
    float tw = float(f.width()) / (float(tiles) - 0.25f * float(tiles - 1)), th = float(f.height()) / (float(tiles) - 0.25f * float(tiles - 1));
    for (int ty = 0; ty < tiles; ++ty)
      for (int tx = 0; tx < tiles; ++tx) {
        cv::Rect2f area(float(tx) * tw * 0.75f, float(ty) * th * 0.75f, tw, th);
        area &= cv::Rect2f(0, 0, float(f.width()), float(f.height()));
        size_t before = all.size();
        run(area);
        std::vector<Detection> kept(all.begin(), all.begin() + long(before));
        for (size_t k = before; k < all.size(); ++k) {
          const cv::Rect2f& b = all[k].box;
          bool cut = (b.x <= area.x + 2 && area.x > 0) || (b.y <= area.y + 2 && area.y > 0) ||
                     (b.x + b.width >= area.x + area.width - 2 && area.x + area.width < float(f.width()) - 1) ||
                     (b.y + b.height >= area.y + area.height - 2 && area.y + area.height < float(f.height()) - 1);
          if (!cut) kept.push_back(all[k]);
        }
        all = kept;
      }
  }
  all = nms(std::move(all), 0.5f);
  memo_set(f, key, all);
  std::vector<Detection> out;
  for (const auto& d : all)
    if (d.score >= min_score) out.push_back(d);
  return out;
}

}  // namespace omni

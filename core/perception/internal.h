// core/perception's own helpers, shared by its analysis files; filters do not include this.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"
#include "core/perception/one_euro.h"

namespace omni {

// The model module, configured with -threads/-device on first use.
const TorchApi& models();
// The installed path, checked once per process (a missing model fails at the first frame with
// the fetch command; filters also check when they are created, before any frame).
const std::string& model_file(const std::string& name);
cv::Size model_input_size(const ModelSpec& m);
// One output as a 2-D float image (drops the batch and a single channel).
cv::Mat output_image(const InferResult& r, size_t k, int h, int w);
cv::Mat luma_small(const Frame& f, cv::Size size);
// Local texture of a lightness picture (CV_8U): the Sobel gradient's magnitude above the grain
// (a light blur first), averaged over 5x5. CV_32F, same size. The sky and the ground are told by it.
cv::Mat texture_map(const cv::Mat& lightness);

inline float sigmoidf(float x) { return 1.f / (1.f + std::exp(-std::clamp(x, -80.f, 80.f))); }


// Side data memo: a result and the frame size it belongs to (a scale between filters makes it stale).
template <typename T>
struct Memo {
  int w = 0, h = 0;
  T value;
};

template <typename T>
inline const T* memo_get(const Frame& f, const std::string& key) {
  auto* m = f.side().get<Memo<T>>(key);
  return m && m->w == f.width() && m->h == f.height() ? &m->value : nullptr;
}

template <typename T>
inline void memo_set(Frame& f, const std::string& key, T value) {
  f.side_mut().set(key, Memo<T>{f.width(), f.height(), std::move(value)});
}

// MediaPipe's "WEIGHTED" non-maximum suppression for its SSD detectors (pose, face, palm): boxes
// that overlap the best remaining one by more than `iou` are merged into it, box and keypoints
// averaged by score. T has `score`, `box` (cv::Rect2f) and `keypoints` (a std::array of points).
template <typename T>
std::vector<T> weighted_nms(std::vector<T> d, float iou) {
  std::sort(d.begin(), d.end(), [](const T& a, const T& b) { return a.score > b.score; });
  auto overlap = [](const cv::Rect2f& a, const cv::Rect2f& b) {
    float inter = (a & b).area(), u = a.area() + b.area() - inter;
    return u > 0 ? inter / u : 0.f;
  };
  std::vector<T> kept;
  std::vector<bool> used(d.size(), false);
  for (size_t i = 0; i < d.size(); ++i) {
    if (used[i]) continue;
    T acc = d[i];
    cv::Point2f tl(0, 0), br(0, 0);
    decltype(acc.keypoints) kp{};
    float wsum = 0;
    for (size_t j = i; j < d.size(); ++j) {
      if (used[j] || overlap(d[i].box, d[j].box) <= iou) continue;
      used[j] = true;
      float w = d[j].score;
      tl += w * d[j].box.tl(), br += w * d[j].box.br();
      for (size_t k = 0; k < kp.size(); ++k) kp[k] += w * d[j].keypoints[k];
      wsum += w;
    }
    acc.box = cv::Rect2f(tl / wsum, br / wsum);
    for (size_t k = 0; k < kp.size(); ++k) acc.keypoints[k] = kp[k] / wsum;
    kept.push_back(acc);
  }
  return kept;
}

// A rotated square region of interest: centre, side, rotation (radians, image y down).
struct Roi {
  cv::Point2f c;
  float size = 0, angle = 0;
};

// Affine map image → side x side crop of the ROI.
inline cv::Mat roi_affine(const Roi& r, int side) {
  float s = side / r.size, cs = std::cos(r.angle) * s, sn = std::sin(r.angle) * s;
  // crop = S * R(-angle) * (p - c) + side/2; R(-angle) undoes the ROI's rotation.
  cv::Mat m = (cv::Mat_<double>(2, 3) << cs, sn, 0, -sn, cs, 0);
  m.at<double>(0, 2) = side / 2.0 - (cs * r.c.x + sn * r.c.y);
  m.at<double>(1, 2) = side / 2.0 - (-sn * r.c.x + cs * r.c.y);
  return m;
}

}  // namespace omni

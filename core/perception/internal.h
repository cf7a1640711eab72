// core/perception's own helpers, shared by its analysis files; filters do not include this.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"

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

}  // namespace omni

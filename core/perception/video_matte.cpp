// core/perception: RobustVideoMatting over a stream (see video_matte.h).
#include "core/perception/video_matte.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/perception/internal.h"
#include "core/perception/models.h"

namespace omni {

struct VideoMatter::State {
  std::string model;
  std::vector<InferOutput> state;
  cv::Mat prev_luma;  // 64 px wide, for cut detection
  int resets = 0;
  double dr = 1;
};

VideoMatter::VideoMatter(std::string model) : s_(std::make_unique<State>()) { s_->model = std::move(model); }
VideoMatter::~VideoMatter() = default;
int VideoMatter::resets() const { return s_->resets; }
double VideoMatter::downsample_ratio() const { return s_->dr; }

cv::Mat VideoMatter::alpha(Frame& f) {
  const std::string key = "perception/rvm/" + s_->model;
  if (auto* m = memo_get<cv::Mat>(f, key)) return *m;
  State& s = *s_;
  // The network's own guided filter brings its alpha to the size it is given; beyond 768 px on
  // the long side that costs more than it shows (bilinear scaling to the frame follows).
  float sc = std::min(1.f, 768.f / float(std::max(f.width(), f.height())));
  cv::Size work(std::max(16, int(std::lround(f.width() * sc))), std::max(16, int(std::lround(f.height() * sc))));
  // About 384 px on the long side inside the network (RVM's own advice: 0.25 for HD, 0.4 for 720p).
  s.dr = std::min(1.0, 384.0 / std::max(work.width, work.height));
  // A cut: the picture changed wholesale. The recurrent state describes the old shot: drop it.
  cv::Mat luma = luma_small(f, cv::Size(64, std::max(1, 64 * f.height() / std::max(1, f.width()))));
  if (!s.prev_luma.empty() && s.prev_luma.size() == luma.size()) {
    cv::Mat d;
    cv::absdiff(luma, s.prev_luma, d);
    if (cv::mean(d)[0] > 30) s.state.clear();
  }
  s.prev_luma = luma;
  if (s.state.empty()) ++s.resets;
  InferResult r = models().infer_recurrent(s.model, model_file(s.model), frame_to_bgr(f, work), s.dr, s.state);
  // pha is the manifest's first output, at the input's size.
  cv::Mat a = output_image(r, 0, work.height, work.width);
  cv::max(a, 0, a);
  cv::min(a, 1, a);
  memo_set(f, key, a);
  return a;
}

}  // namespace omni

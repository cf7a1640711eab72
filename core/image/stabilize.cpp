// FlowStabilizer: see stabilize.h. DIS optical flow both ways on the luma at a working size;
// a pixel's carried output is trusted where the flow is consistent forwards and backwards and
// the input moved along it matches (occlusions and new content fail one or the other).
#include "core/image/stabilize.h"

#include "core/image/flow.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace omni {

struct FlowStabilizer::State {
  float strength, cut;
  int work_width;
  cv::Ptr<cv::DISOpticalFlow> dis;
  cv::Mat prev_gray;  // working size
  cv::Mat prev_out;   // the last output, as returned
};

FlowStabilizer::FlowStabilizer(float strength, float cut, int work_width) : s_(std::make_unique<State>()) {
  s_->strength = strength;
  s_->cut = cut;
  s_->work_width = work_width;
  s_->dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_FAST);
}
FlowStabilizer::~FlowStabilizer() = default;

void FlowStabilizer::reset() {
  s_->prev_gray.release();
  s_->prev_out.release();
}

// img sampled at x + flow(x), bilinear, edges replicated.
static cv::Mat warp_back(const cv::Mat& img, const cv::Mat& flow) {
  cv::Mat map(flow.size(), CV_32FC2);
  for (int y = 0; y < flow.rows; ++y) {
    const cv::Vec2f* f = flow.ptr<cv::Vec2f>(y);
    cv::Vec2f* m = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < flow.cols; ++x) m[x] = cv::Vec2f(x + f[x][0], y + f[x][1]);
  }
  cv::Mat out;
  cv::remap(img, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

Motion FlowStabilizer::motion(const cv::Mat& gray) {
  State& s = *s_;
  Motion m;
  int k = std::max(1, (gray.cols + s.work_width - 1) / s.work_width);
  cv::Mat g;
  if (k == 1) g = gray.clone();
  else cv::resize(gray, g, cv::Size(gray.cols / k, gray.rows / k), 0, 0, cv::INTER_AREA);
  if (s.strength <= 0 || s.prev_gray.empty() || s.prev_gray.size() != g.size()) {
    s.prev_gray = g;
    return m;
  }
  cv::Mat back, fwd;
  dense_flow(*s.dis, g, s.prev_gray, back);  // g(x) ≈ prev(x + back(x))
  dense_flow(*s.dis, s.prev_gray, g, fwd);
  cv::Mat moved = warp_back(s.prev_gray, back), err;
  cv::absdiff(g, moved, err);
  err.convertTo(err, CV_32F);
  cv::GaussianBlur(err, err, {0, 0}, 1.5);
  m.error = cv::mean(err)[0];
  s.prev_gray = g;
  if (m.error > s.cut) return m;  // a new shot: nothing to carry

  cv::Mat fwd_at = warp_back(fwd, back);  // the forward flow where each pixel came from
  m.flow = back;
  m.weight.create(g.size(), CV_32F);
  const float W = float(g.cols - 1), H = float(g.rows - 1);
  for (int y = 0; y < g.rows; ++y) {
    const cv::Vec2f *b = back.ptr<cv::Vec2f>(y), *f = fwd_at.ptr<cv::Vec2f>(y);
    const float* e = err.ptr<float>(y);
    float* w = m.weight.ptr<float>(y);
    for (int x = 0; x < g.cols; ++x) {
      float px = x + b[x][0], py = y + b[x][1];
      // Backwards then forwards should return home (Sundaram et al.'s occlusion test).
      float dx = b[x][0] + f[x][0], dy = b[x][1] + f[x][1];
      float mag = b[x].dot(b[x]) + f[x].dot(f[x]);
      bool consistent = dx * dx + dy * dy <= 0.01f * mag + 0.5f;
      bool inside = px >= 0 && py >= 0 && px <= W && py <= H;
      // Up to 6 grey levels of difference is noise and compression; 16 is a different surface.
      float trust = std::clamp((16.f - e[x]) / 10.f, 0.f, 1.f);
      w[x] = consistent && inside ? s.strength * trust : 0.f;
    }
  }
  // Occlusion edges are ragged at this size: widen the distrust a little.
  cv::erode(m.weight, m.weight, cv::Mat(), {-1, -1}, 1);
  m.first = false;
  return m;
}

cv::Mat FlowStabilizer::blend(const cv::Mat& styled, const Motion& m) {
  State& s = *s_;
  if (m.first || s.prev_out.empty() || s.prev_out.size() != styled.size() || s.prev_out.type() != styled.type()) {
    s.prev_out = styled.clone();
    return s.prev_out;
  }
  const float sx = float(styled.cols) / m.flow.cols, sy = float(styled.rows) / m.flow.rows;
  cv::Mat flow, weight;
  cv::resize(m.flow, flow, styled.size(), 0, 0, cv::INTER_LINEAR);
  cv::resize(m.weight, weight, styled.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat map(styled.size(), CV_32FC2);
  cv::parallel_for_(cv::Range(0, styled.rows), [&](const cv::Range& r) {
    for (int y = r.start; y < r.end; ++y) {
      const cv::Vec2f* f = flow.ptr<cv::Vec2f>(y);
      cv::Vec2f* p = map.ptr<cv::Vec2f>(y);
      for (int x = 0; x < styled.cols; ++x) p[x] = cv::Vec2f(x + f[x][0] * sx, y + f[x][1] * sy);
    }
  });
  cv::Mat carried;
  cv::remap(s.prev_out, carried, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::Mat out(styled.size(), styled.type());
  const int cn = styled.channels();
  cv::parallel_for_(cv::Range(0, styled.rows), [&](const cv::Range& r) {
    for (int y = r.start; y < r.end; ++y) {
      const uint8_t *a = styled.ptr(y), *c = carried.ptr(y);
      const float* w = weight.ptr<float>(y);
      uint8_t* o = out.ptr(y);
      for (int x = 0; x < styled.cols; ++x)
        for (int k = 0; k < cn; ++k) {
          int i = x * cn + k;
          o[i] = uint8_t(a[i] + w[x] * (c[i] - a[i]) + 0.5f);
        }
    }
  });
  s.prev_out = out;
  return out;
}

}  // namespace omni

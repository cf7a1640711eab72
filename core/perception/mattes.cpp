// core/perception: probability maps to frame-size alphas (MatteRefiner).
#include "core/perception/mattes.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/error.h"
#include "core/image/flow.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"
#include "core/perception/internal.h"

namespace omni {

// ---- mattes ---------------------------------------------------------------------------------

// Guided filter regulariser for a [0,1] guide: edges weaker than ~0.03 in luma are smoothed over.
static constexpr double kEps = 1e-3;

// alpha(x) = 255 * (c0 + c1 * luma(x)) with c0, c1 bilinearly upsampled (cv::resize's pixel
// centres) from the working resolution, in one pass over the frame: the 720p matte used to take
// eight full-size float images and ~24 ms; this is one 8-bit image.
static cv::Mat upsample_affine(const cv::Mat& c0, const cv::Mat& c1, const cv::Mat& luma) {
  int W = luma.cols, H = luma.rows, w = c0.cols, h = c0.rows;
  std::vector<int> xi(W);
  std::vector<float> xf(W);
  for (int x = 0; x < W; ++x) {
    float sx = std::clamp((x + 0.5f) * w / W - 0.5f, 0.f, float(w - 1));
    xi[x] = std::min(int(sx), w - 2 < 0 ? 0 : w - 2);
    xf[x] = w > 1 ? sx - xi[x] : 0;
  }
  cv::Mat out(H, W, CV_8U);
  cv::parallel_for_(cv::Range(0, H), [&](const cv::Range& rows) {
    std::vector<float> r0(w), r1(w);
    for (int y = rows.start; y < rows.end; ++y) {
      float sy = std::clamp((y + 0.5f) * h / H - 0.5f, 0.f, float(h - 1));
      int y0 = std::min(int(sy), std::max(0, h - 2)), y1 = std::min(y0 + 1, h - 1);
      float fy = sy - y0;
      const float *a0 = c0.ptr<float>(y0), *a1 = c0.ptr<float>(y1), *b0 = c1.ptr<float>(y0), *b1 = c1.ptr<float>(y1);
      for (int x = 0; x < w; ++x) r0[x] = a0[x] + fy * (a1[x] - a0[x]), r1[x] = b0[x] + fy * (b1[x] - b0[x]);
      const uint8_t* l = luma.ptr<uint8_t>(y);
      uint8_t* o = out.ptr<uint8_t>(y);
      int xn = std::min(1, w - 1);
      for (int x = 0; x < W; ++x) {
        int i = xi[x];
        float t = xf[x];
        float v0 = r0[i] + t * (r0[i + xn] - r0[i]), v1 = r1[i] + t * (r1[i + xn] - r1[i]);
        float v = (v0 + v1 * l[x]) * 255.f;
        o[x] = uint8_t(std::clamp(v + 0.5f, 0.f, 255.f));
      }
    }
  });
  return out;
}

cv::Mat MatteRefiner::refine(const cv::Mat& probability, const Frame& f) {
  int W = f.width(), H = f.height();
  // Working size: the frame divided by a whole number (the first one that divides both sides and
  // brings the long side to <= 512), so shrinking the luma takes OpenCV's fast area path.
  int k = std::max(1, (std::max(W, H) + 511) / 512), k0 = k;
  while (k < 4 * k0 && (W % k || H % k)) ++k;
  if (W % k || H % k) k = k0;
  cv::Size work(std::max(8, W / k), std::max(8, H / k));
  cv::Mat I, P;
  luma_small(f, work).convertTo(I, CV_32F, 1 / 255.0);
  cv::resize(probability, P, work, 0, 0, probability.cols > work.width ? cv::INTER_AREA : cv::INTER_LINEAR);
  // Temporal smoothing where the picture is still; where it changed, the new mask wins at once.
  if (o_.smooth > 0 && prev_p_.size() == work) {
    cv::Mat diff, k;
    cv::absdiff(I, prev_i_, diff);
    cv::blur(diff, diff, {5, 5});
    k = diff * 12.0 + (1.0 - o_.smooth);
    cv::min(k, 1.0, k);
    P = prev_p_ + k.mul(P - prev_p_);
  }
  prev_p_ = P.clone();
  prev_i_ = I;
  // Soft ramp around the threshold: decisive inside and outside, gradual across.
  cv::Mat A = (P - o_.threshold) * (1.0 / std::max(o_.softness, 1e-3f)) + 0.5;
  cv::min(cv::max(A, 0.0), 1.0, A);
  // alpha = c0 + c1 * luma: with the guided filter's a, b and the band weight w (below),
  // c1 = w a and c0 = (1 - w) A + w b, so only two small maps go up to full resolution.
  cv::Mat c0 = A, c1 = cv::Mat::zeros(work, CV_32F);
  if (o_.refine > 0) {
    // Guided filter (He et al.), fast form: coefficients at the working resolution, applied
    // with the full-resolution luma, so edges follow the frame's own detail.
    int r = std::max(1, int(std::lround(o_.refine * double(work.width) / W)));
    cv::Size box(2 * r + 1, 2 * r + 1);
    cv::Mat mI, mP, mII, mIP;
    cv::blur(I, mI, box), cv::blur(A, mP, box), cv::blur(I.mul(I), mII, box), cv::blur(I.mul(A), mIP, box);
    cv::Mat var = mII - mI.mul(mI), cov = mIP - mI.mul(mP);
    cv::Mat a = cov / (var + kEps), b = mP - a.mul(mI);
    cv::blur(a, a, box), cv::blur(b, b, box);
    // Only the uncertain band around the edge is refined: inside and outside stay decided, so
    // the picture's texture does not leak into a solid matte (it costs stability and accuracy).
    cv::Mat band = (A > 0.02f) & (A < 0.98f), w;
    cv::dilate(band, band, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    band.convertTo(w, CV_32F, 1 / 255.0);
    cv::blur(w, w, box);
    c1 = w.mul(a) * (1 / 255.0);  // per luma code value
    c0 = (1 - w).mul(A) + w.mul(b);
  }
  cv::Mat alpha = upsample_affine(c0, c1, f.mat(0));
  if (o_.feather > 0) cv::GaussianBlur(alpha, alpha, {0, 0}, o_.feather);
  return alpha;
}

}  // namespace omni

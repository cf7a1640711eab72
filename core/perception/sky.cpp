// core/perception: where the sky is (see sky.h).
#include "core/perception/sky.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/perception/internal.h"
#include "core/perception/models.h"

namespace omni {

namespace {
// Smoothness in Sobel units of 8-bit L* at the working size: a clear or overcast sky stays under
// kSmooth; cloud edges reach ~15; walls with windows, branches and roof tiles are far above kRough.
constexpr float kSmooth = 8, kRough = 28;
constexpr int kWorkWidth = 320;
}  // namespace

cv::Mat SkyFinder::probability(const Frame& f) {
  int w = std::min(kWorkWidth, f.width());
  int h = std::max(8, int(std::lround(double(f.height()) * w / f.width())));
  w = std::max(8, w);
  cv::Mat bgr = frame_to_bgr(f, {w, h}), lab;
  cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
  std::vector<cv::Mat> ch;
  cv::split(lab, ch);
  cv::Mat tex = texture_map(ch[0]);

  // Bright: against the picture's own brightest (an exposure for the ground makes the sky white,
  // one for the sky makes the ground dark; either way the sky is near the top of the range).
  // Brightness as the largest of R, G and B: a deep blue sky is dark in L* but not in blue.
  cv::Mat value(h, w, CV_8U);
  for (int y = 0; y < h; ++y) {
    const uint8_t* q = bgr.ptr<uint8_t>(y);
    uint8_t* v = value.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) v[x] = std::max({q[3 * x], q[3 * x + 1], q[3 * x + 2]});
  }
  std::vector<uint8_t> ls(value.begin<uint8_t>(), value.end<uint8_t>());
  std::nth_element(ls.begin(), ls.begin() + ls.size() * 98 / 100, ls.end());
  const float bright = std::max(60.f, 0.6f * float(ls[ls.size() * 98 / 100]));

  cv::Mat seeds(h, w, CV_8U);
  for (int y = 0; y < h; ++y) {
    const float* t = tex.ptr<float>(y);
    const uint8_t *p = lab.ptr<uint8_t>(y), *v = value.ptr<uint8_t>(y);
    uint8_t* s = seeds.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      bool green = p[3 * x + 1] < 122 && p[3 * x + 2] > 128;  // a* toward green, b* toward yellow
      s[x] = t[x] < kSmooth && float(v[x]) >= bright && !green ? 255 : 0;
    }
  }
  // Only what is open to the top of the picture, in pieces big enough to be sky.
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(seeds, labels, stats, centroids, 8, CV_32S);
  std::vector<uint8_t> keep(size_t(n), 0);
  const int top = std::max(1, h / 50);
  for (int i = 1; i < n; ++i)
    keep[size_t(i)] = stats.at<int>(i, cv::CC_STAT_TOP) < top && stats.at<int>(i, cv::CC_STAT_AREA) >= w * h / 200;
  std::vector<cv::Vec3f> samples;
  int seed_count = 0;
  for (int y = 0; y < h; ++y) {
    const int* l = labels.ptr<int>(y);
    uint8_t* s = seeds.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      s[x] = keep[size_t(l[x])] ? 255 : 0;
      if (s[x]) ++seed_count;
    }
  }
  cv::Mat p = cv::Mat::zeros(h, w, CV_32F);
  coverage_ = 0;
  if (seed_count < std::max(16, w * h / 100)) return p;
  const int step = std::max(1, seed_count / 2000);
  int k = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (seeds.at<uint8_t>(y, x) && k++ % step == 0) {
        const uint8_t* q = lab.ptr<uint8_t>(y) + 3 * x;
        samples.emplace_back(q[0], q[1], q[2]);
      }

  // The sky's colours: up to three clusters (blue, white cloud, the haze at the horizon), each
  // with its own spread.
  const int K = std::clamp(int(samples.size()) / 100, 1, 3);
  cv::Mat data(int(samples.size()), 3, CV_32F, samples.data()), assign, centres;
  cv::setRNGSeed(1);  // the same picture gives the same sky
  cv::kmeans(data, K, assign, cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 20, 0.5), 2, cv::KMEANS_PP_CENTERS,
             centres);
  std::vector<cv::Vec3f> c(static_cast<size_t>(K));
  std::vector<float> spread(size_t(K), 0);
  std::vector<int> count(size_t(K), 0);
  for (int i = 0; i < K; ++i) c[size_t(i)] = centres.at<cv::Vec3f>(i);
  for (int i = 0; i < data.rows; ++i) {
    int a = assign.at<int>(i);
    cv::Vec3f d = samples[size_t(i)] - c[size_t(a)];
    spread[size_t(a)] += d.dot(d), ++count[size_t(a)];
  }
  for (int i = 0; i < K; ++i) spread[size_t(i)] = std::max(5.f, std::sqrt(spread[size_t(i)] / std::max(1, count[size_t(i)])));

  // Likeness to the nearest cluster (full within 2 spreads, none beyond 4) times smoothness.
  for (int y = 0; y < h; ++y) {
    const uint8_t* q = lab.ptr<uint8_t>(y);
    const float* t = tex.ptr<float>(y);
    float* o = p.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      cv::Vec3f v(q[3 * x], q[3 * x + 1], q[3 * x + 2]);
      float d = 1e9f;
      for (int i = 0; i < K; ++i)
        if (count[size_t(i)] * 50 >= int(samples.size()))  // a stray cluster of a few samples is no sky colour
          d = std::min(d, float(cv::norm(v - c[size_t(i)])) / spread[size_t(i)]);
      float like = std::clamp((4 - d) / 2, 0.f, 1.f), smooth = std::clamp((kRough - t[x]) / (kRough - kSmooth), 0.f, 1.f);
      o[x] = like * smooth;
    }
  }
  // Kept where it joins the seeds: a smooth wall of the sky's colour lower down is not sky.
  cv::Mat sure = p > 0.5f, region = cv::Mat::zeros(h, w, CV_8U);
  n = cv::connectedComponents(sure, labels, 8, CV_32S);
  std::vector<uint8_t> joined(size_t(n), 0);
  for (int y = 0; y < h; ++y) {
    const int* l = labels.ptr<int>(y);
    const uint8_t* s = seeds.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x)
      if (s[x] && l[x]) joined[size_t(l[x])] = 1;
  }
  for (int y = 0; y < h; ++y) {
    const int* l = labels.ptr<int>(y);
    uint8_t* r = region.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) r[x] = l[x] && joined[size_t(l[x])] ? 255 : 0;
  }
  // Specks inside the sky (noise, a pixel of an aerial) are sky; anything bigger (a bird, a
  // lamp) stays in front of it.
  cv::Mat holes = region == 0;
  n = cv::connectedComponentsWithStats(holes, labels, stats, centroids, 4, CV_32S);
  for (int y = 0; y < h; ++y) {
    const int* l = labels.ptr<int>(y);
    uint8_t* r = region.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x)
      if (l[x] && stats.at<int>(l[x], cv::CC_STAT_AREA) <= 4) r[x] = 255;
  }
  cv::Mat near;
  cv::dilate(region, near, cv::Mat());
  for (int y = 0; y < h; ++y) {
    const uint8_t *r = region.ptr<uint8_t>(y), *nr = near.ptr<uint8_t>(y);
    float* o = p.ptr<float>(y);
    for (int x = 0; x < w; ++x) o[x] = r[x] ? std::max(o[x], 0.75f) : nr[x] ? std::min(o[x], 0.5f) : 0.f;
  }
  coverage_ = double(cv::countNonZero(region)) / double(w * h);
  return p;
}

}  // namespace omni

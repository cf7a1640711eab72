// Measures fills for the remove tests and bench/ (raw files as `ffmpeg -f rawvideo` writes them:
// pictures rgb24, masks gray):
//
//   remove_metrics region W H OUT.rgb TRUTH.rgb MASK.gray
//     psnr=..: PSNR (dB) of OUT against TRUTH over the pixels MASK marks (>= 128), all frames;
//     ssim=..: mean SSIM (luma, 11x11 Gaussian) over the same pixels;
//     boil=..: mean |(out_t - truth_t) - (out_t-1 - truth_t-1)| over pixels marked in both frames,
//     in grey levels: how much the fill's error changes from frame to frame (0 = steady);
//     frames=.., marked=..: frames, mean fraction of pixels marked.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "raw_video.h"

int main(int argc, char** argv) {
  if (argc != 7 || std::string(argv[1]) != "region") {
    fprintf(stderr, "usage: remove_metrics region W H OUT.rgb TRUTH.rgb MASK.gray\n");
    return 1;
  }
  int w = atoi(argv[2]), h = atoi(argv[3]);
  auto out = read_raw_frames("remove_metrics", argv[4], w, h, CV_8UC3), gt = read_raw_frames("remove_metrics", argv[5], w, h, CV_8UC3),
       mk = read_raw_frames("remove_metrics", argv[6], w, h, CV_8U);
  size_t n = std::min({out.size(), gt.size(), mk.size()});
  if (out.size() != gt.size()) {
    fprintf(stderr, "remove_metrics: %zu frames out, %zu in the truth\n", out.size(), gt.size());
    return 1;
  }
  double se = 0, ssim = 0, boil = 0, marked = 0;
  long npx = 0, nboil = 0;
  cv::Mat prev_err, prev_m;
  for (size_t t = 0; t < n; ++t) {
    cv::Mat m = mk[t] >= 128;
    long c = cv::countNonZero(m);
    marked += double(c) / (w * h);
    cv::Mat o16, g16, err;
    out[t].convertTo(o16, CV_32FC3);
    gt[t].convertTo(g16, CV_32FC3);
    err = o16 - g16;
    if (c) {
      cv::Mat sq = err.mul(err);
      cv::Scalar s = cv::mean(sq, m);
      se += (s[0] + s[1] + s[2]) * c;
      npx += c * 3;
      cv::Mat go, gg;
      cv::cvtColor(out[t], go, cv::COLOR_RGB2GRAY);
      cv::cvtColor(gt[t], gg, cv::COLOR_RGB2GRAY);
      ssim += cv::mean(ssim_map(go, gg), m)[0] * c;
    }
    if (!prev_err.empty()) {
      cv::Mat both = m & prev_m, d;
      long b = cv::countNonZero(both);
      if (b) {
        cv::absdiff(err, prev_err, d);
        boil += cv::sum(cv::mean(d, both))[0] / 3 * b;
        nboil += b;
      }
    }
    prev_err = err, prev_m = m;
  }
  long total = npx / 3;
  double mse = npx ? se / npx : 0;
  printf("frames=%zu marked=%.4f psnr=%.2f ssim=%.4f boil=%.3f\n", n, marked / n, mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99.0,
         total ? ssim / total : 0.0, nboil ? boil / nboil : 0.0);
  return 0;
}

// Measures stylised video for the restyle tests and bench/ (raw rgb24 files as
// `ffmpeg -f rawvideo -pix_fmt rgb24` writes them):
//
//   restyle_metrics warp W H INPUT.rgb OUT.rgb [OUT2.rgb ...]
//     warp_error=.. per output: mean |out_t - out_t-1 moved along the input's flow| / 255 over
//     pixels the flow can follow (Lai et al.'s warping error). The flow is Farneback's on the
//     input at full size (the filter uses DIS at a smaller size: the yardstick is not the tool),
//     occlusions removed by a forward-backward check; still=.. and moving=..: the same over pixels
//     whose flow is under / over half a pixel. Also change=..: the difference without motion.
//   restyle_metrics pixel W H OUT.rgb SIZE
//     uniform=..: fraction of whole SIZE x SIZE blocks (grid at 0,0) that hold one colour;
//     colours=..: most distinct colours in one frame; all_colours=..: over all frames;
//     block_changes=..: mean fraction of blocks whose colour changes from one frame to the next.
//   restyle_metrics look W H INPUT.rgb OUT.rgb [SCALE]
//     (first frame) top_coverage=..: fraction of pixels whose colour is one of the 24 most
//     frequent (flat regions of few colours); lines=..: fraction of pixels much darker than the
//     smoothed input; line_precision=..: fraction of those within 3 px of an input edge
//     (edge_area=..: the fraction of all pixels that are, what lines placed at random would score);
//     edge_ssim=..: SSIM of the gradient magnitudes of input and output, both blurred by SCALE
//     pixels (default 1; the block size for pixel art) (structure kept);
//     edge_ssim_unrelated=..: the same against the output flipped upside down (what an
//     unrelated picture scores); grey=..: fraction of pixels with R=G=B;
//     detail_in=.. detail_out=..: mean local (5x5) standard deviation of the luma;
//     luma_in=.. luma_out=..; sat_in=.. sat_out=..: mean HSV saturation.
//   restyle_metrics refdist W H IMG.rgb REF_IMAGE
//     dist=..: distance between the CIELAB means and spreads of IMG (all frames) and the
//     reference image's (how far its colours and tone are from the reference).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "raw_video.h"

static std::vector<cv::Mat> read_frames(const char* path, int w, int h) {
  std::vector<cv::Mat> out = read_raw_frames("restyle_metrics", path, w, h, CV_8UC3);
  for (cv::Mat& m : out) cv::cvtColor(m, m, cv::COLOR_RGB2BGR);
  return out;
}

static cv::Mat gray(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  return g;
}

static cv::Mat warp_back(const cv::Mat& img, const cv::Mat& flow) {
  cv::Mat map(flow.size(), CV_32FC2);
  for (int y = 0; y < flow.rows; ++y)
    for (int x = 0; x < flow.cols; ++x) map.at<cv::Vec2f>(y, x) = cv::Vec2f(x, y) + flow.at<cv::Vec2f>(y, x);
  cv::Mat out;
  cv::remap(img, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

static double ssim(const cv::Mat& a, const cv::Mat& b) { return cv::mean(ssim_map(a, b))[0]; }

static cv::Mat gradient(const cv::Mat& bgr, double scale) {
  cv::Mat g = gray(bgr), gx, gy, m;
  cv::GaussianBlur(g, g, {0, 0}, scale);
  cv::Sobel(g, gx, CV_32F, 1, 0);
  cv::Sobel(g, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, m);
  cv::Mat u8;
  m.convertTo(u8, CV_8U, 0.5);
  return u8;
}

static double local_detail(const cv::Mat& bgr) {
  cv::Mat g;
  gray(bgr).convertTo(g, CV_32F);
  cv::Mat m, m2;
  cv::blur(g, m, {5, 5});
  cv::blur(g.mul(g), m2, {5, 5});
  cv::Mat var = cv::max(m2 - m.mul(m), 0), sd;
  cv::sqrt(var, sd);
  return cv::mean(sd)[0];
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: restyle_metrics warp|pixel|look|refdist W H FILES...\n");
    return 1;
  }
  std::string mode = argv[1];
  int w = atoi(argv[2]), h = atoi(argv[3]);
  if (mode == "warp" && argc >= 6) {
    auto in = read_frames(argv[4], w, h);
    std::vector<std::vector<cv::Mat>> outs;
    for (int i = 5; i < argc; ++i) outs.push_back(read_frames(argv[i], w, h));
    std::vector<double> err(outs.size(), 0), change(outs.size(), 0), err_still(outs.size(), 0), err_moving(outs.size(), 0);
    long pairs = 0;
    for (size_t t = 1; t < in.size(); ++t) {
      cv::Mat g0 = gray(in[t - 1]), g1 = gray(in[t]), back, fwd;
      cv::calcOpticalFlowFarneback(g1, g0, back, 0.5, 4, 21, 5, 7, 1.5, 0);
      cv::calcOpticalFlowFarneback(g0, g1, fwd, 0.5, 4, 21, 5, 7, 1.5, 0);
      cv::Mat fwd_at = warp_back(fwd, back);
      cv::Mat valid(h, w, CV_8U);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          cv::Vec2f b = back.at<cv::Vec2f>(y, x), f = fwd_at.at<cv::Vec2f>(y, x), d = b + f;
          float px = x + b[0], py = y + b[1];
          bool inside = px >= 0 && py >= 0 && px <= w - 1 && py <= h - 1;
          valid.at<uint8_t>(y, x) = inside && d.dot(d) <= 0.01f * (b.dot(b) + f.dot(f)) + 0.5f;
        }
      double n = cv::countNonZero(valid);
      if (n < 100) continue;
      cv::Mat mag, parts[2];
      cv::split(back, parts);
      cv::magnitude(parts[0], parts[1], mag);
      cv::Mat still_px = valid & (mag < 0.5f), moving_px = valid & (mag >= 0.5f);
      ++pairs;
      for (size_t k = 0; k < outs.size(); ++k) {
        if (t >= outs[k].size()) {
          fprintf(stderr, "restyle_metrics: %s has fewer frames than the input\n", argv[5 + k]);
          return 1;
        }
        cv::Mat moved = warp_back(outs[k][t - 1], back), d, still;
        cv::absdiff(outs[k][t], moved, d);
        err[k] += cv::sum(cv::mean(d, valid))[0] / 3 / 255;
        err_still[k] += cv::sum(cv::mean(d, still_px))[0] / 3 / 255;
        err_moving[k] += cv::sum(cv::mean(d, moving_px))[0] / 3 / 255;
        cv::absdiff(outs[k][t], outs[k][t - 1], still);
        change[k] += cv::sum(cv::mean(still))[0] / 3 / 255;
      }
    }
    for (size_t k = 0; k < outs.size(); ++k)
      printf("%s: frames=%zu warp_error=%.5f still=%.5f moving=%.5f change=%.5f\n", argv[5 + k], in.size(), err[k] / std::max(1L, pairs),
             err_still[k] / std::max(1L, pairs), err_moving[k] / std::max(1L, pairs), change[k] / std::max(1L, pairs));
    return 0;
  }
  if (mode == "pixel" && argc == 6) {
    auto out = read_frames(argv[4], w, h);
    int S = atoi(argv[5]);
    long blocks = 0, uniform = 0;
    size_t most = 0;
    std::set<uint32_t> all;
    double changes = 0;
    auto key = [](const cv::Vec3b& c) { return uint32_t(c[0]) << 16 | uint32_t(c[1]) << 8 | c[2]; };
    for (size_t t = 0; t < out.size(); ++t) {
      std::set<uint32_t> cs;
      long changed = 0, nb = 0;
      for (int by = 0; by + S <= h; by += S)
        for (int bx = 0; bx + S <= w; bx += S) {
          cv::Vec3b c0 = out[t].at<cv::Vec3b>(by, bx);
          bool same = true;
          for (int y = by; y < by + S && same; ++y)
            for (int x = bx; x < bx + S; ++x)
              if (out[t].at<cv::Vec3b>(y, x) != c0) {
                same = false;
                break;
              }
          ++blocks, uniform += same, ++nb;
          if (t > 0) changed += out[t - 1].at<cv::Vec3b>(by, bx) != c0;
        }
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) cs.insert(key(out[t].at<cv::Vec3b>(y, x)));
      most = std::max(most, cs.size());
      all.insert(cs.begin(), cs.end());
      if (t > 0) changes += double(changed) / nb;
    }
    printf("frames=%zu uniform=%.4f colours=%zu all_colours=%zu block_changes=%.4f\n", out.size(), double(uniform) / blocks, most,
           all.size(), out.size() > 1 ? changes / (out.size() - 1) : 0.0);
    return 0;
  }
  if (mode == "look" && (argc == 6 || argc == 7)) {
    const double scale = argc == 7 ? atof(argv[6]) : 1.0;
    cv::Mat in = read_frames(argv[4], w, h)[0], out = read_frames(argv[5], w, h)[0];
    std::map<uint32_t, long> hist;
    long grey = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        cv::Vec3b c = out.at<cv::Vec3b>(y, x);
        ++hist[uint32_t(c[0]) << 16 | uint32_t(c[1]) << 8 | c[2]];
        grey += c[0] == c[1] && c[1] == c[2];
      }
    std::vector<long> counts;
    for (auto& [k, v] : hist) counts.push_back(v);
    std::sort(counts.rbegin(), counts.rend());
    long top = 0;
    for (size_t i = 0; i < counts.size() && i < 24; ++i) top += counts[i];
    cv::Mat gi = gray(in), go = gray(out), smooth, edges;
    cv::GaussianBlur(gi, smooth, {0, 0}, 2.0);
    cv::Canny(smooth, edges, 30, 90);
    cv::Mat near_edge, dist;
    cv::distanceTransform(255 - edges, dist, cv::DIST_L2, 3);
    near_edge = dist <= 3;
    cv::Mat smooth_f, go_f;
    smooth.convertTo(smooth_f, CV_32F);
    go.convertTo(go_f, CV_32F);
    cv::Mat line = go_f < smooth_f * 0.6 - 10;
    long nl = cv::countNonZero(line);
    cv::Mat line_near = line & near_edge;
    cv::Mat flipped;
    cv::flip(out, flipped, 0);
    cv::Mat hsv_in, hsv_out;
    cv::cvtColor(in, hsv_in, cv::COLOR_BGR2HSV);
    cv::cvtColor(out, hsv_out, cv::COLOR_BGR2HSV);
    printf("top_coverage=%.4f lines=%.4f line_precision=%.4f edge_area=%.4f edge_ssim=%.4f edge_ssim_unrelated=%.4f grey=%.4f detail_in=%.2f "
           "detail_out=%.2f luma_in=%.1f luma_out=%.1f sat_in=%.1f sat_out=%.1f\n",
           double(top) / (w * h), double(nl) / (w * h), nl ? double(cv::countNonZero(line_near)) / nl : 0.0,
           double(cv::countNonZero(near_edge)) / (w * h),
           ssim(gradient(in, scale), gradient(out, scale)), ssim(gradient(in, scale), gradient(flipped, scale)), double(grey) / (w * h), local_detail(in),
           local_detail(out), cv::mean(gi)[0], cv::mean(go)[0], cv::mean(hsv_in)[1], cv::mean(hsv_out)[1]);
    return 0;
  }
  if (mode == "refdist" && argc == 6) {
    auto frames = read_frames(argv[4], w, h);
    cv::Mat ref = cv::imread(argv[5], cv::IMREAD_COLOR);
    if (ref.empty()) {
      fprintf(stderr, "restyle_metrics: cannot read %s\n", argv[5]);
      return 1;
    }
    auto stats = [](const cv::Mat& bgr) {
      cv::Mat f, lab;
      bgr.convertTo(f, CV_32FC3, 1 / 255.0);
      cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
      cv::Scalar m, s;
      cv::meanStdDev(lab, m, s);
      return std::make_pair(m, s);
    };
    auto [rm, rs] = stats(ref);
    double d = 0;
    for (const cv::Mat& f : frames) {
      auto [m, s] = stats(f);
      double e = 0;
      for (int c = 0; c < 3; ++c) e += (m[c] - rm[c]) * (m[c] - rm[c]) + (s[c] - rs[c]) * (s[c] - rs[c]);
      d += std::sqrt(e);
    }
    printf("dist=%.3f\n", d / frames.size());
    return 0;
  }
  fprintf(stderr, "restyle_metrics: bad arguments for %s\n", mode.c_str());
  return 1;
}

// Shared by the measuring tools: raw video files as `ffmpeg -f rawvideo` writes them, and SSIM.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include <opencv2/imgproc.hpp>

// Every whole W x H frame of `type` (CV_8UC3 for rgb24, CV_8U for gray) in the file; exits with
// a message when there is none.
inline std::vector<cv::Mat> read_raw_frames(const char* tool, const char* path, int w, int h, int type) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    fprintf(stderr, "%s: cannot read %s\n", tool, path);
    exit(1);
  }
  std::vector<cv::Mat> out;
  for (;;) {
    cv::Mat m(h, w, type);
    if (!f.read(reinterpret_cast<char*>(m.data), std::streamsize(m.total() * m.elemSize()))) break;
    out.push_back(m);
  }
  if (out.empty()) {
    fprintf(stderr, "%s: %s holds no whole %dx%d frame\n", tool, path, w, h);
    exit(1);
  }
  return out;
}

// Per-pixel SSIM of two 8-bit single-channel pictures (11x11 Gaussian, sigma 1.5, Wang et al.).
inline cv::Mat ssim_map(const cv::Mat& a, const cv::Mat& b) {
  const double C1 = 6.5025, C2 = 58.5225;
  cv::Mat I1, I2, mu1, mu2, s1, s2, s12;
  a.convertTo(I1, CV_32F);
  b.convertTo(I2, CV_32F);
  cv::GaussianBlur(I1, mu1, {11, 11}, 1.5);
  cv::GaussianBlur(I2, mu2, {11, 11}, 1.5);
  cv::GaussianBlur(I1.mul(I1), s1, {11, 11}, 1.5);
  cv::GaussianBlur(I2.mul(I2), s2, {11, 11}, 1.5);
  cv::GaussianBlur(I1.mul(I2), s12, {11, 11}, 1.5);
  cv::Mat m1m1 = mu1.mul(mu1), m2m2 = mu2.mul(mu2), m1m2 = mu1.mul(mu2);
  s1 -= m1m1, s2 -= m2m2, s12 -= m1m2;
  cv::Mat num = (2 * m1m2 + C1).mul(2 * s12 + C2), den = (m1m1 + m2m2 + C1).mul(s1 + s2 + C2), map;
  cv::divide(num, den, map);
  return map;
}

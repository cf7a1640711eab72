// Measures next-shot's output for its tests and bench/: where the subject sits in the frame,
// how smooth the camera is, whether the pictures are the crops the path says, and how fast a
// continued shot zooms.
//
//   shot_metrics path PATH.txt TRUTH.txt W H [FIRST LAST]
//       PATH.txt: next-shot's path= file; TRUTH.txt: "n hx hy" a line, the subject's head in input
//       pixels. Prints safe= (share of frames with the head inside the crop's middle 60 %),
//       inside= (share of frames whose crop is inside the W x H picture), jerk= (sum of the crop
//       centre's third differences), naive_jerk= (the same for a crop centred each frame on the
//       head the filter observed, kept inside the picture), jerk_ratio=, and with FIRST LAST
//       still= (the most the crop's centre or size moves in a frame between those frames).
//   shot_metrics pixels IN.gray OUT.gray W H OW OH PATH.txt STEP
//       Raw grey frames n = 0, STEP, 2 STEP... of the input (W x H) and output (OW x OH): each
//       output frame against the path's crop of the input, drawn by OpenCV (bicubic). Prints
//       psnr_min= and psnr_mean= (dB).
//   shot_metrics zoom CLIP.gray W H FROM TO
//       The mean per-frame zoom between consecutive frames FROM..TO (corners tracked, a
//       similarity fitted by RANSAC). Prints zoom= (a scale factor a frame).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "raw_video.h"

namespace {

struct Row {
  double t, x, y, w, h, hx, hy;
};

std::map<int, Row> read_path(const char* file) {
  std::ifstream f(file);
  if (!f) fprintf(stderr, "shot_metrics: cannot read %s\n", file), exit(1);
  std::map<int, Row> rows;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    int n;
    Row r;
    if (s >> n >> r.t >> r.x >> r.y >> r.w >> r.h >> r.hx >> r.hy) rows[n] = r;
  }
  if (rows.empty()) fprintf(stderr, "shot_metrics: %s holds no path\n", file), exit(1);
  return rows;
}

double jerk(const std::vector<cv::Point2d>& c) {
  double s = 0;
  for (size_t i = 3; i < c.size(); ++i) s += cv::norm(c[i] - 3 * c[i - 1] + 3 * c[i - 2] - c[i - 3]);
  return s;
}

int path_metrics(int argc, char** argv) {
  auto rows = read_path(argv[2]);
  std::map<int, cv::Point2d> truth;
  {
    std::ifstream f(argv[3]);
    int n;
    double x, y;
    while (f >> n >> x >> y) truth[n] = {x, y};
  }
  const double W = atof(argv[4]), H = atof(argv[5]);
  int safe = 0, inside = 0, counted = 0;
  std::vector<cv::Point2d> ours, naive;
  for (const auto& [n, r] : rows) {
    const cv::Point2d c(r.x + r.w / 2, r.y + r.h / 2);
    ours.push_back(c);
    // Centring on the observed head each frame, the crop kept inside the picture.
    cv::Point2d v = r.hx < 0 ? c : cv::Point2d(r.hx, r.hy);
    v.x = std::clamp(v.x, r.w / 2, W - r.w / 2), v.y = std::clamp(v.y, r.h / 2, H - r.h / 2);
    naive.push_back(v);
    inside += r.x >= -0.01 && r.y >= -0.01 && r.x + r.w <= W + 0.01 && r.y + r.h <= H + 0.01;
    auto t = truth.find(n);
    if (t == truth.end()) continue;
    ++counted;
    safe += std::abs(t->second.x - c.x) <= 0.3 * r.w && std::abs(t->second.y - c.y) <= 0.3 * r.h;
  }
  const double j = jerk(ours), nj = jerk(naive);
  printf("frames=%zu\nsafe=%.4f\ninside=%.4f\njerk=%.3f\nnaive_jerk=%.3f\njerk_ratio=%.4f\n", rows.size(),
         counted ? double(safe) / counted : 0.0, double(inside) / rows.size(), j, nj, nj > 0 ? j / nj : 0.0);
  if (argc >= 8) {
    const int a = atoi(argv[6]), b = atoi(argv[7]);
    double still = 0;
    for (int n = a + 1; n <= b; ++n) {
      if (!rows.count(n) || !rows.count(n - 1)) continue;
      const Row &p = rows[n - 1], &q = rows[n];
      still = std::max({still, std::hypot(q.x + q.w / 2 - p.x - p.w / 2, q.y + q.h / 2 - p.y - p.h / 2), std::abs(q.h - p.h)});
    }
    printf("still=%.4f\n", still);
  }
  return 0;
}

int pixel_metrics(char** argv) {
  const int W = atoi(argv[4]), H = atoi(argv[5]), OW = atoi(argv[6]), OH = atoi(argv[7]), step = atoi(argv[9]);
  auto in = read_raw_frames("shot_metrics", argv[2], W, H, CV_8U);
  auto out = read_raw_frames("shot_metrics", argv[3], OW, OH, CV_8U);
  auto rows = read_path(argv[8]);
  double lo = 1e9, sum = 0;
  int k = 0;
  for (size_t i = 0; i < std::min(in.size(), out.size()); ++i) {
    auto r = rows.find(int(i) * step);
    if (r == rows.end()) continue;
    // output pixel (u, v) shows input point (x + (u + 0.5) w / OW - 0.5, ...)
    const double sx = r->second.w / OW, sy = r->second.h / OH;
    cv::Matx23d m(sx, 0, r->second.x + 0.5 * sx - 0.5, 0, sy, r->second.y + 0.5 * sy - 0.5);
    cv::Mat ref;
    cv::warpAffine(in[i], ref, m, {OW, OH}, cv::INTER_CUBIC | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    // The picture's outer 4 pixels left out: the two resamplers treat the picture's edge differently.
    cv::Rect inner(4, 4, OW - 8, OH - 8);
    const double p = cv::PSNR(ref(inner), out[i](inner));
    lo = std::min(lo, p), sum += p, ++k;
  }
  if (!k) fprintf(stderr, "shot_metrics: no frame to compare\n"), exit(1);
  printf("compared=%d\npsnr_min=%.2f\npsnr_mean=%.2f\n", k, lo, sum / k);
  return 0;
}

int zoom_metrics(char** argv) {
  const int W = atoi(argv[3]), H = atoi(argv[4]), from = atoi(argv[5]), to = atoi(argv[6]);
  auto frames = read_raw_frames("shot_metrics", argv[2], W, H, CV_8U);
  double log_sum = 0;
  int k = 0;
  for (int i = std::max(1, from + 1); i <= to && i < int(frames.size()); ++i) {
    std::vector<cv::Point2f> a, b, pa, pb;
    cv::goodFeaturesToTrack(frames[i - 1], a, 400, 0.01, 6);
    if (a.size() < 8) continue;
    std::vector<uint8_t> st;
    std::vector<float> err;
    cv::calcOpticalFlowPyrLK(frames[i - 1], frames[i], a, b, st, err, {21, 21}, 3);
    for (size_t j = 0; j < a.size(); ++j)
      if (st[j]) pa.push_back(a[j]), pb.push_back(b[j]);
    if (pa.size() < 8) continue;
    cv::Mat m = cv::estimateAffinePartial2D(pa, pb, cv::noArray(), cv::RANSAC, 1.0);
    if (m.empty()) continue;
    log_sum += std::log(std::hypot(m.at<double>(0, 0), m.at<double>(1, 0)));
    ++k;
  }
  if (!k) fprintf(stderr, "shot_metrics: no frame pair to measure\n"), exit(1);
  printf("pairs=%d\nzoom=%.6f\n", k, std::exp(log_sum / k));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "path" && argc >= 6) return path_metrics(argc, argv);
  if (mode == "pixels" && argc >= 10) return pixel_metrics(argv);
  if (mode == "zoom" && argc >= 7) return zoom_metrics(argv);
  fprintf(stderr, "usage: shot_metrics path PATH TRUTH W H [FIRST LAST] | pixels IN OUT W H OW OH PATH STEP | zoom CLIP W H FROM TO\n");
  return 2;
}

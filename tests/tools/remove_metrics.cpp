// Measures fills for the remove tests and bench/ (raw files as `ffmpeg -f rawvideo` writes them:
// pictures rgb24, masks gray):
//
//   remove_metrics region W H OUT.rgb TRUTH.rgb MASK.gray
//     psnr=..: PSNR (dB) of OUT against TRUTH over the pixels MASK marks (>= 128), all frames;
//     ssim=..: mean SSIM (luma, 11x11 Gaussian) over the same pixels;
//     boil=..: mean |(out_t - truth_t) - (out_t-1 - truth_t-1)| over pixels marked in both frames,
//     in grey levels: how much the fill's error changes from frame to frame (0 = steady);
//     frames=.., marked=..: frames, mean fraction of pixels marked;
//     worst=..: the lowest PSNR of one frame (over the frames with marked pixels);
//     grey=..: the mean absolute difference of OUT's and TRUTH's luma over the marked pixels.
//
//   remove_metrics shadow-scene W H FRAMES BACKGROUND.jpg TEXTURE.jpg PREFIX
//     Writes a person-like cut-out (head, body, legs, TEXTURE inside) walking 5 px a frame over
//     BACKGROUND (a still camera), casting a shadow on the ground from its feet (the silhouette
//     laid down along the ground, the ground darkened to 55 %, soft-edged): PREFIX.rgb (the clip),
//     PREFIX_mask.gray (the cut-out only), PREFIX_gt.rgb (the background alone) and
//     PREFIX_shadow.gray (where the shadow falls outside the cut-out).
//
//   remove_metrics people W H PLATE_SRC.rgb IN.rgb OUT.rgb BOXES.txt [SHOW.rgb|MASK.gray]
//     A clean plate is the per-pixel median of PLATE_SRC's frames (a fixed camera, people who
//     move). BOXES.txt: "FRAME x0 y0 x1 y1" per hand-marked person, FRAME indexing IN/OUT. A
//     person's pixels are those inside its box that differ from the plate by > 30 (any channel)
//     in IN; "left" are those that still differ in OUT. Prints left=.. (fraction of all marked
//     people's pixels left), recall=.. (people with under half their pixels left), people=..
//     and per-person lines. With SHOW.rgb (the same frames through remove=...:show=1, which tints
//     the mask red) or MASK.gray (a matte's mask, > 127), found=.. is the detection recall instead: people whose pixels are at least
//     half inside the mask (red added: R up by > 40, G not up), and stray=.. the most mask blobs
//     (over 50 px) in one frame that touch no marked person's box (grown by 25 px): false positives.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "raw_video.h"

// "FRAME x0 y0 x1 y1" lines; '#' starts a comment line.
static std::vector<std::array<int, 5>> read_boxes(const char* path) {
  std::ifstream f(path);
  std::vector<std::array<int, 5>> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::array<int, 5> b{};
    if (sscanf(line.c_str(), "%d %d %d %d %d", &b[0], &b[1], &b[2], &b[3], &b[4]) == 5) out.push_back(b);
  }
  return out;
}

static bool masked(const cv::Mat& in, const cv::Mat& show, int x, int y, bool gray) {
  if (gray) return show.at<uint8_t>(y, x) > 127;
  cv::Vec3b a = in.at<cv::Vec3b>(y, x), b = show.at<cv::Vec3b>(y, x);  // RGB
  return b[0] - a[0] > 40 && b[1] <= a[1] + 3;
}

static int people(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    fprintf(stderr, "usage: remove_metrics people W H PLATE_SRC.rgb IN.rgb OUT.rgb BOXES.txt [SHOW.rgb]\n");
    return 1;
  }
  int w = atoi(argv[2]), h = atoi(argv[3]);
  auto src = read_raw_frames("remove_metrics", argv[4], w, h, CV_8UC3), in = read_raw_frames("remove_metrics", argv[5], w, h, CV_8UC3),
       out = read_raw_frames("remove_metrics", argv[6], w, h, CV_8UC3);
  // SHOW.rgb (remove's show=1, the mask tinted red) or MASK.gray (a matte: > 127 is the mask).
  std::vector<cv::Mat> show;
  bool gray = argc == 9 && std::string(argv[8]).size() > 5 && std::string(argv[8]).substr(std::string(argv[8]).size() - 5) == ".gray";
  if (argc == 9) show = read_raw_frames("remove_metrics", argv[8], w, h, gray ? CV_8U : CV_8UC3);
  if (src.empty() || in.empty() || in.size() != out.size() || (argc == 9 && show.size() != in.size())) {
    fprintf(stderr, "remove_metrics: %zu plate frames, %zu in, %zu out\n", src.size(), in.size(), out.size());
    return 1;
  }
  cv::Mat plate(h, w, CV_8UC3);
  std::vector<uint8_t> v(src.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x) {
      for (size_t k = 0; k < src.size(); ++k) v[k] = src[k].ptr<uint8_t>(y)[x];
      std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
      plate.ptr<uint8_t>(y)[x] = v[v.size() / 2];
    }
  auto differs = [](const cv::Vec3b& a, const cv::Vec3b& b) {
    return std::abs(a[0] - b[0]) > 30 || std::abs(a[1] - b[1]) > 30 || std::abs(a[2] - b[2]) > 30;
  };
  const auto boxes = read_boxes(argv[7]);
  int people = 0, found = 0, detected = 0;
  long total = 0, left = 0;
  for (const auto& bx : boxes) {
    const int f = bx[0], x0 = bx[1], y0 = bx[2], x1 = bx[3], y1 = bx[4];
    if (f < 0 || size_t(f) >= in.size()) continue;
    long pp = 0, pl = 0, pm = 0;
    for (int y = std::max(0, y0); y < std::min(h, y1); ++y)
      for (int x = std::max(0, x0); x < std::min(w, x1); ++x) {
        cv::Vec3b p = plate.at<cv::Vec3b>(y, x);
        if (!differs(in[size_t(f)].at<cv::Vec3b>(y, x), p)) continue;
        ++pp;
        if (differs(out[size_t(f)].at<cv::Vec3b>(y, x), p)) ++pl;
        if (!show.empty()) pm += masked(in[size_t(f)], show[size_t(f)], x, y, gray);
      }
    ++people;
    total += pp, left += pl;
    if (pp == 0 || pl * 2 < pp) ++found;
    if (pp == 0 || pm * 2 >= pp) ++detected;
    printf("person frame=%d box=%d,%d,%d,%d pixels=%ld left=%.3f masked=%.3f\n", f, x0, y0, x1, y1, pp, pp ? double(pl) / double(pp) : 0.0,
           pp ? double(pm) / double(pp) : 0.0);
  }
  int stray = 0;
  if (!show.empty()) {
    for (size_t k = 0; k < in.size(); ++k) {
      cv::Mat m(h, w, CV_8U, cv::Scalar(0)), near(h, w, CV_8U, cv::Scalar(0));
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          if (masked(in[k], show[k], x, y, gray)) m.at<uint8_t>(y, x) = 255;
        }
      for (const auto& b : boxes)
        if (size_t(b[0]) == k) near(cv::Rect(cv::Point(b[1] - 25, b[2] - 25), cv::Point(b[3] + 25, b[4] + 25)) & cv::Rect(0, 0, w, h)).setTo(255);
      cv::Mat labels, stats, cent;
      int n = cv::connectedComponentsWithStats(m, labels, stats, cent);
      std::vector<bool> touches(size_t(n), false);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          if (near.at<uint8_t>(y, x)) touches[size_t(labels.at<int>(y, x))] = true;
      int c = 0;
      for (int l = 1; l < n; ++l)
        if (!touches[size_t(l)] && stats.at<int>(l, cv::CC_STAT_AREA) > 50) ++c;
      stray = std::max(stray, c);
    }
  }
  printf("left=%.4f recall=%.3f people=%d", total ? double(left) / double(total) : 0.0, people ? double(found) / people : 0.0, people);
  if (!show.empty()) printf(" found=%.3f stray=%d", people ? double(detected) / people : 0.0, stray);
  printf("\n");
  return 0;
}

static int shadow_scene(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    fprintf(stderr, "usage: remove_metrics shadow-scene W H FRAMES BACKGROUND.jpg TEXTURE.jpg PREFIX [PAN]\n");
    return 1;
  }
  const int w0 = atoi(argv[2]), h = atoi(argv[3]), frames = atoi(argv[4]);
  const int pan = argc == 9 ? atoi(argv[8]) : 0;  // the camera pans this many px a frame (the ground slides left)
  const int w = w0 + pan * frames;  // the ground's width
  cv::Mat bg = cv::imread(argv[5], cv::IMREAD_COLOR), tex = cv::imread(argv[6], cv::IMREAD_COLOR);
  if (bg.empty() || tex.empty()) return fprintf(stderr, "remove_metrics: cannot read the pictures\n"), 1;
  // The background covers the frame (aspect kept, centre crop), as the other scenes' still chain.
  const double sc = std::max(double(w) / bg.cols, double(h) / bg.rows);
  cv::resize(bg, bg, {int(std::ceil(bg.cols * sc)), int(std::ceil(bg.rows * sc))}, 0, 0, cv::INTER_AREA);
  bg = bg(cv::Rect((bg.cols - w) / 2, (bg.rows - h) / 2, w, h)).clone();
  const int feet = h * 9 / 10, tall = h * 5 / 12;  // where the feet stand, how tall the figure is
  std::string prefix = argv[7];
  FILE *clip = fopen((prefix + ".rgb").c_str(), "wb"), *mask = fopen((prefix + "_mask.gray").c_str(), "wb"),
       *gt = fopen((prefix + "_gt.rgb").c_str(), "wb"), *sh = fopen((prefix + "_shadow.gray").c_str(), "wb");
  cv::Mat bg_rgb;
  cv::cvtColor(bg, bg_rgb, cv::COLOR_BGR2RGB);
  for (int t = 0; t < frames; ++t) {
    const int x0 = pan * t;                // the view's left edge on the ground
    const int cx = x0 + w0 / 10 + 5 * t;  // the figure walks 5 px a frame across the view
    cv::Mat fig = cv::Mat::zeros(h, w, CV_8U);
    cv::circle(fig, {cx, feet - tall + tall / 10}, tall / 10, 255, cv::FILLED, cv::LINE_AA);
    cv::ellipse(fig, {cx, feet - tall * 6 / 10}, {tall / 7, tall / 4}, 0, 0, 360, 255, cv::FILLED, cv::LINE_AA);
    cv::rectangle(fig, cv::Rect(cx - tall / 9, feet - tall * 4 / 10, tall / 11, tall * 4 / 10), 255, cv::FILLED);
    cv::rectangle(fig, cv::Rect(cx + tall / 9 - tall / 11, feet - tall * 4 / 10, tall / 11, tall * 4 / 10), 255, cv::FILLED);
    // The shadow: each point of the figure at height d above the feet falls at (x + 0.9 d, feet + 0.3 d).
    const cv::Matx23d lay(1, -0.9, 0.9 * feet, 0, -0.3, 1.3 * feet);
    cv::Mat shadow;
    cv::warpAffine(fig, shadow, cv::Mat(lay), fig.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    cv::GaussianBlur(shadow, shadow, {0, 0}, 1.5);
    cv::Mat a;
    shadow.convertTo(a, CV_32F, 0.45 / 255.0);
    cv::Mat frame(h, w, CV_8UC3), t3;
    cv::Mat bgf;
    bg.convertTo(bgf, CV_32FC3);
    cv::Mat keep;
    cv::merge(std::vector<cv::Mat>{1 - a, 1 - a, 1 - a}, keep);
    cv::multiply(bgf, keep, bgf);
    bgf.convertTo(frame, CV_8UC3);
    cv::Mat skin;
    cv::resize(tex, skin, {w, h}, 0, 0, cv::INTER_AREA);
    skin.copyTo(frame, fig > 127);
    const cv::Rect view(x0, 0, w0, h);
    cv::Mat out_rgb;
    cv::cvtColor(frame(view), out_rgb, cv::COLOR_BGR2RGB);
    fwrite(out_rgb.data, 1, out_rgb.total() * 3, clip);
    cv::Mat m = fig(view) > 127;
    fwrite(m.data, 1, m.total(), mask);
    cv::Mat g = bg_rgb(view).clone();
    fwrite(g.data, 1, g.total() * 3, gt);
    cv::Mat s = (shadow(view) > 127) & ~m;
    fwrite(s.data, 1, s.total(), sh);
  }
  fclose(clip), fclose(mask), fclose(gt), fclose(sh);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "people") return people(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "shadow-scene") return shadow_scene(argc, argv);
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
  double se = 0, ssim = 0, boil = 0, marked = 0, worst = 99, grey = 0;
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
      const double frame_mse = (s[0] + s[1] + s[2]) / 3;
      worst = std::min(worst, frame_mse > 0 ? 10 * std::log10(255.0 * 255.0 / frame_mse) : 99.0);
      npx += c * 3;
      cv::Mat go, gg;
      cv::cvtColor(out[t], go, cv::COLOR_RGB2GRAY);
      cv::cvtColor(gt[t], gg, cv::COLOR_RGB2GRAY);
      ssim += cv::mean(ssim_map(go, gg), m)[0] * c;
      cv::Mat gd;
      cv::absdiff(go, gg, gd);
      grey += cv::mean(gd, m)[0] * c;
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
  printf("frames=%zu marked=%.4f psnr=%.2f ssim=%.4f boil=%.3f worst=%.2f grey=%.2f\n", n, marked / n,
         mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99.0, total ? ssim / total : 0.0, nboil ? boil / nboil : 0.0, worst,
         total ? grey / total : 0.0);
  return 0;
}

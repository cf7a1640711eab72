// Measures mattes for the tests and bench/ (raw 8-bit files as `ffmpeg -f rawvideo` writes them):
//
//   matte_metrics compare W H PRED.gray GT.gray
//     frames=N iou=.. mae=.. stability=.. gt_stability=..
//     iou: mean per-frame IoU of the masks at alpha >= 128; mae: mean |pred - gt| / 255;
//     stability: mean |pred_t - pred_t-1| / 255 where the ground truth did not change (0 = steady);
//     follow=, follow_min=: mean and least IoU of pred_t with pred_t-1 moved by the ground truth's
//     shift (its centroid's, to the pixel): how steady a mask is on a subject that moves.
//   matte_metrics flicker W H ALPHA.gray PICTURE.gray
//     flicker=..: mean |alpha_t - alpha_t-1| / 255 over the pixels whose picture did not change
//     (luma within 2 levels): how much a matte moves where nothing did; still=: their share.
//   matte_metrics colour W H IMG.rgb R G B X0 Y0 X1 Y1
//     outside_other=..: fraction of pixels outside the box whose colour is not (R,G,B) (±30);
//     inside_other=..: the same inside the box.
//   matte_metrics boxes W H MASK.gray X0 Y0 X1 Y1 [...]
//     box1=.. box2=.. outside=..: fraction of mask >= 128 inside each box (first frame), and
//     outside all of them.
//   matte_metrics tint W H IMG.rgb ALPHA.gray LO HI
//     tint=..: mean of max(0, G - max(R, B)) over pixels with LO <= alpha <= HI (how green).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

static std::vector<unsigned char> slurp(const char* path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    fprintf(stderr, "matte_metrics: cannot read %s\n", path);
    exit(1);
  }
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(f)), {});
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: matte_metrics compare|colour|tint W H FILES...\n");
    return 1;
  }
  std::string mode = argv[1];
  long w = atol(argv[2]), h = atol(argv[3]), n = w * h;
  if (mode == "compare" && argc == 6) {
    auto p = slurp(argv[4]), g = slurp(argv[5]);
    long frames = long(std::min(p.size(), g.size()) / n);
    if (frames == 0 || p.size() != g.size()) {
      fprintf(stderr, "matte_metrics: sizes differ (%zu vs %zu bytes)\n", p.size(), g.size());
      return 1;
    }
    double iou = 0, mae = 0, stab = 0, gstab = 0, follow = 0, follow_min = 1, px = 0, py = 0;  // px, py: last frame's centroid
    long still = 0;
    auto centroid = [&](const unsigned char* gf, double& cx, double& cy) {
      double sx = 0, sy = 0, c = 0;
      for (long i = 0; i < n; ++i)
        if (gf[i] >= 128) sx += double(i % w), sy += double(i / w), ++c;
      cx = c ? sx / c : 0, cy = c ? sy / c : 0;
    };
    for (long f = 0; f < frames; ++f) {
      const unsigned char *pf = &p[f * n], *gf = &g[f * n];
      if (f == 0) centroid(gf, px, py);
      long inter = 0, uni = 0;
      double err = 0;
      for (long i = 0; i < n; ++i) {
        bool a = pf[i] >= 128, b = gf[i] >= 128;
        inter += a && b, uni += a || b;
        err += std::abs(pf[i] - gf[i]);
      }
      iou += uni ? double(inter) / uni : 1.0;
      mae += err / n / 255;
      if (f > 0) {
        const unsigned char *pp = pf - n, *gp = gf - n;
        for (long i = 0; i < n; ++i)
          if (gf[i] == gp[i]) stab += std::abs(pf[i] - pp[i]) / 255.0, ++still;
        for (long i = 0; i < n; ++i) gstab += std::abs(gf[i] - gp[i]) / 255.0;
        double x1, y1;
        centroid(gf, x1, y1);
        const long dx = std::lround(x1 - px), dy = std::lround(y1 - py);
        long fi = 0, fu = 0;
        for (long y = 0; y < h; ++y)
          for (long x = 0; x < w; ++x) {
            const long sx = x - dx, sy = y - dy;
            bool a = pf[y * w + x] >= 128, b = sx >= 0 && sx < w && sy >= 0 && sy < h && pp[sy * w + sx] >= 128;
            fi += a && b, fu += a || b;
          }
        const double fv = fu ? double(fi) / fu : 1.0;
        follow += fv, follow_min = std::min(follow_min, fv);
        px = x1, py = y1;
      }
    }
    printf("frames=%ld iou=%.4f mae=%.4f stability=%.5f gt_change=%.5f follow=%.4f follow_min=%.4f\n", frames, iou / frames,
           mae / frames, still ? stab / still : 0.0, frames > 1 ? gstab / (double(n) * (frames - 1)) : 0.0,
           frames > 1 ? follow / double(frames - 1) : 1.0, follow_min);
    return 0;
  }
  if (mode == "flicker" && argc == 6) {
    auto a = slurp(argv[4]), p = slurp(argv[5]);
    long frames = long(std::min(a.size(), p.size()) / n);
    if (frames < 2 || a.size() != p.size()) {
      fprintf(stderr, "matte_metrics: sizes differ or under 2 frames (%zu vs %zu bytes)\n", a.size(), p.size());
      return 1;
    }
    double sum = 0;
    long still = 0;
    for (long f = 1; f < frames; ++f) {
      const unsigned char *af = &a[f * n], *pf = &p[f * n];
      for (long i = 0; i < n; ++i)
        if (std::abs(pf[i] - pf[i - n]) <= 2) sum += std::abs(af[i] - af[i - n]) / 255.0, ++still;
    }
    printf("flicker=%.5f still=%.3f\n", still ? sum / double(still) : 0.0, double(still) / (double(n) * (frames - 1)));
    return 0;
  }
  if (mode == "colour" && argc == 12) {
    auto img = slurp(argv[4]);
    int R = atoi(argv[5]), G = atoi(argv[6]), B = atoi(argv[7]);
    long x0 = atol(argv[8]), y0 = atol(argv[9]), x1 = atol(argv[10]), y1 = atol(argv[11]);
    if (long(img.size()) < n * 3) return fprintf(stderr, "matte_metrics: short image\n"), 1;
    long out_n = 0, out_o = 0, in_n = 0, in_o = 0;
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) {
        const unsigned char* px = &img[(y * w + x) * 3];
        bool other = std::abs(px[0] - R) + std::abs(px[1] - G) + std::abs(px[2] - B) > 90;
        bool inside = x >= x0 && x < x1 && y >= y0 && y < y1;
        (inside ? in_n : out_n)++;
        (inside ? in_o : out_o) += other;
      }
    printf("outside_other=%.4f inside_other=%.4f\n", out_n ? double(out_o) / out_n : 0.0, in_n ? double(in_o) / in_n : 0.0);
    return 0;
  }
  if (mode == "boxes" && argc >= 9 && (argc - 5) % 4 == 0) {
    auto m = slurp(argv[4]);
    if (long(m.size()) < n) return fprintf(stderr, "matte_metrics: short mask\n"), 1;
    int nb = (argc - 5) / 4;
    std::vector<long> box(nb * 4), on(nb), all(nb);
    for (int i = 0; i < nb * 4; ++i) box[i] = atol(argv[5 + i]);
    long out_on = 0, out_all = 0;
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) {
        bool v = m[y * w + x] >= 128, in_any = false;
        for (int b = 0; b < nb; ++b)
          if (x >= box[b * 4] && y >= box[b * 4 + 1] && x < box[b * 4 + 2] && y < box[b * 4 + 3]) on[b] += v, all[b]++, in_any = true;
        if (!in_any) out_on += v, out_all++;
      }
    for (int b = 0; b < nb; ++b) printf("box%d=%.4f ", b + 1, all[b] ? double(on[b]) / all[b] : 0.0);
    printf("outside=%.4f\n", out_all ? double(out_on) / out_all : 0.0);
    return 0;
  }
  if (mode == "tint" && argc == 8) {
    auto img = slurp(argv[4]), a = slurp(argv[5]);
    int lo = atoi(argv[6]), hi = atoi(argv[7]);
    if (long(img.size()) < n * 3 || long(a.size()) < n) return fprintf(stderr, "matte_metrics: short input\n"), 1;
    double t = 0;
    long count = 0;
    for (long i = 0; i < n; ++i) {
      if (a[i] < lo || a[i] > hi) continue;
      const unsigned char* px = &img[i * 3];
      t += std::max(0, px[1] - std::max(px[0], px[2]));
      ++count;
    }
    printf("tint=%.3f pixels=%ld\n", count ? t / count : 0.0, count);
    return 0;
  }
  fprintf(stderr, "matte_metrics: bad arguments\n");
  return 1;
}

#include "core/image/camera_path.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace omni {

namespace {

// The stacked operator A = [D1; D2; D3; I] on a path of n values: rows of finite differences
// (velocity, acceleration, jerk) and the identity (the values themselves, where the bounds and
// the pull act). Block k starts at row offset(k).
struct Ops {
  int n;
  static constexpr std::array<std::array<double, 4>, 3> kDiff = {{{-1, 1, 0, 0}, {1, -2, 1, 0}, {-1, 3, -3, 1}}};
  int rows(int k) const { return k < 3 ? std::max(0, n - k - 1) : n; }
  int offset(int k) const {
    int o = 0;
    for (int j = 0; j < k; ++j) o += rows(j);
    return o;
  }
  int total() const { return offset(4); }
  void apply(const std::vector<double>& x, std::vector<double>& y) const {  // y = A x
    y.assign(total(), 0);
    int o = 0;
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < rows(k); ++i) {
        double s = 0;
        for (int a = 0; a <= k + 1; ++a) s += kDiff[k][a] * x[i + a];
        y[o + i] = s;
      }
      o += rows(k);
    }
    for (int i = 0; i < n; ++i) y[o + i] = x[i];
  }
  void apply_t(const std::vector<double>& y, std::vector<double>& x) const {  // x = A^T y
    x.assign(n, 0);
    int o = 0;
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < rows(k); ++i)
        for (int a = 0; a <= k + 1; ++a) x[i + a] += kDiff[k][a] * y[o + i];
      o += rows(k);
    }
    for (int i = 0; i < n; ++i) x[i] += y[o + i];
  }
};

// A^T A is symmetric positive definite with 3 diagonals either side: a banded Cholesky factor,
// L stored by rows as L[i][i-j] for j = 0..3.
constexpr int kBand = 3;
struct BandCholesky {
  int n = 0;
  std::vector<std::array<double, kBand + 1>> L;
  explicit BandCholesky(const Ops& ops) : n(ops.n), L(ops.n) {
    std::vector<std::array<double, kBand + 1>> M(n);  // M[i][j] = (A^T A)(i, i - j)
    for (auto& r : M) r.fill(0);
    for (int k = 0; k < 3; ++k)
      for (int i = 0; i < ops.rows(k); ++i)
        for (int a = 0; a <= k + 1; ++a)
          for (int b = 0; b <= a; ++b) M[i + a][a - b] += Ops::kDiff[k][a] * Ops::kDiff[k][b];
    for (int i = 0; i < n; ++i) M[i][0] += 1;
    for (int i = 0; i < n; ++i) {
      for (int j = std::max(0, i - kBand); j <= i; ++j) {
        double s = M[i][i - j];
        for (int k = std::max(0, i - kBand); k < j; ++k) s -= L[i][i - k] * (j - k <= kBand ? L[j][j - k] : 0);
        L[i][i - j] = i == j ? std::sqrt(std::max(s, 1e-12)) : s / L[j][0];
      }
    }
  }
  void solve(std::vector<double>& b) const {  // in place: b <- (L L^T)^-1 b
    for (int i = 0; i < n; ++i) {
      double s = b[i];
      for (int k = std::max(0, i - kBand); k < i; ++k) s -= L[i][i - k] * b[k];
      b[i] = s / L[i][0];
    }
    for (int i = n - 1; i >= 0; --i) {
      double s = b[i];
      for (int k = i + 1; k <= std::min(n - 1, i + kBand); ++k) s -= L[k][k - i] * b[k];
      b[i] = s / L[i][0];
    }
  }
};

double soft(double v, double t) { return v > t ? v - t : v < -t ? v + t : 0; }

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

}  // namespace

std::vector<double> solve_path(const PathProblem& p, const PathWeights& w, std::span<const double> before) {
  const int frames = int(p.lo.size());
  if (frames == 0) return {};
  const int nb = int(std::min<size_t>(before.size(), 3));
  const int n = nb + frames;
  // Bounds, targets and pulls over the whole run, the shown values pinned.
  std::vector<double> lo(n), hi(n), tgt(n), pull(n, 0);
  for (int i = 0; i < nb; ++i) lo[i] = hi[i] = tgt[i] = before[before.size() - nb + i];
  for (int t = 0; t < frames; ++t) {
    double a = p.lo[t], b = p.hi[t];
    if (a > b) a = b = (a + b) / 2;
    lo[nb + t] = a, hi[nb + t] = b;
    tgt[nb + t] = t < int(p.target.size()) ? p.target[t] : (a + b) / 2;
    pull[nb + t] = t < int(p.pull.size()) ? std::max(0.0, p.pull[t]) : 0;
  }
  auto clip = [&](int i, double v) { return std::clamp(v, lo[i], hi[i]); };
  if (n < 4) {  // too short for a jerk: the targets, inside the bounds
    std::vector<double> out(frames);
    for (int t = 0; t < frames; ++t) out[t] = clip(nb + t, tgt[nb + t]);
    return out;
  }

  const Ops ops{n};
  const BandCholesky chol(ops);
  const int m = ops.total();
  const double weight[3] = {w.velocity, w.acceleration, w.jerk};
  std::vector<double> x(n), z, u(m, 0), Ax, zold, rhs, tmp(m), diff;
  for (int i = 0; i < n; ++i) x[i] = clip(i, tgt[i]);
  ops.apply(x, z);
  // Scaled ADMM (Boyd et al. 2011, section 3.1) with over-relaxation and residual balancing.
  // rho only scales the thresholds: the x-update's matrix A^T A does not depend on it.
  double rho = 1;
  const double alpha = 1.6;
  double scale = 1;  // the path's magnitude, for the tolerances
  for (int i = 0; i < n; ++i) scale = std::max(scale, std::abs(tgt[i]));
  // 1e-5: a hundredth of a pixel on a 1000-px path; 1e-6 took 20x the iterations (5000-9000 on
  // 75 frames) for paths that differ by under 0.01 px.
  const double eps_abs = 1e-5 * scale, eps_rel = 1e-5;
  for (int it = 0; it < 20000; ++it) {
    for (int i = 0; i < m; ++i) tmp[i] = z[i] - u[i];
    ops.apply_t(tmp, rhs);
    chol.solve(rhs);
    x = rhs;
    ops.apply(x, Ax);
    zold = z;
    int o = 0;
    for (int k = 0; k < 4; ++k) {
      for (int i = 0; i < ops.rows(k); ++i) {
        const int r = o + i;
        const double v = alpha * Ax[r] + (1 - alpha) * zold[r];
        const double q = v + u[r];
        z[r] = k < 3 ? soft(q, weight[k] / rho) : clip(i, tgt[i] + soft(q - tgt[i], pull[i] / rho));
        u[r] = q - z[r];
      }
      o += ops.rows(k);
    }
    if (it % 10 != 9) continue;
    for (int i = 0; i < m; ++i) tmp[i] = Ax[i] - z[i];
    const double r_pri = norm(tmp);
    for (int i = 0; i < m; ++i) tmp[i] = z[i] - zold[i];
    ops.apply_t(tmp, diff);
    const double r_dual = rho * norm(diff);
    ops.apply_t(u, diff);
    const double eps_pri = std::sqrt(double(m)) * eps_abs + eps_rel * std::max(norm(Ax), norm(z));
    const double eps_dual = std::sqrt(double(n)) * eps_abs + eps_rel * rho * norm(diff);
    if (r_pri < eps_pri && r_dual < eps_dual) break;
    if (r_pri > 10 * r_dual) rho *= 2, std::for_each(u.begin(), u.end(), [](double& v) { v /= 2; });
    else if (r_dual > 10 * r_pri) rho /= 2, std::for_each(u.begin(), u.end(), [](double& v) { v *= 2; });
  }
  // The identity block of z: inside the bounds exactly.
  const int o = ops.offset(3);
  std::vector<double> out(frames);
  for (int t = 0; t < frames; ++t) out[t] = z[o + nb + t];
  return out;
}

}  // namespace omni

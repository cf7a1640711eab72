// core/perception: smoothing of tracked points over time.
#pragma once
#include <cmath>

namespace omni {

// One-Euro filter (Casiez et al. 2012): a low-pass whose cutoff rises with speed.
struct OneEuro {
  float min_cutoff = 0.5f, beta = 10.f, d_cutoff = 1.f;
  bool init = false;
  float x = 0, dx = 0;
  static float alpha(float cutoff, float dt) {
    float tau = 1.f / (2 * float(M_PI) * cutoff);
    return 1.f / (1.f + tau / dt);
  }
  // `scale`: the body's size in pixels; speed is judged in body sizes per second, so the filter
  // behaves the same near and far (the value itself stays in pixels: normalising it by a size
  // that changes every frame made the output jump).
  float operator()(float v, float dt, float scale) {
    if (!init) {
      init = true, x = v, dx = 0;
      return v;
    }
    float d = (v - x) / dt;
    dx += alpha(d_cutoff, dt) * (d - dx);
    x += alpha(min_cutoff + beta * std::fabs(dx) / scale, dt) * (v - x);
    return x;
  }
};

}  // namespace omni

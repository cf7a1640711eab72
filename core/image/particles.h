// Weather and atmosphere drawn over video: snow, rain, leaves, petals and embers as particles in
// three depth layers (far ones smaller, slower, fainter), moved by gravity (or heat), wind and a
// sway; fog and haze as overlays graded by depth (thicker toward the top of the picture, where a
// scene is usually farther away). Deterministic: the same seed, size and frame rate give the same
// frames, on any machine (own generator, no std:: distributions). People can be in front of the
// far layers: a person probability map given to draw() hides those layers there.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/media/frame.h"

namespace omni {

struct WeatherOptions {
  std::string kind;       // snow, rain, leaves, petals, embers, fog, haze
  float density = 1;      // particles (or fog thickness) relative to the kind's usual amount
  float wind = 0;         // horizontal drift, in picture widths per second (negative: to the left)
  float speed = 1;        // fall (rise) speed relative to the kind's usual
  uint64_t seed = 1;
  int in_front = 1;       // how many of the 3 layers (nearest first) are in front of people: 0 = all behind
};

const std::vector<std::string>& weather_kinds();

class Weather {
 public:
  explicit Weather(WeatherOptions o);  // fails on an unknown kind, naming the nearest
  ~Weather();
  // Advances one frame (dt seconds) and draws it into f (planar 8-bit YUV). people: CV_32F person
  // probability at any size, or empty.
  void draw(Frame& f, double dt, const cv::Mat& people);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

// Named colour grades (presets/grades.toml): replace=season=winter|autumn|spring|summer and
// replace=time=night|dusk|golden|noon. A grade is luma's curve (lift, gamma, gain, contrast),
// colour (saturation that follows luma, temperature, tint), a vignette, hue turns (greens to
// autumn's orange), and for winter the ground whitened and snow. Applied in the frame's own YUV
// planes, so the output keeps the input's format and colour tags.
#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/image/hue_turn.h"
#include "core/media/frame.h"

namespace omni {

struct Grade {
  std::string name, kind;  // kind: season or time
  float lift = 0, gamma = 1, gain = 1, contrast = 1;
  float saturation = 1, temperature = 0, tint = 0, vignette = 0;
  std::vector<HueTurn> turns;
  float whiten = 0, snow = 0;
};

// Every grade: presets/grades.toml, then ~/.config/omni/grades.toml, then $OMNI_GRADES.
const std::vector<Grade>& grades();
// The grade of that kind and name; fails naming the nearest and listing the kind's names.
const Grade& find_grade(const std::string& kind, const std::string& name, const std::string& who);
std::vector<std::string> grade_names(const std::string& kind);

// Grades f (planar 8-bit YUV, writable) `amount` of the way (0..1). ground: where to whiten
// (CV_32F 0..1 at any size), or empty.
void apply_grade(Frame& f, const Grade& g, float amount, const cv::Mat& ground);

}  // namespace omni

// A colour's hue moved to another's in a frame's own chroma planes (replace=color, and the
// season and time grades that turn greens to autumn): luma is never touched, so shading and
// texture stay. Per chroma pixel, its HSV hue (from the luma and chroma there: the chroma plane's
// own angle crowds orange and yellow together) against `from`'s decides how much of the turn it
// gets: all of it within half the tolerance, none beyond it; greys (chroma below `saturation`)
// keep their colour. The turn is made in the chroma plane, from `from`'s angle there to `to`'s,
// and the chroma's length moves toward `to`'s saturation by the same amount.
#pragma once
#include <cstdint>

#include <opencv2/core.hpp>

#include "core/media/frame.h"

namespace omni {

struct HueTurn {
  uint8_t from[3] = {255, 0, 0}, to[3] = {0, 0, 255};  // RGB
  float tolerance = 0.436f;  // radians of HSV hue (25 degrees)
  float saturation = 0.12f;  // chroma (max - min of R, G, B, 0..1) below which a pixel is grey
  float amount = 1;          // how much of the turn (0..1)
};

// The colour's chroma length (0..1, BT.601): a grey has none to turn.
double chroma_of(const uint8_t rgb[3]);

// Turns f (planar 8-bit YUV, writable) inside `where` (CV_32F weight 0..1 at any size; empty:
// everywhere) and inside `box` (frame pixels; empty: the whole frame).
void turn_hue(Frame& f, const HueTurn& t, const cv::Mat& where, cv::Rect box = {});

}  // namespace omni

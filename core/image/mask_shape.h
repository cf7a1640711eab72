// core/image: where a mask's object is and how it lies: its centre, its main axis (from the
// second moments), and its extent along any two perpendicular axes. replace=object places the new
// object by the old one's shape.
#pragma once
#include <opencv2/core.hpp>

namespace omni {

struct MaskShape {
  bool found = false;
  cv::Point2f centre;      // the middle of the extents below, in the mask's pixels
  float width = 0;         // extent along the axis at `turn` (2nd to 98th percentile of the pixels)
  float height = 0;        // extent across it
  float axis = 0;          // the main axis's angle, radians in (-pi/2, pi/2], clockwise from x (y down)
  float elongation = 1;    // how much longer the main axis is than the other (sqrt of the moments' ratio)
  float area = 0;          // pixels over one half
};

// The shape of `mask` (CV_32F probability or CV_8U 0/255, any size): its pixels over one half,
// the largest connected part only (a stray speck elsewhere does not drag the centre); extents
// measured along the axis turned `turn` radians from x.
MaskShape mask_shape(const cv::Mat& mask, float turn = 0);

}  // namespace omni

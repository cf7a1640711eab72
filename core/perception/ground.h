// core/perception: where snow would settle, guessed without a depth or surface-normal model.
// Ground-like is smooth, lower in the picture, in the colours of ground (greens, browns, greys
// and pale stone; not a red car or a blue coat), not sky and never a person. An approximation,
// named as one in replace=season=winter's help: a wall low in the picture can whiten, a roof
// high in it does not.
#pragma once
#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

// CV_32F in [0,1] at the sky map's size. sky: SkyFinder's probability (its size sets the
// working size); people: a person probability at any size, or empty.
cv::Mat ground_likeness(const Frame& f, const cv::Mat& sky, const cv::Mat& people);

}  // namespace omni

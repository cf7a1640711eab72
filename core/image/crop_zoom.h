// core/image: a region of a picture drawn at another size — a digital zoom. The region is in
// source pixels with sub-pixel position and size (a virtual camera that pans half a pixel a
// frame must move half a pixel, not a whole one every other frame), resampled by Lanczos-3,
// antialiased when it shrinks; then an optional unsharp mask for what the zoom softened.
#pragma once
#include <cstdint>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace omni {

// `src` (CV_8U, one plane) inside `region` (source pixel coordinates, edges at whole numbers:
// the region (0, 0, cols, rows) is the whole picture) drawn into all of `dst` (CV_8U, allocated).
// Source pixels outside the picture are `outside` when given (>= 0), else the nearest edge pixel.
void zoom_region(const cv::Mat& src, const cv::Rect2d& region, cv::Mat& dst, int outside = -1);

// Unsharp mask: plane + amount * (plane - gaussian(plane, sigma)), in place.
void unsharp(cv::Mat& plane, double amount, double sigma);

}  // namespace omni

// core/perception: reaching the models (options, one network on one picture) and frame pixels.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

struct InferResult;

// -threads and -device for the models, applied when a filter first runs one.
void set_model_options(int threads, const std::string& device);

// The frame (8-bit planar YUV with any chroma subsampling, alpha ignored) as 8-bit BGR at
// `size` (stretched), using the frame's colour matrix and range.
cv::Mat frame_to_bgr(const Frame& f, cv::Size size);
// Only `area` (frame pixels) of it, at `size`: a crop for a model, without the whole frame.
cv::Mat frame_to_bgr(const Frame& f, cv::Size size, cv::Rect area);

// A network from the manifest on one picture (and a mask, for inpainting networks), with
// -threads/-device applied: for filters whose model is not one of the analyses below
// (restyle=model=, remove's model=).
InferResult run_model(const std::string& name, const cv::Mat& bgr, const cv::Mat& mask = cv::Mat());
// A network's first output read as one picture (3 channels in the manifest's layout, colour
// order and range): 8-bit BGR at the network's output size. Throws when it is not one.
cv::Mat output_picture(const InferResult& r, const std::string& name);

}  // namespace omni

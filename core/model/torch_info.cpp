// The module's entry point and LibTorch facts for -buildconf (see core/model/torch_module.h).
#include <torch/cuda.h>
#include <torch/version.h>

#include <fmt/format.h>
#include <string>

#include "core/model/torch_module.h"

namespace omni {

static std::string buildconf() {
  return fmt::format("LibTorch {} (CUDA support in this build: {}; CUDA devices visible: {})\n", TORCH_VERSION,
                     torch::cuda::is_available() ? "yes" : "no", torch::cuda::device_count());
}

void model_configure(int threads, const std::string& device);
std::string model_run(const ModelRunArgs& args);
std::string model_inspect(const std::string& name, const std::string& path);
InferResult model_infer(const std::string& name, const std::string& path, const cv::Mat& bgr);
InferResult model_infer_masked(const std::string& name, const std::string& path, const cv::Mat& bgr, const cv::Mat& mask);

InferResult model_infer_recurrent(const std::string& name, const std::string& path, const cv::Mat& bgr, double downsample_ratio,
                                  std::vector<InferOutput>& state);
static const TorchApi api = {kTorchAbi, buildconf, model_configure, model_run, model_inspect, model_infer, model_infer_masked,
                             model_infer_recurrent};

}  // namespace omni

extern "C" __attribute__((visibility("default"))) const omni::TorchApi* omni_torch_api() { return &omni::api; }

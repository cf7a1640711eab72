// LibTorch facts for -buildconf (kept in its own file: LibTorch headers are slow to compile).
#include <torch/version.h>
#include <torch/cuda.h>

#include <fmt/format.h>
#include <string>

namespace omni {

std::string torch_buildconf() {
  return fmt::format("LibTorch {} (CUDA support in this build: {}; CUDA devices visible: {})\n", TORCH_VERSION,
                     torch::cuda::is_available() ? "yes" : "no", torch::cuda::device_count());
}

}  // namespace omni

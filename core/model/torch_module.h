// The LibTorch side of omni lives in its own shared library, libomni_torch.so, loaded on first
// use. Linking LibTorch into the executable costs ~0.8 s of start-up on every run (its static
// operator registration), which a batch loop of `omni -vf scale` calls would pay for nothing;
// ffmpeg starts in ~0.07 s. Code that includes LibTorch headers (Frame::tensor, the model core,
// filters' network parts) goes into the module; the executable reaches it through TorchApi.
#pragma once
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace omni {

// `omni models run NAME IMAGE [-o OUT]`: one inference on an image file.
struct ModelRunArgs {
  std::string name;     // manifest name
  std::string path;     // installed model file
  std::string image;    // input image (anything OpenCV reads)
  std::string output;   // "" or where to write the mask PNG / landmarks JSON
  int repeat = 1;       // timed runs after one warm-up
  std::string dump;     // "" or a prefix: writes PREFIX.input.f32 and PREFIX.output.f32 (raw, model layout)
};

// One forward pass for core/perception. The image (8-bit BGR, any size) is resized and normalised
// as the manifest says; outputs come back as float arrays on the CPU, in the model's layout.
struct InferOutput {
  std::vector<int64_t> shape;
  std::vector<float> data;
};
struct InferResult {
  std::vector<InferOutput> outputs;
  double scale = 1, pad_x = 0, pad_y = 0;  // image px = (model px - pad) / scale (letterbox)
};

struct TorchApi {
  int abi;                     // kTorchAbi of the module; checked on load
  std::string (*buildconf)();  // "LibTorch 1.13.1 (CUDA ...)" for -buildconf
  // Threads (0 = LibTorch's default) and device ("cpu", "cuda", "cuda:1"); throws Error when
  // the device is not available in this LibTorch (never a silent fall-back).
  void (*configure)(int threads, const std::string& device);
  std::string (*run)(const ModelRunArgs& args);          // returns the summary line(s)
  std::string (*inspect)(const std::string& name, const std::string& path);  // ops, inputs, outputs
  InferResult (*infer)(const std::string& name, const std::string& path, const cv::Mat& bgr);
  // The same with a second input, a mask (CV_8U, the picture's size, non-zero = the hole) given to
  // the network as [1,1,H,W] (or [1,H,W,1]) of 0/1 at its input size: inpainting networks (LaMa).
  InferResult (*infer_masked)(const std::string& name, const std::string& path, const cv::Mat& bgr, const cv::Mat& mask);
  // A recurrent network (RVM): the picture at the size given (the network is imported once per
  // size and downsample ratio), the state its previous call returned (empty: start from zeros).
  // Outputs in the manifest's order; the ones named like its extra inputs ("r1o" for "r1i")
  // become the new state.
  InferResult (*infer_recurrent)(const std::string& name, const std::string& path, const cv::Mat& bgr, double downsample_ratio,
                                 std::vector<InferOutput>& state);
};

constexpr int kTorchAbi = 6;

// Loads libomni_torch.so on the first call (next to the executable, or its ../, or
// $OMNI_TORCH_MODULE) and returns its table. Throws Error naming the path tried when it is
// missing or does not load. Thread-compatible: call from the main thread first.
const TorchApi& torch_api();

}  // namespace omni

// The model core on a GPU: each model imported twice, on the CPU and on CUDA, the same input
// through both, the outputs compared and each timed. Built on a machine whose LibTorch has CUDA
// (bench/gpu/run.sh builds it beside omni's importers; the rest of omni is not needed).
//   models_gpu MODEL_DIR [RUNS]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/model/net.h"

using namespace omni;
using namespace omni::model;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("cannot read '{}'", path);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

struct Case {
  const char* name;  // what the report calls it
  const char* file;  // under MODEL_DIR
  std::vector<int64_t> shape;  // the input, in the model's own layout
  float lo, hi;                // the input's range
  TfjsOptions tfjs;
};

Net import(const Case& c, const std::string& bytes, at::Device d) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  std::string f = c.file;
  if (f.size() > 7 && f.substr(f.size() - 7) == ".tflite") return import_tflite(c.name, p, bytes.size(), d);
  return import_tfjs(c.name, p, bytes.size(), c.tfjs, d);
}

// A real photo (messi5.jpg as raw RGB, 548x342: MODEL_DIR/messi.rgb) scaled to the input's size
// and range, in its layout; noise when the photo is not there.
at::Tensor picture(const std::string& dir, const std::vector<int64_t>& shape, float lo, float hi) {
  const bool nchw = shape[1] == 3;
  const int64_t h = nchw ? shape[2] : shape[1], w = nchw ? shape[3] : shape[2];
  at::Tensor x;
  std::ifstream f(dir + "/messi.rgb", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(f)), {});
  if (raw.size() == size_t(548 * 342 * 3)) {
    x = at::from_blob(raw.data(), {1, 342, 548, 3}, at::kByte).to(at::kFloat).div(255).permute({0, 3, 1, 2}).contiguous();
    x = at::upsample_bilinear2d(x, {h, w}, false);
  } else {
    x = at::rand({1, 3, h, w}, at::kFloat);
  }
  x = x * (hi - lo) + lo;
  return nchw ? x : x.permute({0, 2, 3, 1}).contiguous();
}

double worst_diff(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double worst = 0;
  for (size_t k = 0; k < a.size(); ++k) worst = std::max(worst, (a[k] - b[k]).abs().max().item<double>());
  return worst;
}

double ms_per_run(const Net& net, const std::vector<at::Tensor>& in, int runs) {
  for (int k = 0; k < 3; ++k) net.run(in);  // warm up (CUDA kernels chosen, caches filled)
  auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < runs; ++k) net.run(in);  // run() hands back CPU tensors: each run ends synchronised
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / runs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: models_gpu MODEL_DIR [RUNS]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 20;
  if (!at::hasCUDA()) {
    std::fprintf(stderr, "models_gpu: this LibTorch has no CUDA\n");
    return 1;
  }
  c10::InferenceMode guard;
  std::vector<Case> cases;
  cases.push_back({"selfie", "selfie.tflite", {1, 256, 256, 3}, 0, 1, {}});
  cases.push_back({"pose-full", "pose-full.tflite", {1, 256, 256, 3}, 0, 1, {}});
  {
    Case c{"nanodet", "nanodet.tfjs", {1, 3, 416, 416}, -2, 2, {}};
    c.tfjs.outputs = {"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0", "Identity_4:0", "Identity_5:0"};
    c.tfjs.first_input_shape = c.shape;
    cases.push_back(c);
  }
  {
    Case c{"movenet-multipose", "movenet-multipose.tfjs", {1, 256, 256, 3}, 0, 255, {}};
    c.tfjs.outputs = {"Identity:0"};
    c.tfjs.first_input_shape = c.shape;
    cases.push_back(c);
  }
  for (auto [h, w, dr] : {std::tuple<int64_t, int64_t, double>{342, 548, 0.7}, {720, 1280, 0.3}, {1080, 1920, 0.2}}) {
    // RVM's first frame (its recurrent state folded to zeros), at omni's downsample ratio for the size.
    Case c{"rvm", "rvm.tfjs", {1, h, w, 3}, 0, 1, {}};
    c.tfjs.inputs = {"src"};
    c.tfjs.outputs = {"pha", "r1o", "r2o", "r3o", "r4o"};
    c.tfjs.shapes["src"] = c.shape;
    c.tfjs.constants["downsample_ratio"] = at::full({}, dr, at::kFloat);
    for (const char* r : {"r1i", "r2i", "r3i", "r4i"}) c.tfjs.constants[r] = at::zeros({}, at::kFloat);
    cases.push_back(c);
  }
  std::printf("%-18s %-12s %9s %9s %9s %9s %7s %11s %11s %9s\n", "model", "input", "cpu1 ms", "cpu16 ms", "cuda ms", "tf32 ms",
              "x cpu1", "diff fp32", "diff tf32", "of");
  at::manual_seed(1);
  for (const Case& c : cases) {
    std::string bytes;
    try {
      bytes = read_all(dir + "/" + c.file);
    } catch (const std::exception& e) {
      std::printf("%-18s skipped: %s\n", c.name, e.what());
      continue;
    }
    try {
      Net cpu = import(c, bytes, at::kCPU), gpu = import(c, bytes, at::Device(at::kCUDA, 0));
      std::vector<at::Tensor> in{picture(dir, c.shape, c.lo, c.hi)};
      std::vector<at::Tensor> a = cpu.run(in);
      // Hopper runs convolutions in TF32 unless told not to (PyTorch's default for cuDNN): both.
      at::globalContext().setAllowTF32CuDNN(false);
      at::globalContext().setAllowTF32CuBLAS(false);
      double fp32 = worst_diff(a, gpu.run(in));
      at::globalContext().setAllowTF32CuDNN(true);
      at::globalContext().setAllowTF32CuBLAS(true);
      double tf32 = worst_diff(a, gpu.run(in));
      double g32 = ms_per_run(gpu, in, runs);
      at::globalContext().setAllowTF32CuDNN(false);  // omni's -device cuda runs in float32
      at::globalContext().setAllowTF32CuBLAS(false);
      double scale = 0;
      for (const auto& t : a) scale = std::max(scale, t.abs().max().item<double>());
      at::set_num_threads(1);
      double c1 = ms_per_run(cpu, in, std::max(3, runs / 4));
      at::set_num_threads(16);
      double c16 = ms_per_run(cpu, in, runs);
      double g = ms_per_run(gpu, in, runs);
      std::string shape = std::to_string(c.shape[1]) + "x" + std::to_string(c.shape[2]) + "x" + std::to_string(c.shape[3]);
      std::printf("%-18s %-12s %9.2f %9.2f %9.2f %9.2f %7.1f %11.3g %11.3g %9.3g\n", c.name, shape.c_str(), c1, c16, g, g32, c1 / g, fp32,
                  tf32, scale);
    } catch (const std::exception& e) {
      std::printf("%-18s FAILED: %s\n", c.name, e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}

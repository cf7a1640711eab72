// Net: an imported network as a list of ATen steps over tensor slots. Importers (TFLite, ONNX)
// check the file's structure, fold weights into the layout ATen wants once (NHWC -> NCHW,
// fp16 -> fp32, sparse -> dense), and emit one closure per op. Running is then a plain loop,
// inference only, under NoGradGuard. This header includes ATen: LibTorch-side code only.
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace omni::model {

// Rank-4 layout changes (other ranks pass through): TFLite files are NHWC, ATen convs want NCHW.
inline at::Tensor nhwc_to_nchw(const at::Tensor& t) { return t.dim() == 4 ? t.permute({0, 3, 1, 2}).contiguous() : t; }
inline at::Tensor nchw_to_nhwc(const at::Tensor& t) { return t.dim() == 4 ? t.permute({0, 2, 3, 1}).contiguous() : t; }

struct NetIO {
  std::string name;
  std::vector<int64_t> shape;  // in the model's own layout (NHWC for TFLite)
};

struct Net {
  std::string name;           // what errors call it ("selfie", or the file)
  std::string format;         // "tflite", "onnx", "torchscript"
  std::vector<NetIO> inputs, outputs;
  std::vector<std::string> op_names;  // one per step, for inspect and errors
  at::Device device = at::kCPU;       // where weights live and steps run; run() takes and gives CPU tensors

  // Runs the network. Inputs and outputs are float tensors in the model's own layout.
  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs) const;

  // --- filled by importers ---
  using Step = std::function<void(std::vector<at::Tensor>& slots)>;
  int slot_count = 0;
  std::vector<int> input_slots, output_slots;
  std::vector<bool> input_nhwc, output_nhwc;  // 4-D tensors are kept NCHW inside
  std::vector<Step> steps;
};

// TFLite flatbuffer -> Net. `what` names the model in errors. Throws Error.
Net import_tflite(const std::string& what, const uint8_t* data, size_t size, at::Device device = at::kCPU);

// ONNX ModelProto -> Net (2-D vision ops, opset 11..18). keep_outputs > 0 keeps only the first
// graph outputs and prunes what only the others need. Throws Error.
Net import_onnx(const std::string& what, const uint8_t* data, size_t size, size_t keep_outputs = 0,
                at::Device device = at::kCPU);

// TF.js graph model -> Net. `data` is model.json, a NUL byte, then the weight shards concatenated
// in manifest order (what `omni models fetch` installs). Dynamic input dimensions are fixed by
// `shapes`, and `constants` fix inputs to values (folded: RVM's downsample ratio decides its
// Switch/Merge branches). Outputs by tensor name or signature key; empty: the signature's.
struct TfjsOptions {
  std::vector<std::string> inputs;                       // order of the Net's inputs (default: graph order)
  std::vector<std::string> outputs;
  std::map<std::string, std::vector<int64_t>> shapes;    // placeholder -> fixed shape
  std::vector<int64_t> first_input_shape;                // the first input's, where the graph leaves it open
  std::map<std::string, at::Tensor> constants;           // placeholder -> fixed value
};
Net import_tfjs(const std::string& what, const uint8_t* data, size_t size, const TfjsOptions& options = {},
                at::Device device = at::kCPU);

// TorchScript file -> a one-step Net calling forward(input); takes the first output. Throws Error.
Net import_torchscript(const std::string& what, const std::string& path, at::Device device = at::kCPU);

}  // namespace omni::model

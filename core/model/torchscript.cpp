// TorchScript models (a user's own export, e.g. a style network or an inpainter): loaded with
// torch::jit::load, wrapped as a one-step Net. LibTorch's c10::Error becomes omni's Error.
#include <torch/script.h>

#include "core/error.h"
#include "core/model/net.h"

namespace omni::model {

Net import_torchscript(const std::string& what, const std::string& path, at::Device device) {
  auto module = std::make_shared<torch::jit::Module>();
  try {
    *module = torch::jit::load(path, device);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    fail("{}: not a TorchScript model, or the file is corrupt ({})", what, msg.substr(0, msg.find('\n')));
  }
  module->eval();
  Net net;
  net.name = what;
  net.format = "torchscript";
  net.device = device;
  net.slot_count = 2;
  net.input_slots = {0};
  net.output_slots = {1};
  net.input_nhwc = {false};
  net.output_nhwc = {false};
  net.inputs.push_back({"input", {}});
  net.outputs.push_back({"output", {}});
  net.op_names.push_back("TorchScript forward");
  net.steps.push_back([module, what](std::vector<at::Tensor>& s) {
    torch::jit::IValue out;
    try {
      out = module->forward({s[0]});
    } catch (const c10::Error& e) {
      std::string msg = e.what_without_backtrace();
      fail("{}: forward failed: {}", what, msg.substr(0, msg.find('\n')));
    }
    if (out.isTensor()) s[1] = out.toTensor();
    else if (out.isTuple() && !out.toTuple()->elements().empty() && out.toTuple()->elements()[0].isTensor())
      s[1] = out.toTuple()->elements()[0].toTensor();
    else fail("{}: forward returned neither a tensor nor a tuple starting with one", what);
  });
  return net;
}

}  // namespace omni::model

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
  // As many inputs as forward() takes (an inpainter takes the picture and the mask).
  const auto& args = module->get_method("forward").function().getSchema().arguments();
  const int n = std::max<int>(1, int(args.size()) - 1);  // less `self`
  net.slot_count = n + 1;
  for (int i = 0; i < n; ++i) {
    net.input_slots.push_back(i);
    net.input_nhwc.push_back(false);
    net.inputs.push_back({args.size() > size_t(i + 1) ? args[i + 1].name() : "input", {}});
  }
  net.output_slots = {n};
  net.output_nhwc = {false};
  net.outputs.push_back({"output", {}});
  net.op_names.push_back("TorchScript forward");
  net.steps.push_back([module, what, n](std::vector<at::Tensor>& s) {
    torch::jit::IValue out;
    try {
      std::vector<torch::jit::IValue> in(s.begin(), s.begin() + n);
      out = module->forward(in);
    } catch (const c10::Error& e) {
      std::string msg = e.what_without_backtrace();
      fail("{}: forward failed: {}", what, msg.substr(0, msg.find('\n')));
    }
    if (out.isTensor()) s[n] = out.toTensor();
    else if (out.isTuple() && !out.toTuple()->elements().empty() && out.toTuple()->elements()[0].isTensor())
      s[n] = out.toTuple()->elements()[0].toTensor();
    else fail("{}: forward returned neither a tensor nor a tuple starting with one", what);
  });
  return net;
}

}  // namespace omni::model

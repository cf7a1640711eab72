// TorchScript loading: a module defined and saved here, loaded through the importer; a corrupt
// file is a clean error.
#include <torch/script.h>
#undef CHECK  // glog's; doctest's comes next
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "core/model/net.h"

TEST_CASE("TorchScript: a saved module runs through Net; a corrupt file is a clean error") {
  std::string path = "omni_test_module.pt";
  torch::jit::Module m("Scale");
  m.register_parameter("w", torch::tensor({2.0f}), false);
  m.define(R"(
def forward(self, x):
    return (x * self.w + 1.0, x)
)");
  m.save(path);
  omni::model::Net net = omni::model::import_torchscript("ts", path);
  at::Tensor x = at::rand({1, 3, 4, 4});
  at::Tensor y = net.run({x})[0];
  CHECK((y - (x * 2 + 1)).abs().max().item<double>() < 1e-6);

  std::ofstream(path, std::ios::trunc) << "PK\x03\x04 not really a zip";
  CHECK_THROWS_WITH_AS(omni::model::import_torchscript("ts", path), doctest::Contains("ts: not a TorchScript model, or the file is corrupt"),
                       omni::Error);
  std::remove(path.c_str());
}

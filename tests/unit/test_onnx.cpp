// The ONNX importer against a hand-written ATen reference of the same network, and against
// broken files. (The comparison with onnxruntime itself is tests/cli/test_onnx_peer.sh.)
#include <ATen/ATen.h>
#undef CHECK  // glog's; doctest's comes next
#include <doctest/doctest.h>

#include "core/error.h"
#include "core/model/net.h"
#include "onnx_models.h"

using omni::model::Net;

namespace {

Net import(const onnx::ModelProto& m, size_t keep = 0) {
  std::string b = m.SerializeAsString();
  return omni::model::import_onnx("test", reinterpret_cast<const uint8_t*>(b.data()), b.size(), keep);
}

std::string import_error(const std::string& bytes) {
  try {
    omni::model::import_onnx("test", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  } catch (const omni::Error& e) {
    return e.what();
  }
  return "no error";
}

at::Tensor weight(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) {
      std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
      at::Tensor h = at::empty(dims, at::kHalf);
      std::memcpy(h.data_ptr(), t.raw_data().data(), t.raw_data().size());
      return h.to(at::kFloat);
    }
  FAIL("no initializer " << name);
  return {};
}

}  // namespace

TEST_CASE("ONNX: an unsorted fp16 network matches its ATen reference; side outputs are pruned") {
  onnx::ModelProto m = onnxt::small_model();
  Net net = import(m);
  REQUIRE(net.outputs.size() == 2);
  at::manual_seed(11);
  at::Tensor x = at::rand({1, 3, 17, 19});
  auto out = net.run({x});

  // Reference, written op by op from the ONNX spec.
  at::Tensor c1 = at::conv2d(at::constant_pad_nd(x, {0, 1, 1, 1}), weight(m, "w1"), weight(m, "b1"), {2, 2});
  at::Tensor r1 = at::relu(c1);
  at::Tensor p1 = at::max_pool2d(r1, {2, 2}, {2, 2}, {0, 0}, {1, 1}, /*ceil_mode=*/true);
  at::Tensor up = at::upsample_bilinear2d(p1, {17, 19}, false);
  at::Tensor c2 = at::conv2d(at::cat({up, x}, 1), weight(m, "w2"));
  at::Tensor c3 = at::conv2d(c2, weight(m, "w3"), {}, {1, 1}, {1, 1}, {1, 1}, 2);
  at::Tensor y = at::sigmoid(c3 + weight(m, "k"));
  CHECK(p1.size(2) == 5);  // ceil_mode: 9 -> 5, not 4
  CHECK((out[0] - y).abs().max().item<double>() < 1e-5);
  CHECK((out[1] - r1).abs().max().item<double>() < 1e-5);

  Net pruned = import(m, 1);
  CHECK(pruned.outputs.size() == 1);
  CHECK(pruned.op_names.size() < net.op_names.size());
  CHECK((pruned.run({x})[0] - y).abs().max().item<double>() < 1e-5);
}

TEST_CASE("ONNX: broken files are clean errors") {
  std::string ok = onnxt::small_model().SerializeAsString();
  CHECK(import_error(ok) == "no error");
  int errors = 0, cuts = 0;
  for (size_t n = 0; n < ok.size(); n += 7, ++cuts) errors += import_error(ok.substr(0, n)) != "no error";
  CHECK(errors == cuts);  // every truncation is refused (none crashes: we got here)
  CHECK(import_error("TFL3 definitely not a protobuf \xff\xff\xff") .find("not an ONNX model") != std::string::npos);

  onnx::ModelProto absurd = onnxt::small_model();
  absurd.mutable_graph()->mutable_initializer(0)->set_dims(0, int64_t(1) << 40);
  CHECK(import_error(absurd.SerializeAsString()).find("absurd dimension") != std::string::npos);

  onnx::ModelProto short_data = onnxt::small_model();
  short_data.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(10);
  CHECK(import_error(short_data.SerializeAsString()).find("expected 432 bytes of data, got 10") != std::string::npos);

  onnx::ModelProto cyc = onnxt::small_model();
  for (auto& n : *cyc.mutable_graph()->mutable_node())
    if (n.op_type() == "Relu") n.set_input(0, "sg");  // Relu <- Sigmoid <- ... <- Relu
  CHECK(import_error(cyc.SerializeAsString()).find("the graph has a cycle or a missing input") != std::string::npos);

  onnx::ModelProto unknown = onnxt::small_model();
  for (auto& n : *unknown.mutable_graph()->mutable_node())
    if (n.op_type() == "Sigmoid") n.set_op_type("Softplus");
  CHECK(import_error(unknown.SerializeAsString()).find("unsupported ONNX op 'Softplus'") != std::string::npos);

  onnx::ModelProto old = onnxt::small_model();
  old.mutable_opset_import(0)->set_version(7);
  CHECK(import_error(old.SerializeAsString()).find("ONNX opset: expected 11..18, got 7") != std::string::npos);
}

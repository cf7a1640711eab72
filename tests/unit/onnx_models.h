// Small ONNX models built with the protobuf classes, for the importer's tests and for the
// comparison with onnxruntime (tests/peer/make_test_onnx.cpp writes them to files).
#pragma once
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace onnxt {

inline void add_attr_ints(onnx::NodeProto* n, const char* name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}
inline void add_attr_int(onnx::NodeProto* n, const char* name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void add_attr_str(onnx::NodeProto* n, const char* name, const char* v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline onnx::NodeProto* node(onnx::GraphProto* g, const char* op, std::vector<std::string> in, std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out[0] + "_" + op);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}
inline void value_info(onnx::ValueInfoProto* v, const std::string& name, int elem, std::vector<int64_t> shape) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem);
  for (auto d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
}
// fp16 initializer from float values (deterministic pseudo-random when `values` is empty).
inline void init_half(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims, unsigned seed) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT16);
  int64_t n = 1;
  for (auto d : dims) t->add_dims(d), n *= d;
  std::string raw(size_t(n) * 2, '\0');
  uint32_t s = seed;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    float f = (float((s >> 8) & 0xffff) / 65535.f - 0.5f) * 0.6f;
    // float -> half (round to nearest; values here are small and normal or zero)
    uint32_t b;
    std::memcpy(&b, &f, 4);
    uint16_t sign = uint16_t((b >> 16) & 0x8000);
    int32_t exp = int32_t((b >> 23) & 0xff) - 127 + 15;
    uint32_t mant = b & 0x7fffff;
    uint16_t h = exp <= 0 ? sign : uint16_t(sign | (exp << 10) | ((mant + 0x1000) >> 13));
    std::memcpy(&raw[size_t(i) * 2], &h, 2);
  }
  t->set_raw_data(raw);
}
inline void init_i64(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> v) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(int64_t(v.size()));
  for (auto x : v) t->add_int64_data(x);
}

// An ISNet-like fp16 network in miniature: Cast to fp16, strided Conv with asymmetric pads,
// Relu, MaxPool with ceil_mode, Resize whose sizes come from Shape -> Slice -> Concat, Concat of
// channels, a grouped Conv, Add, Sigmoid, Cast back. Nodes are stored in reverse order, so the
// importer must sort them.
inline onnx::ModelProto small_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("omni-tests");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(15);
  auto* g = m.mutable_graph();
  g->set_name("small");
  value_info(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 3, 17, 19});
  value_info(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, 2, 17, 19});
  value_info(g->add_output(), "side", onnx::TensorProto::FLOAT, {1, 8, 9, 9});
  init_half(g, "w1", {8, 3, 3, 3}, 1);
  init_half(g, "b1", {8}, 2);
  init_half(g, "w2", {4, 11, 1, 1}, 3);
  init_half(g, "w3", {2, 2, 3, 3}, 4);  // grouped: 2 groups of 2 channels
  init_half(g, "k", {1}, 5);
  init_i64(g, "s0", {2});
  init_i64(g, "s1", {4});
  init_i64(g, "z0", {0});
  init_i64(g, "z2", {2});
  node(g, "Cast", {"x"}, {"xh"}), add_attr_int(&g->mutable_node()->at(g->node_size() - 1), "to", onnx::TensorProto::FLOAT16);
  auto* c1 = node(g, "Conv", {"xh", "w1", "b1"}, {"c1"});
  add_attr_ints(c1, "kernel_shape", {3, 3}), add_attr_ints(c1, "strides", {2, 2}), add_attr_ints(c1, "pads", {1, 0, 1, 1});
  node(g, "Relu", {"c1"}, {"r1"});
  auto* mp = node(g, "MaxPool", {"r1"}, {"p1"});
  add_attr_ints(mp, "kernel_shape", {2, 2}), add_attr_ints(mp, "strides", {2, 2}), add_attr_int(mp, "ceil_mode", 1);
  node(g, "Shape", {"x"}, {"sx"});
  node(g, "Slice", {"sx", "s0", "s1"}, {"hw"});
  node(g, "Shape", {"p1"}, {"sp"});
  node(g, "Slice", {"sp", "z0", "z2"}, {"nc"});
  auto* cc = node(g, "Concat", {"nc", "hw"}, {"sizes"});
  add_attr_int(cc, "axis", 0);
  auto* rs = node(g, "Resize", {"p1", "", "", "sizes"}, {"up"});
  add_attr_str(rs, "mode", "linear"), add_attr_str(rs, "coordinate_transformation_mode", "half_pixel");
  auto* cat = node(g, "Concat", {"up", "xh"}, {"cat"});
  add_attr_int(cat, "axis", 1);
  auto* c2 = node(g, "Conv", {"cat", "w2"}, {"c2"});
  add_attr_ints(c2, "kernel_shape", {1, 1});
  auto* sl = node(g, "Slice", {"c2", "z0", "z2"}, {"c2a"});  // first 2 channels (axes default 0..: dims 0 and 1)
  (void)sl;
  auto* c3 = node(g, "Conv", {"c2a", "w3"}, {"c3"});
  add_attr_ints(c3, "kernel_shape", {3, 3}), add_attr_ints(c3, "pads", {1, 1, 1, 1}), add_attr_int(c3, "group", 2);
  node(g, "Add", {"c3", "k"}, {"a"});
  node(g, "Sigmoid", {"a"}, {"sg"});
  node(g, "Cast", {"sg"}, {"y"}), add_attr_int(&g->mutable_node()->at(g->node_size() - 1), "to", onnx::TensorProto::FLOAT);
  node(g, "Cast", {"r1"}, {"side"}), add_attr_int(&g->mutable_node()->at(g->node_size() - 1), "to", onnx::TensorProto::FLOAT);
  std::reverse(g->mutable_node()->begin(), g->mutable_node()->end());
  return m;
}

}  // namespace onnxt

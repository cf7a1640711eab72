// The TF.js importer against hand-written ATen references of small graphs built here (model.json
// + weights, as TF.js writes them), and against broken files. (The comparison with TensorFlow.js
// itself on the real models is tests/cli/test_tfjs_peer.sh.)
#include <ATen/ATen.h>
#undef CHECK  // glog's; doctest's comes next
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/model/net.h"

using omni::model::Net;
using json = nlohmann::ordered_json;

namespace {

std::string b64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
    o += {t[v >> 18], t[v >> 12 & 63], t[v >> 6 & 63], t[v & 63]};
  }
  if (s.size() - i == 1) {
    unsigned v = (unsigned char)s[i] << 16;
    o += {t[v >> 18], t[v >> 12 & 63], '=', '='};
  } else if (s.size() - i == 2) {
    unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
    o += {t[v >> 18], t[v >> 12 & 63], t[v >> 6 & 63], '='};
  }
  return o;
}

// A graph under construction: nodes, and weights written as TF.js does (fp32, fp16 or uint8).
struct Graph {
  json nodes = json::array();
  json specs = json::array();
  std::string bytes;

  void node(const std::string& name, const std::string& op, std::vector<std::string> inputs, json attr = json::object()) {
    json n = {{"name", name}, {"op", op}, {"attr", attr}};
    if (!inputs.empty()) n["input"] = inputs;
    nodes.push_back(n);
  }
  void input(const std::string& name, std::vector<int64_t> shape, const char* dtype = "DT_FLOAT") {
    json dims = json::array();
    for (int64_t d : shape) dims.push_back({{"size", std::to_string(d)}});
    node(name, "Placeholder", {}, {{"dtype", {{"type", dtype}}}, {"shape", {{"shape", {{"dim", dims}}}}}});
  }
  // A constant; quant: "" (float32 / int32), "float16" or "uint8".
  void constant(const std::string& name, const at::Tensor& t, const std::string& quant = "") {
    bool is_int = t.scalar_type() == at::kInt || t.scalar_type() == at::kLong;
    node(name, "Const", {}, {{"dtype", {{"type", is_int ? "DT_INT32" : "DT_FLOAT"}}}});
    json spec = {{"name", name}, {"shape", t.sizes().vec()}, {"dtype", is_int ? "int32" : "float32"}};
    at::Tensor c = t.contiguous();
    if (is_int) {
      at::Tensor i = c.to(at::kInt).contiguous();
      bytes.append(reinterpret_cast<const char*>(i.data_ptr()), size_t(i.numel() * 4));
    } else if (quant == "float16") {
      at::Tensor h = c.to(at::kHalf).contiguous();
      bytes.append(reinterpret_cast<const char*>(h.data_ptr()), size_t(h.numel() * 2));
      spec["quantization"] = {{"dtype", "float16"}};
    } else if (quant == "uint8") {
      double mn = c.min().item<double>(), mx = c.max().item<double>(), scale = (mx - mn) / 255;
      at::Tensor q = ((c - mn) / scale).round().clamp(0, 255).to(at::kByte).contiguous();
      bytes.append(reinterpret_cast<const char*>(q.data_ptr()), size_t(q.numel()));
      spec["quantization"] = {{"dtype", "uint8"}, {"min", mn}, {"scale", scale}};
    } else {
      at::Tensor f = c.to(at::kFloat).contiguous();
      bytes.append(reinterpret_cast<const char*>(f.data_ptr()), size_t(f.numel() * 4));
    }
    specs.push_back(spec);
  }
  std::string file(std::vector<std::string> outputs) const {
    json outs = json::object();
    for (auto& o : outputs) outs[o] = {{"name", o}};
    json doc = {{"format", "graph-model"},
                {"signature", {{"outputs", outs}}},
                {"modelTopology", {{"node", nodes}}},
                {"weightsManifest", json::array({{{"paths", {"w.bin"}}, {"weights", specs}}})}};
    return doc.dump() + std::string(1, '\0') + bytes;
  }
};

json ints(std::vector<int64_t> v) {
  json l = json::array();
  for (auto x : v) l.push_back(std::to_string(x));
  return {{"list", {{"i", l}}}};
}
json str(const std::string& s) { return {{"s", b64(s)}}; }

Net import(const std::string& f, omni::model::TfjsOptions o = {}) {
  return omni::model::import_tfjs("test", reinterpret_cast<const uint8_t*>(f.data()), f.size(), o);
}
std::string import_error(const std::string& f) {
  try {
    import(f);
  } catch (const omni::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("TF.js: fused convolutions (SAME at stride 2, depthwise, fp16 and uint8 weights) match ATen") {
  at::manual_seed(3);
  Graph g;
  g.input("x", {1, 9, 10, 4});
  at::Tensor w1 = at::randn({3, 3, 4, 6}), b1 = at::randn({6});  // HWIO
  at::Tensor wd = at::randn({3, 3, 6, 1}), bd = at::randn({6});  // depthwise HWCM
  at::Tensor alpha = at::rand({6});
  g.constant("w1", w1, "float16");
  g.constant("b1", b1);
  g.constant("wd", wd, "uint8");
  g.constant("bd", bd);
  g.constant("alpha", alpha);
  g.node("c1", "_FusedConv2D", {"x", "w1", "b1"},
         {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}, {"fused_ops", {{"list", {{"s", {b64("BiasAdd"), b64("Relu6")}}}}}}});
  g.node("d1", "FusedDepthwiseConv2dNative", {"c1", "wd", "bd", "alpha"},
         {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}, {"fused_ops", {{"list", {{"s", {b64("BiasAdd"), b64("Prelu")}}}}}}});
  std::string f = g.file({"d1"});
  Net net = import(f);
  at::Tensor x = at::randn({1, 9, 10, 4});
  at::Tensor y = net.run({x})[0];

  // Reference: NCHW, TF's SAME at stride 2 on 9x10 pads (1,1) rows and (0,1) columns.
  at::Tensor w1h = w1.to(at::kHalf).to(at::kFloat).permute({3, 2, 0, 1});
  double mn = wd.min().item<double>(), sc = (wd.max().item<double>() - mn) / 255;
  at::Tensor wdq = ((wd - mn) / sc).round().clamp(0, 255) * sc + mn;
  at::Tensor xc = x.permute({0, 3, 1, 2});
  at::Tensor c = at::clamp(at::conv2d(at::constant_pad_nd(xc, {0, 1, 1, 1}), w1h, b1, {2, 2}), 0, 6);
  at::Tensor d = at::conv2d(c, wdq.permute({2, 3, 0, 1}).reshape({6, 1, 3, 3}), bd, {1, 1}, {1, 1}, {1, 1}, 6);
  d = at::relu(d) - at::relu(-d) * alpha.reshape({1, 6, 1, 1});
  REQUIRE(y.sizes() == at::IntArrayRef({1, 5, 5, 6}));
  CHECK((y - d.permute({0, 2, 3, 1})).abs().max().item<double>() < 1e-4);
}

TEST_CASE("TF.js: shape arithmetic folds; StridedSlice masks, legacy resize, Switch on a constant") {
  Graph g;
  g.input("x", {1, 4, 6, 2});
  g.input("ratio", {1});
  g.constant("one", at::ones({1}));
  g.node("eq", "Equal", {"ratio", "one"});
  g.constant("b", at::tensor({0, 1}, at::kInt));
  g.constant("e", at::tensor({1, 0}, at::kInt));
  g.constant("s", at::tensor({1, 1}, at::kInt));
  g.node("shape", "Shape", {"x"});
  g.constant("hw_b", at::tensor({1}, at::kInt));
  g.constant("hw_e", at::tensor({3}, at::kInt));
  g.constant("hw_s", at::tensor({1}, at::kInt));
  g.node("hw", "StridedSlice", {"shape", "hw_b", "hw_e", "hw_s"}, {{"begin_mask", {{"i", "0"}}}});
  g.constant("two", at::tensor({2}, at::kInt));
  g.node("big", "Mul", {"hw", "two"});
  g.node("sw", "Switch", {"x", "eq"});
  // true branch: legacy resize to twice the size; false branch: a slice with masks.
  g.node("up", "ResizeBilinear", {"sw:1", "big"}, {{"align_corners", {{"b", false}}}, {"half_pixel_centers", {{"b", false}}}});
  g.node("sl", "StridedSlice", {"sw", "b", "e", "s"}, {{"begin_mask", {{"i", "0"}}}, {"end_mask", {{"i", "2"}}}, {"shrink_axis_mask", {{"i", "1"}}}});
  g.node("m", "Merge", {"up", "sl"});
  std::string f = g.file({"m"});
  at::Tensor x = at::arange(48, at::kFloat).reshape({1, 4, 6, 2});

  omni::model::TfjsOptions o;
  o.inputs = {"x"};
  o.constants["ratio"] = at::ones({1});
  Net up = import(f, o);
  CHECK(up.steps.size() == 1);  // the resize; the shapes folded, the other branch dropped
  at::Tensor y = up.run({x})[0];
  REQUIRE(y.sizes() == at::IntArrayRef({1, 8, 12, 2}));
  // Legacy mapping: output row r reads input row r/2 (no half-pixel shift): odd rows are midpoints.
  CHECK(y[0][2][4][0].item<float>() == x[0][1][2][0].item<float>());
  CHECK(y[0][3][4][0].item<float>() == doctest::Approx((x[0][1][2][0].item<float>() + x[0][2][2][0].item<float>()) / 2));
  CHECK(y[0][7][4][0].item<float>() == x[0][3][2][0].item<float>());  // clamped at the edge

  o.constants["ratio"] = at::full({1}, 0.5);
  Net sl = import(f, o);
  at::Tensor z = sl.run({x})[0];
  // begin [0,1] end [1,-] (end_mask on dim 1, dim 0 shrunk) on [1,4,6,2]: x[0, 1:].
  REQUIRE(z.sizes() == at::IntArrayRef({3, 6, 2}));
  CHECK(z.equal(x[0].slice(0, 1)));

  o.constants.clear();
  o.inputs = {"x", "ratio"};
  CHECK_THROWS_WITH_AS(import(f, o), doctest::Contains("switches on a value computed from the picture"), omni::Error);
}

TEST_CASE("TF.js: gathers, top-k, space-to-batch and a transposed convolution") {
  at::manual_seed(5);
  Graph g;
  g.input("x", {1, 6, 8, 3});
  g.constant("blk", at::tensor({2, 2}, at::kInt));
  g.constant("pad", at::tensor({0, 0, 0, 0}, at::kInt).reshape({2, 2}));
  at::Tensor wd = at::randn({3, 3, 3, 1});
  g.constant("wd", wd);
  g.node("s2b", "SpaceToBatchND", {"x", "blk", "pad"});
  g.node("dw", "DepthwiseConv2dNative", {"s2b", "wd"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}});
  g.node("b2s", "BatchToSpaceND", {"dw", "blk", "pad"});
  at::Tensor wt = at::randn({2, 2, 4, 3});  // [kh, kw, out, in]
  g.constant("wt", wt);
  g.constant("osz", at::tensor({1, 12, 16, 4}, at::kInt));
  g.node("tc", "Conv2DBackpropInput", {"osz", "wt", "b2s"}, {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}});
  g.constant("newshape", at::tensor({1, -1}, at::kInt));
  g.node("flat", "Reshape", {"tc", "newshape"});
  g.constant("k", at::tensor({5}, at::kInt).reshape({}));
  g.node("top", "TopKV2", {"flat", "k"});
  g.constant("ax", at::tensor({1}, at::kInt).reshape({}));
  g.node("gath", "GatherV2", {"flat", "top:1", "ax"});
  std::string f = g.file({"b2s", "tc", "top", "gath"});
  Net net = import(f);
  at::Tensor x = at::randn({1, 6, 8, 3});
  auto out = net.run({x});

  at::Tensor xc = x.permute({0, 3, 1, 2});
  at::Tensor dil = at::conv2d(xc, wd.permute({2, 3, 0, 1}).reshape({3, 1, 3, 3}), {}, {1, 1}, {2, 2}, {2, 2}, 3);
  CHECK((out[0] - dil.permute({0, 2, 3, 1})).abs().max().item<double>() < 1e-5);  // a dilated conv
  at::Tensor tc = at::conv_transpose2d(dil, wt.permute({3, 2, 0, 1}), {}, {2, 2});
  CHECK((out[1] - tc.permute({0, 2, 3, 1})).abs().max().item<double>() < 1e-4);
  at::Tensor flat = tc.permute({0, 2, 3, 1}).reshape({1, -1});
  auto [v, i] = flat.topk(5);
  CHECK((out[2] - v).abs().max().item<double>() < 1e-4);
  CHECK((out[3] - v).abs().max().item<double>() < 1e-4);  // gathering at the top-k indices
}

TEST_CASE("TF.js: broken files are one clear error") {
  Graph g;
  g.input("x", {1, 2, 2, 1});
  g.constant("w", at::ones({1, 1, 1, 1}));
  g.node("c", "Conv2D", {"x", "w"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
  std::string good = g.file({"c"});
  CHECK(import_error(good) == "no error");
  CHECK_MESSAGE(import_error(good.substr(0, good.size() - 1)).find("weights are truncated") != std::string::npos, import_error(good.substr(0, good.size() - 1)));
  CHECK(import_error(good + "xx").find("the file has") != std::string::npos);
  CHECK(import_error("{not json").find("not a TF.js graph model") != std::string::npos);
  CHECK(import_error(good.substr(0, 40)).find("not a TF.js graph model") != std::string::npos);

  Graph u = g;
  u.node("q", "FancyOp", {"c"});
  CHECK(import_error(u.file({"q"})).find("op 'FancyOp' is not supported") != std::string::npos);
  Graph m = g;
  m.node("q", "Relu", {"nowhere"});
  CHECK(import_error(m.file({"q"})).find("reads 'nowhere', which does not exist") != std::string::npos);
  Graph cyc = g;
  cyc.node("a", "Relu", {"b"});
  cyc.node("b", "Relu", {"a"});
  CHECK(import_error(cyc.file({"a"})).find("cycle") != std::string::npos);
  CHECK(import_error(g.file({"missing"})).find("output 'missing' is not a node") != std::string::npos);
  // Every truncation of a small valid file is an error, never a crash.
  for (size_t n = 1; n < good.size(); n += 7) CHECK(import_error(good.substr(0, n)) != "no error");
}

// ONNX importer: ModelProto (Debian's libonnx protobuf classes) -> Net. Nodes are sorted
// topologically (files need not be in order; a cycle is an error naming the stuck nodes),
// initializers and Constant nodes become constants, fp16 weights are upcast to fp32 once.
// Shape arithmetic (Shape, Slice, Gather, Concat of sizes) runs at inference on tiny int64
// tensors, so Resize sizes computed in the graph just work.
//
// fp16 models: CPU convolutions in LibTorch 1.13 are fp32 only, so fp16 weights are upcast once
// and values computed in fp32 throughout; Cast to fp16 keeps fp32. That is also what onnxruntime
// does on a CPU: on ISNet the two agree within 7.3e-4 (rounding every fp16 value to fp16 after
// each op, tried first, moved omni further from it: 1.2e-3).
#include <ATen/ATen.h>
#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/model/net.h"

namespace omni::model {

namespace {

using onnx::NodeProto;
using onnx::TensorProto;

struct Value {
  int slot = -1;
  std::optional<at::Tensor> constant;
};

class OnnxImporter {
 public:
  OnnxImporter(std::string what, size_t keep_outputs, at::Device device)
      : what_(std::move(what)), keep_outputs_(keep_outputs), device_(device) {
  }

  Net run(const uint8_t* data, size_t size) {
    onnx::ModelProto model;
    if (size > size_t(INT32_MAX)) fail("{}: file of {} bytes is larger than ONNX protobufs may be", what_, size);
    if (!model.ParseFromArray(data, int(size))) fail("{}: not an ONNX model, or the file is truncated or corrupt", what_);
    if (!model.has_graph()) fail("{}: ONNX model without a graph", what_);
    int64_t opset = 0;
    for (const auto& o : model.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
    if (opset < 11 || opset > 18) fail("{}: ONNX opset: expected 11..18, got {}", what_, opset);
    const onnx::GraphProto& g = model.graph();

    Net net;
    net.name = what_;
    net.format = "onnx";
    net.device = device_;
    for (const auto& init : g.initializer()) {
      Value v;
      v.constant = on_device(tensor_from_proto(init, "initializer"));
      values_[init.name()] = v;
    }
    for (const auto& in : g.input()) {
      if (values_.count(in.name())) continue;  // an initializer listed as input (old exporters)
      std::vector<int64_t> shape;
      for (const auto& d : in.type().tensor_type().shape().dim()) {
        if (!d.has_dim_value()) fail("{}: input '{}' has a dynamic dimension; omni needs fixed input shapes", what_, in.name());
        shape.push_back(d.dim_value());
      }
      Value v;
      v.slot = slots_++;
      values_[in.name()] = v;
      net.inputs.push_back({in.name(), shape});
      net.input_slots.push_back(v.slot);
      net.input_nhwc.push_back(false);
    }

    // Kahn's order over the nodes that the outputs need (dead branches are pruned).
    // Only the outputs asked for are computed: ISNet's side outputs are pruned with their nodes.
    std::vector<const onnx::ValueInfoProto*> outs;
    for (const auto& o : g.output())
      if (!keep_outputs_ || outs.size() < keep_outputs_) outs.push_back(&o);
    std::set<std::string> wanted;
    for (auto* o : outs) wanted.insert(o->name());
    std::vector<const NodeProto*> nodes;
    {
      std::map<std::string, const NodeProto*> producer;
      for (const auto& n : g.node())
        for (const auto& o : n.output()) producer[o] = &n;
      std::set<const NodeProto*> live;
      std::deque<std::string> todo(wanted.begin(), wanted.end());
      while (!todo.empty()) {
        std::string v = todo.front();
        todo.pop_front();
        auto it = producer.find(v);
        if (it == producer.end() || live.count(it->second)) continue;
        live.insert(it->second);
        for (const auto& i : it->second->input()) todo.push_back(i);
      }
      std::set<std::string> ready;
      for (auto& [name, v] : values_) ready.insert(name);
      std::vector<const NodeProto*> pending;
      for (const auto& n : g.node())
        if (live.count(&n)) pending.push_back(&n);
      while (!pending.empty()) {
        size_t before = pending.size();
        std::vector<const NodeProto*> still;
        for (const NodeProto* n : pending) {
          bool ok = true;
          for (const auto& i : n->input()) ok &= i.empty() || ready.count(i);
          if (ok) {
            nodes.push_back(n);
            for (const auto& o : n->output()) ready.insert(o);
          } else {
            still.push_back(n);
          }
        }
        pending.swap(still);
        if (pending.size() == before) {
          std::string names;
          for (size_t k = 0; k < pending.size() && k < 3; ++k) names += (k ? ", " : "") + pending[k]->name() + " (" + pending[k]->op_type() + ")";
          fail("{}: the graph has a cycle or a missing input: {} node{} never become ready, e.g. {}", what_, pending.size(),
               pending.size() == 1 ? "" : "s", names);
        }
      }
    }
    // Last reader of each value: Relu on a value nobody reads afterwards runs in place.
    for (size_t i = 0; i < nodes.size(); ++i)
      for (const auto& name : nodes[i]->input()) last_use_[name] = int(i);
    for (auto* o : outs) last_use_[o->name()] = INT32_MAX;
    for (const NodeProto* n : nodes) add(net, *n), ++node_index_;
    for (auto* o : outs) {
      Value& v = value(o->name(), "graph output");
      if (v.slot < 0) fail("{}: output '{}' is a constant", what_, o->name());
      std::vector<int64_t> shape;
      for (const auto& d : o->type().tensor_type().shape().dim()) shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
      net.outputs.push_back({o->name(), shape});
      net.output_slots.push_back(v.slot);
      net.output_nhwc.push_back(false);
    }
    net.slot_count = slots_;
    return net;
  }

 private:
  Value& value(const std::string& name, const char* role) {
    auto it = values_.find(name);
    if (it == values_.end()) fail("{}: {} '{}' is not produced by any node", what_, role, name);
    return it->second;
  }

  at::Tensor tensor_from_proto(const TensorProto& t, const char* role) {
    if (t.data_location() == TensorProto::EXTERNAL) fail("{}: {} '{}': external data files are not supported", what_, role, t.name());
    std::vector<int64_t> dims;
    int64_t n = 1;
    for (auto d : t.dims()) {
      if (d < 0 || d > (int64_t(1) << 31)) fail("{}: {} '{}': absurd dimension {}", what_, role, t.name(), d);
      dims.push_back(d);
      n *= d;
      if (n > (int64_t(1) << 31)) fail("{}: {} '{}': absurd size", what_, role, t.name());
    }
    at::ScalarType st;
    size_t es;
    switch (t.data_type()) {
      case TensorProto::FLOAT: st = at::kFloat, es = 4; break;
      case TensorProto::FLOAT16: st = at::kHalf, es = 2; break;
      case TensorProto::DOUBLE: st = at::kDouble, es = 8; break;
      case TensorProto::INT64: st = at::kLong, es = 8; break;
      case TensorProto::INT32: st = at::kInt, es = 4; break;
      case TensorProto::BOOL: st = at::kBool, es = 1; break;
      case TensorProto::UINT8: st = at::kByte, es = 1; break;
      case TensorProto::INT8: st = at::kChar, es = 1; break;
      default: fail("{}: {} '{}': element type {} is not supported", what_, role, t.name(), int(t.data_type()));
    }
    at::Tensor out = at::empty(dims, at::TensorOptions().dtype(st));
    if (t.has_raw_data()) {
      if (t.raw_data().size() != size_t(n) * es)
        fail("{}: {} '{}': expected {} bytes of data, got {}", what_, role, t.name(), size_t(n) * es, t.raw_data().size());
      std::memcpy(out.data_ptr(), t.raw_data().data(), t.raw_data().size());
    } else {
      auto count_check = [&](int64_t got) {
        if (got != n) fail("{}: {} '{}': expected {} values, got {}", what_, role, t.name(), n, got);
      };
      if (st == at::kFloat) { count_check(t.float_data_size()); std::memcpy(out.data_ptr(), t.float_data().data(), size_t(n) * 4); }
      else if (st == at::kLong) { count_check(t.int64_data_size()); std::memcpy(out.data_ptr(), t.int64_data().data(), size_t(n) * 8); }
      else if (st == at::kDouble) { count_check(t.double_data_size()); std::memcpy(out.data_ptr(), t.double_data().data(), size_t(n) * 8); }
      else {  // int32_data holds int32, fp16 (as uint16), bool, (u)int8
        count_check(t.int32_data_size());
        at::Tensor i32 = at::empty({n}, at::kInt);
        std::memcpy(i32.data_ptr(), t.int32_data().data(), size_t(n) * 4);
        if (st == at::kHalf) out = i32.to(at::kShort).view(at::kHalf).reshape(dims).clone();
        else out = i32.to(st).reshape(dims);
      }
    }
    if (st == at::kHalf || st == at::kDouble) out = out.to(at::kFloat);  // computed in fp32 (see the top)
    return out;
  }

  // Float constants (weights) live on the run device; integer ones (shapes, axes) stay on the
  // CPU with the shape arithmetic that reads them.
  at::Tensor on_device(at::Tensor t) const { return t.is_floating_point() ? t.to(device_) : t; }

  static const onnx::AttributeProto* attr(const NodeProto& n, const char* name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  static int64_t attr_i(const NodeProto& n, const char* name, int64_t def) {
    auto* a = attr(n, name);
    return a ? a->i() : def;
  }
  static std::string attr_s(const NodeProto& n, const char* name, const char* def) {
    auto* a = attr(n, name);
    return a ? a->s() : def;
  }
  static std::vector<int64_t> attr_ints(const NodeProto& n, const char* name) {
    auto* a = attr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
  }
  // A 2-D op's list attribute: `def` when absent, else exactly `count` values in [lo, hi].
  std::vector<int64_t> attr_2d(const NodeProto& n, const char* name, std::vector<int64_t> def, const std::string& where,
                               int64_t lo, int64_t hi) const {
    std::vector<int64_t> v = attr_ints(n, name);
    if (v.empty()) return def;
    if (v.size() != def.size()) fail("{}: attribute {}: expected {} values, got {}", where, name, def.size(), v.size());
    for (auto x : v)
      if (x < lo || x > hi) fail("{}: attribute {}: value {} out of range [{}, {}]", where, name, x, lo, hi);
    return v;
  }

  void add(Net& net, const NodeProto& n) {
    const std::string& op = n.op_type();
    std::string where = fmt::format("{}: node '{}' ({})", what_, n.name(), op);
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail("{}: operator domain '{}' is not supported", where, n.domain());
    if (n.output_size() < 1) fail("{}: no output", where);

    // Inputs: slot or constant; "" = absent optional input.
    struct In { int slot = -1; std::optional<at::Tensor> c; bool present = false; };
    std::vector<In> in;
    for (const auto& name : n.input()) {
      In x;
      if (!name.empty()) {
        Value& v = value(name, "input");
        x.slot = v.slot, x.c = v.constant, x.present = true;
      }
      in.push_back(x);
    }
    auto need = [&](size_t k) -> const In& {
      if (k >= in.size() || !in[k].present) fail("{}: expected input #{}", where, k);
      return in[k];
    };
    auto get = [](const In& x, std::vector<at::Tensor>& s) -> at::Tensor { return x.c ? *x.c : s[x.slot]; };
    auto constant = [&](size_t k, const char* what) -> at::Tensor {
      const In& x = need(k);
      if (!x.c) fail("{}: {} must be a constant", where, what);
      return *x.c;
    };

    if (op == "Constant") {
      auto* a = attr(n, "value");
      if (!a || !a->has_t()) fail("{}: only tensor 'value' constants are supported", where);
      Value v;
      v.constant = on_device(tensor_from_proto(a->t(), "constant"));
      values_[n.output(0)] = v;
      return;
    }

    Net::Step step;
    int dst = slots_++;
    if (op == "Conv") {
      at::Tensor w = constant(1, "weights");
      std::optional<at::Tensor> b;
      if (in.size() > 2 && in[2].present) b = constant(2, "bias");
      if (w.dim() != 4) fail("{}: only 2-D convolutions are supported (weights of rank {})", where, w.dim());
      if (attr_s(n, "auto_pad", "NOTSET") != "NOTSET") fail("{}: auto_pad is not supported", where);
      auto pads = attr_2d(n, "pads", {0, 0, 0, 0}, where, 0, 1 << 16);
      auto strides = attr_2d(n, "strides", {1, 1}, where, 1, 1 << 16), dil = attr_2d(n, "dilations", {1, 1}, where, 1, 1 << 16);
      int64_t group = attr_i(n, "group", 1);
      if (group < 1 || w.size(0) % group || w.size(0) < group) fail("{}: group {} does not divide {} filters", where, group, w.size(0));
      if (b && (b->dim() != 1 || b->size(0) != w.size(0))) fail("{}: bias of {} values for {} filters", where, b->numel(), w.size(0));
      bool sym = pads[0] == pads[2] && pads[1] == pads[3];
      std::vector<int64_t> pad4 = {pads[1], pads[3], pads[0], pads[2]};
      In x = need(0);
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s);
        if (!sym) t = at::constant_pad_nd(t, pad4, 0);
        s[dst] = at::conv2d(t, w, b ? *b : at::Tensor(), strides, sym ? std::vector<int64_t>{pads[0], pads[1]} : std::vector<int64_t>{0, 0}, dil, group);
      };
    } else if (op == "Relu" && !in.empty() && in[0].present && !in[0].c && last_use_[n.input(0)] == node_index_) {
      In x = need(0);
      step = [=](std::vector<at::Tensor>& s) { s[dst] = std::move(s[x.slot]).relu_(); };
    } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "Sqrt" || op == "Exp" || op == "Neg" || op == "Floor" ||
               op == "Identity") {
      In x = need(0);
      std::string o = op;
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s);
        s[dst] = o == "Relu" ? at::relu(t) : o == "Sigmoid" ? at::sigmoid(t) : o == "Tanh" ? at::tanh(t) : o == "Sqrt" ? at::sqrt(t)
                 : o == "Exp" ? at::exp(t) : o == "Neg" ? at::neg(t) : o == "Floor" ? at::floor(t) : t;
      };
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow") {
      In a = need(0), b = need(1);
      std::string o = op;
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor x = get(a, s), y = get(b, s);
        if (o == "Div" && !x.is_floating_point() && !y.is_floating_point()) s[dst] = at::div(x, y, "floor");
        else s[dst] = o == "Add" ? x + y : o == "Sub" ? x - y : o == "Mul" ? x * y : o == "Div" ? x / y : at::pow(x, y);
      };
    } else if (op == "Concat") {
      int64_t axis = attr_i(n, "axis", 0);
      std::vector<In> xs;
      for (size_t k = 0; k < in.size(); ++k) xs.push_back(need(k));
      step = [=](std::vector<at::Tensor>& s) {
        std::vector<at::Tensor> parts;
        for (const In& x : xs) parts.push_back(get(x, s));
        s[dst] = at::cat(parts, axis);
      };
    } else if (op == "MaxPool" || op == "AveragePool") {
      auto k = attr_ints(n, "kernel_shape");
      if (k.size() != 2 || k[0] < 1 || k[1] < 1 || k[0] > (1 << 16) || k[1] > (1 << 16)) fail("{}: only 2-D pooling with a valid kernel_shape is supported", where);
      auto strides = attr_2d(n, "strides", {1, 1}, where, 1, 1 << 16), pads = attr_2d(n, "pads", {0, 0, 0, 0}, where, 0, 1 << 16);
      bool ceil = attr_i(n, "ceil_mode", 0) != 0, maxp = op == "MaxPool";
      bool count_pad = attr_i(n, "count_include_pad", 0) != 0;
      if (pads[0] != pads[2] || pads[1] != pads[3]) fail("{}: asymmetric pooling pads are not supported", where);
      if (!attr_ints(n, "dilations").empty() && attr_ints(n, "dilations") != std::vector<int64_t>{1, 1}) fail("{}: pooling dilation is not supported", where);
      In x = need(0);
      step = [=](std::vector<at::Tensor>& s) {
        s[dst] = maxp ? at::max_pool2d(get(x, s), k, strides, {pads[0], pads[1]}, {1, 1}, ceil)
                      : at::avg_pool2d(get(x, s), k, strides, {pads[0], pads[1]}, ceil, count_pad);
      };
    } else if (op == "GlobalAveragePool") {
      In x = need(0);
      step = [=](std::vector<at::Tensor>& s) { s[dst] = get(x, s).mean({2, 3}, true); };
    } else if (op == "Resize") {
      std::string mode = attr_s(n, "mode", "nearest"), ctm = attr_s(n, "coordinate_transformation_mode", "half_pixel");
      std::string nearest = attr_s(n, "nearest_mode", "round_prefer_floor");
      if (mode != "linear" && mode != "nearest") fail("{}: mode '{}' is not supported (linear, nearest are)", where, mode);
      if (mode == "linear" && ctm != "half_pixel" && ctm != "pytorch_half_pixel" && ctm != "align_corners")
        fail("{}: linear resize with coordinate_transformation_mode '{}' is not supported", where, ctm);
      if (mode == "nearest" && !(ctm == "asymmetric" && nearest == "floor"))
        fail("{}: nearest resize needs asymmetric/floor (got {}/{})", where, ctm, nearest);
      In x = need(0);
      In scales = in.size() > 2 ? in[2] : In{}, sizes = in.size() > 3 ? in[3] : In{};
      bool align = ctm == "align_corners", linear = mode == "linear";
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s);
        std::vector<int64_t> out;
        if (sizes.present) {
          at::Tensor z = get(sizes, s).to(at::kLong);
          if (z.numel() == 4) out = {z[2].item<int64_t>(), z[3].item<int64_t>()};
        }
        if (out.empty() && scales.present) {
          at::Tensor z = get(scales, s).to(at::kDouble);
          if (z.numel() == 4) out = {int64_t(std::floor(t.size(2) * z[2].item<double>())), int64_t(std::floor(t.size(3) * z[3].item<double>()))};
        }
        if (out.size() != 2) fail("Resize: needs 4-D sizes or scales");
        s[dst] = linear ? at::upsample_bilinear2d(t, out, align) : at::upsample_nearest2d(t, out);
      };
    } else if (op == "Cast") {
      int64_t to = attr_i(n, "to", 1);
      In x = need(0);
      at::ScalarType st = to == TensorProto::INT64 ? at::kLong : to == TensorProto::INT32 ? at::kInt : to == TensorProto::BOOL ? at::kBool : at::kFloat;
      if (to != TensorProto::FLOAT && to != TensorProto::FLOAT16 && to != TensorProto::DOUBLE && st == at::kFloat)
        fail("{}: cast to element type {} is not supported", where, to);
      step = [=](std::vector<at::Tensor>& s) { s[dst] = get(x, s).to(st); };
    } else if (op == "Shape") {
      In x = need(0);
      int64_t start = attr_i(n, "start", 0), end = attr_i(n, "end", INT64_MAX);
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor sh = at::tensor(get(x, s).sizes().vec(), at::kLong);
        int64_t r = sh.numel(), b = start < 0 ? start + r : start, e = end == INT64_MAX ? r : end < 0 ? end + r : end;
        s[dst] = sh.slice(0, std::clamp<int64_t>(b, 0, r), std::clamp<int64_t>(e, 0, r));
      };
    } else if (op == "Slice") {
      In x = need(0), st = need(1), en = need(2);
      In ax = in.size() > 3 ? in[3] : In{}, sp = in.size() > 4 ? in[4] : In{};
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s);
        at::Tensor starts = get(st, s).to(at::kLong), ends = get(en, s).to(at::kLong);
        for (int64_t i = 0; i < starts.numel(); ++i) {
          int64_t a = ax.present ? get(ax, s)[i].item<int64_t>() : i;
          if (a < 0) a += t.dim();
          int64_t step_v = sp.present ? get(sp, s)[i].item<int64_t>() : 1;
          if (step_v != 1) fail("Slice: only step 1 is supported");
          int64_t d = t.size(a), b = starts[i].item<int64_t>(), e = ends[i].item<int64_t>();
          if (b < 0) b += d;
          if (e < 0) e += d;
          t = t.slice(a, std::clamp<int64_t>(b, 0, d), std::clamp<int64_t>(e, 0, d));
        }
        s[dst] = t;
      };
    } else if (op == "Gather") {
      In x = need(0), idx = need(1);
      int64_t axis = attr_i(n, "axis", 0);
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s), i = get(idx, s).to(at::kLong);
        int64_t a = axis < 0 ? axis + t.dim() : axis;
        at::Tensor iv = i.where(i >= 0, i + t.size(a));
        s[dst] = i.dim() == 0 ? t.select(a, iv.item<int64_t>()) : t.index_select(a, iv.flatten()).reshape([&] {
          std::vector<int64_t> shp(t.sizes().begin(), t.sizes().begin() + a);
          for (auto d : i.sizes()) shp.push_back(d);
          for (int64_t k = a + 1; k < t.dim(); ++k) shp.push_back(t.size(k));
          return shp;
        }());
      };
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      In x = need(0);
      std::vector<int64_t> axes = attr_ints(n, "axes");
      if (axes.empty() && in.size() > 1 && in[1].present) {
        at::Tensor a = constant(1, "axes").to(at::kLong);
        for (int64_t i = 0; i < a.numel(); ++i) axes.push_back(a[i].item<int64_t>());
      }
      bool uns = op == "Unsqueeze";
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s);
        if (uns) {
          int64_t r = t.dim() + int64_t(axes.size());
          std::vector<int64_t> sorted;
          for (auto a : axes) sorted.push_back(a < 0 ? a + r : a);
          std::sort(sorted.begin(), sorted.end());
          for (auto a : sorted) t = t.unsqueeze(a);
        } else if (axes.empty()) {
          t = t.squeeze();
        } else {
          std::vector<int64_t> sorted;
          for (auto a : axes) sorted.push_back(a < 0 ? a + t.dim() : a);
          std::sort(sorted.rbegin(), sorted.rend());
          for (auto a : sorted) t = t.squeeze(a);
        }
        s[dst] = t;
      };
    } else if (op == "Reshape") {
      In x = need(0), shp = need(1);
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s), z = get(shp, s).to(at::kLong);
        std::vector<int64_t> shape;
        for (int64_t i = 0; i < z.numel(); ++i) {
          int64_t v = z[i].item<int64_t>();
          shape.push_back(v == 0 ? t.size(i) : v);
        }
        s[dst] = t.reshape(shape);
      };
    } else if (op == "Transpose") {
      In x = need(0);
      std::vector<int64_t> perm = attr_ints(n, "perm");
      step = [=](std::vector<at::Tensor>& s) {
        at::Tensor t = get(x, s);
        std::vector<int64_t> p = perm;
        if (p.empty())
          for (int64_t i = t.dim() - 1; i >= 0; --i) p.push_back(i);
        s[dst] = t.permute(p).contiguous();
      };
    } else {
      fail("{}: unsupported ONNX op '{}' in model {}", where, op, what_);
    }
    Value v;
    v.slot = dst;
    values_[n.output(0)] = v;
    if (n.output_size() > 1)
      for (int k = 1; k < n.output_size(); ++k)
        if (!n.output(k).empty()) fail("{}: only the first output is supported", where);
    net.steps.push_back(std::move(step));
    net.op_names.push_back(op);
  }

  std::string what_;
  size_t keep_outputs_ = 0;
  std::map<std::string, int> last_use_;
  int node_index_ = 0;
  at::Device device_;
  std::map<std::string, Value> values_;
  int slots_ = 0;
};

}  // namespace

Net import_onnx(const std::string& what, const uint8_t* data, size_t size, size_t keep_outputs, at::Device device) {
  return OnnxImporter(what, keep_outputs, device).run(data, size);
}

}  // namespace omni::model

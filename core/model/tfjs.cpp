// TF.js graph-model importer: `model.json` (a TensorFlow GraphDef as JSON, plus a weights
// manifest) and its weight bytes -> Net.
//
// Layout: tensors keep TensorFlow's own logical layout (NHWC) in the slots. Convolutions and
// pools hand ATen an NCHW *view* of them (a permute, no copy: the memory is ATen's channels-last
// format, which its CPU kernels take directly; depthwise convs measured 5x faster that way) and
// view the result back. So every axis, Reshape, Transpose and StridedSlice means what it means in
// TensorFlow, with no axis remapping (the TFLite importer's way needs it for every layout op,
// and these graphs have dozens of shape ops).
//
// Folding: the input shapes are fixed at import (dynamic dimensions come from the caller), and
// the graph is evaluated once on them: every node whose value depends only on constants and on
// shapes (Shape, StridedSlice of shapes, SparseToDense of constants, a Switch on a constant
// predicate) is folded into a constant; the rest become steps. A Switch whose predicate depends
// on pixel values cannot be folded and is an error; so are ops this importer does not know.
//
// Weights: uint8 (q * scale + min) and float16 are dequantised at import; everything is
// computed in fp32. The file is bounds-checked: a shard shorter than the manifest says, a weight
// without data, a node naming an input that does not exist: one clear error each.
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/model/net.h"

namespace omni::model {

namespace {

using json = nlohmann::ordered_json;
using Tensors = std::vector<at::Tensor>;
using OpFn = std::function<Tensors(const Tensors&)>;

// ---- attributes ---------------------------------------------------------------------------

std::string b64decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t val = 0;
  int bits = -8;
  for (unsigned char c : in) {
    if (c == '=') break;
    size_t p = chars.find(char(c));
    if (p == std::string::npos) continue;
    val = ((val << 6) | uint32_t(p)) & 0xffffff;
    bits += 6;
    if (bits >= 0) {
      out.push_back(char((val >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

int64_t to_i64(const json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(s.c_str(), &end, 10);
    if (errno || end == s.c_str() || *end) fail("'{}' is not an integer", s);
    return x;
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  fail("expected an integer, got {}", v.dump().substr(0, 40));
}

struct Node {
  std::string name, op;
  std::vector<std::pair<std::string, int>> inputs;  // (node, output index); control inputs dropped
  const json* attr = nullptr;

  const json* find(const char* key) const {
    if (!attr || !attr->is_object()) return nullptr;
    auto it = attr->find(key);
    return it == attr->end() ? nullptr : &*it;
  }
  std::string s(const char* key, const std::string& def = "") const {
    const json* a = find(key);
    if (!a || !a->contains("s")) return def;
    return b64decode(a->at("s").get<std::string>());
  }
  int64_t i(const char* key, int64_t def = 0) const {
    const json* a = find(key);
    if (!a || !a->contains("i")) return def;
    return to_i64(a->at("i"));
  }
  double f(const char* key, double def = 0) const {
    const json* a = find(key);
    if (!a || !a->contains("f")) return def;
    const json& v = a->at("f");
    return v.is_string() ? std::atof(v.get<std::string>().c_str()) : v.get<double>();
  }
  bool b(const char* key, bool def = false) const {
    const json* a = find(key);
    if (!a || !a->contains("b")) return def;
    return a->at("b").get<bool>();
  }
  std::vector<int64_t> ints(const char* key) const {
    std::vector<int64_t> r;
    const json* a = find(key);
    if (!a || !a->contains("list")) return r;
    const json& l = a->at("list");
    if (l.contains("i"))
      for (const auto& v : l.at("i")) r.push_back(to_i64(v));
    return r;
  }
  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> r;
    const json* a = find(key);
    if (!a || !a->contains("list")) return r;
    const json& l = a->at("list");
    if (l.contains("s"))
      for (const auto& v : l.at("s")) r.push_back(b64decode(v.get<std::string>()));
    return r;
  }
  std::string type(const char* key) const {
    const json* a = find(key);
    if (!a || !a->contains("type")) return "";
    return a->at("type").get<std::string>();
  }
};

at::ScalarType tf_dtype(const std::string& t) {
  if (t == "DT_FLOAT" || t == "DT_HALF" || t.empty()) return at::kFloat;
  if (t == "DT_INT32") return at::kInt;
  if (t == "DT_INT64") return at::kLong;
  if (t == "DT_BOOL") return at::kBool;
  if (t == "DT_UINT8") return at::kInt;
  fail("data type {} is not supported", t);
}

// ---- small helpers for op parameters (tiny tensors, read on the CPU) ------------------------

std::vector<int64_t> ivec(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU).to(at::kLong).contiguous().reshape({-1});
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}
int64_t iscalar(const at::Tensor& t) {
  auto v = ivec(t);
  if (v.size() != 1) fail("expected one value, got {}", v.size());
  return v[0];
}
// A value this large is a malformed (or hostile) file, not a vision model's tensor.
void check_size(const std::vector<int64_t>& shape, const char* op) {
  double n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail("{}: negative dimension {}", op, d);
    n *= double(d);
  }
  if (n > double(int64_t(1) << 28)) fail("{}: a tensor of {:.0f} values is too large", op, n);
}

int64_t norm_axis(int64_t a, int64_t rank) {
  if (a < -rank || a >= std::max<int64_t>(rank, 1)) fail("axis {} is out of range for rank {}", a, rank);
  return a < 0 ? a + rank : a;
}

// TF SAME padding along one dimension: (before, after); may be asymmetric.
std::pair<int64_t, int64_t> same_pad(int64_t in, int64_t k, int64_t stride, int64_t dil) {
  int64_t out = (in + stride - 1) / stride;
  int64_t eff = (k - 1) * dil + 1;
  int64_t total = std::max<int64_t>((out - 1) * stride + eff - in, 0);
  return {total / 2, total - total / 2};
}

struct Window {
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  std::string padding;                 // SAME, VALID, EXPLICIT
  std::vector<int64_t> explicit_pads;  // 8 values, NHWC pairs
};

Window window_of(const Node& n) {
  Window w;
  auto st = n.ints("strides");
  if (st.size() == 4) w.sh = st[1], w.sw = st[2];
  auto dl = n.ints("dilations");
  if (dl.size() == 4) w.dh = dl[1], w.dw = dl[2];
  if (w.sh < 1 || w.sw < 1 || w.dh < 1 || w.dw < 1 || w.sh > 64 || w.sw > 64 || w.dh > 64 || w.dw > 64)
    fail("strides/dilations out of range");
  w.padding = n.s("padding", "VALID");
  if (w.padding == "EXPLICIT") {
    w.explicit_pads = n.ints("explicit_paddings");
    if (w.explicit_pads.size() != 8) fail("EXPLICIT padding needs 8 values");
  } else if (w.padding != "SAME" && w.padding != "VALID") {
    fail("padding '{}' is not supported", w.padding);
  }
  std::string df = n.s("data_format", "NHWC");
  if (df != "NHWC") fail("data_format {} is not supported (NHWC only)", df);
  return w;
}

// Pads (top, bottom, left, right) of an NCHW view for a kernel kh x kw.
std::array<int64_t, 4> pads_for(const Window& w, const at::Tensor& x, int64_t kh, int64_t kw) {
  if (w.padding == "VALID") return {0, 0, 0, 0};
  if (w.padding == "EXPLICIT") return {w.explicit_pads[2], w.explicit_pads[3], w.explicit_pads[4], w.explicit_pads[5]};
  auto [t, b] = same_pad(x.size(2), kh, w.sh, w.dh);
  auto [l, r] = same_pad(x.size(3), kw, w.sw, w.dw);
  return {t, b, l, r};
}

at::Tensor nchw(const at::Tensor& x) {
  if (x.dim() != 4) fail("expected a 4-D NHWC tensor, got rank {}", x.dim());
  return x.permute({0, 3, 1, 2});
}
at::Tensor nhwc(const at::Tensor& x) { return x.permute({0, 2, 3, 1}); }

at::Tensor tf_prelu(const at::Tensor& x, const at::Tensor& alpha) { return at::relu(x) - at::relu(-x) * alpha; }

// ---- ops ------------------------------------------------------------------------------------

struct Value {
  bool constant = false, dead = false;
  at::Tensor t;  // the constant, or the dry run's example (for shapes)
  int slot = -1;
};

// One op's tensors on one device: an integer constant kept on the CPU (shapes, axes, indices:
// see on_device) joins the others on the GPU when an op takes them together.
Tensors together(Tensors x) {
  for (const auto& t : x)
    if (t.defined() && !t.is_cpu()) {
      const at::Device d = t.device();
      for (auto& u : x)
        if (u.defined() && u.is_cpu()) u = u.to(d);
      break;
    }
  return x;
}

class TfjsImporter {
 public:
  TfjsImporter(std::string what, const TfjsOptions& o, at::Device device) : what_(std::move(what)), o_(o), device_(device) {}

  Net run(const uint8_t* data, size_t size) {
    const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    size_t json_len = nul ? size_t(nul - data) : size;
    json doc = json::parse(data, data + json_len, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) fail("{}: not a TF.js graph model (model.json is not valid JSON)", what_);
    weights_ = nul ? nul + 1 : data + size;
    weights_size_ = nul ? size - json_len - 1 : 0;
    try {
      return build(doc);
    } catch (const json::exception& e) {
      fail("{}: malformed model.json: {}", what_, e.what());
    }
  }

 private:
  std::string what_;
  const TfjsOptions& o_;
  at::Device device_;
  // Weights and other float constants live on the run device; integer constants (shapes, axes,
  // indices) stay on the CPU, where the ops read them.
  at::Tensor on_device(const at::Tensor& t) const { return t.is_floating_point() ? t.to(device_) : t; }
  const uint8_t* weights_ = nullptr;
  size_t weights_size_ = 0;
  std::map<std::string, at::Tensor> consts_;  // by weight name
  std::map<std::string, Node> nodes_;
  std::map<std::string, std::vector<Value>> values_;
  int slots_ = 0;

  void read_weights(const json& doc) {
    if (!doc.contains("weightsManifest")) fail("{}: model.json has no weightsManifest", what_);
    size_t off = 0;
    for (const auto& group : doc.at("weightsManifest")) {
      for (const auto& w : group.at("weights")) {
        std::string name = w.at("name").get<std::string>();
        std::vector<int64_t> shape;
        int64_t count = 1;
        for (const auto& d : w.at("shape")) {
          int64_t v = to_i64(d);
          if (v < 0 || v > (int64_t(1) << 31)) fail("{}: weight '{}' has a bad dimension {}", what_, name, v);
          shape.push_back(v);
          count *= v;
          if (count > (int64_t(1) << 31)) fail("{}: weight '{}' is too large", what_, name);
        }
        std::string dtype = w.at("dtype").get<std::string>();
        std::string q;
        double qmin = 0, qscale = 1;
        if (w.contains("quantization")) {
          const json& qj = w.at("quantization");
          q = qj.at("dtype").get<std::string>();
          if (qj.contains("min")) qmin = qj.at("min").get<double>();
          if (qj.contains("scale")) qscale = qj.at("scale").get<double>();
        }
        size_t elem = q == "uint8" ? 1 : q == "float16" || q == "uint16" ? 2 : dtype == "bool" ? 1 : 4;
        if (!q.empty() && q != "uint8" && q != "float16" && q != "uint16") fail("{}: weight '{}': quantisation {} is not supported", what_, name, q);
        if (dtype != "float32" && dtype != "int32" && dtype != "bool") fail("{}: weight '{}': dtype {} is not supported", what_, name, dtype);
        size_t bytes = size_t(count) * elem;
        if (off + bytes > weights_size_)
          fail("{}: weights are truncated: '{}' needs bytes [{}, {}) of {}", what_, name, off, off + bytes, weights_size_);
        const uint8_t* p = weights_ + off;
        at::Tensor t;
        if (q == "uint8") {
          at::Tensor u = at::from_blob(const_cast<uint8_t*>(p), {count}, at::kByte).to(at::kFloat);
          t = u * qscale + qmin;
        } else if (q == "uint16") {
          std::vector<float> v(static_cast<size_t>(count));
          for (int64_t k = 0; k < count; ++k) {
            uint16_t x;
            std::memcpy(&x, p + 2 * k, 2);
            v[size_t(k)] = float(x * qscale + qmin);
          }
          t = at::from_blob(v.data(), {count}, at::kFloat).clone();
        } else if (q == "float16") {
          std::vector<uint16_t> h(static_cast<size_t>(count));
          if (count) std::memcpy(h.data(), p, bytes);
          t = at::from_blob(h.data(), {count}, at::kHalf).to(at::kFloat);
        } else if (dtype == "bool") {
          t = at::from_blob(const_cast<uint8_t*>(p), {count}, at::kByte).ne(0);
        } else {
          std::vector<uint8_t> b(p, p + bytes);  // the bytes may be unaligned
          t = at::from_blob(b.data(), {count}, dtype == "int32" ? at::kInt : at::kFloat).clone();
        }
        if (dtype == "int32" && t.scalar_type() != at::kInt) t = t.round().to(at::kInt);
        consts_[name] = t.reshape(shape).clone();
        off += bytes;
      }
    }
    if (off != weights_size_) fail("{}: the weights manifest lists {} bytes, the file has {}", what_, off, weights_size_);
  }

  std::pair<std::string, int> parse_ref(const std::string& r) {
    size_t c = r.rfind(':');
    if (c == std::string::npos) return {r, 0};
    std::string idx = r.substr(c + 1);
    if (idx.empty() || idx.size() > 4 || idx.find_first_not_of("0123456789") != std::string::npos) return {r, 0};
    return {r.substr(0, c), std::atoi(idx.c_str())};
  }

  Net build(const json& doc) {
    read_weights(doc);
    const json& topo = doc.at("modelTopology");
    if (!topo.contains("node")) fail("{}: model.json has no graph nodes", what_);
    std::vector<std::string> placeholders;
    for (const auto& nj : topo.at("node")) {
      Node n;
      n.name = nj.at("name").get<std::string>();
      n.op = nj.at("op").get<std::string>();
      if (nj.contains("attr")) n.attr = &nj.at("attr");
      if (nj.contains("input"))
        for (const auto& i : nj.at("input")) {
          std::string s = i.get<std::string>();
          if (!s.empty() && s[0] == '^') continue;
          n.inputs.push_back(parse_ref(s));
        }
      if (n.op == "Placeholder") placeholders.push_back(n.name);
      if (!nodes_.emplace(n.name, n).second) fail("{}: two nodes are named '{}'", what_, n.name);
    }
    if (topo.contains("library") && topo.at("library").contains("function") && !topo.at("library").at("function").empty())
      fail("{}: graph functions (control flow) are not supported", what_);

    // Outputs: asked by tensor name ("Identity:0") or by signature key ("pha").
    std::map<std::string, std::string> sig_out;
    std::vector<std::string> sig_order;
    const json* sig = doc.contains("signature") ? &doc.at("signature") : nullptr;
    if (!sig && doc.contains("userDefinedMetadata") && doc.at("userDefinedMetadata").contains("signature"))
      sig = &doc.at("userDefinedMetadata").at("signature");
    if (sig && sig->contains("outputs"))
      for (auto& [k, v] : sig->at("outputs").items()) {
        std::string tn = v.contains("name") ? v.at("name").get<std::string>() : k;
        sig_out[k] = tn;
        sig_order.push_back(tn);
      }
    std::vector<std::string> want = o_.outputs.empty() ? sig_order : o_.outputs;
    if (want.empty()) fail("{}: no outputs named (the model has no signature)", what_);
    std::vector<std::pair<std::string, int>> outs;
    for (const auto& w : want) {
      std::string tn = sig_out.count(w) ? sig_out[w] : w;
      auto r = parse_ref(tn);
      if (!nodes_.count(r.first)) fail("{}: output '{}' is not a node of the graph", what_, w);
      outs.push_back(r);
    }

    Net net;
    net.name = what_;
    net.format = "tfjs";
    net.device = device_;

    // Inputs: placeholders not fixed by the caller, in the caller's order or the graph's.
    for (const auto& [p, val] : o_.constants) {
      auto it = nodes_.find(p);
      if (it == nodes_.end() || it->second.op != "Placeholder") fail("{}: '{}' is not an input of the graph", what_, p);
      Value v;
      v.constant = true;
      v.t = val.to(at::kCPU);
      values_[p] = {v};
    }
    std::vector<std::string> in_order;
    for (const auto& p : o_.inputs.empty() ? placeholders : o_.inputs)
      if (!o_.constants.count(p)) in_order.push_back(p);
    for (const auto& p : in_order) {
      auto it = nodes_.find(p);
      if (it == nodes_.end() || it->second.op != "Placeholder") fail("{}: input '{}' is not a placeholder of the graph", what_, p);
      const Node& n = it->second;
      Value v;
      std::vector<int64_t> shape;
      if (o_.shapes.count(p)) {
        shape = o_.shapes.at(p);
      } else if (const json* a = n.find("shape"); a && a->contains("shape") && a->at("shape").contains("dim")) {
        for (const auto& d : a->at("shape").at("dim")) shape.push_back(d.contains("size") ? to_i64(d.at("size")) : 0);
        if (!shape.empty() && shape[0] == -1) shape[0] = 1;  // one picture at a time
        bool open = false;
        for (int64_t d : shape) open = open || d <= 0;
        if (open && net.inputs.empty() && o_.first_input_shape.size() == shape.size()) shape = o_.first_input_shape;
      }
      for (int64_t d : shape)
        if (d <= 0 || d > 16384) fail("{}: input '{}' needs a fixed shape (got [{}])", what_, p, fmt::join(shape, ","));
      if (shape.empty()) fail("{}: input '{}' needs a fixed shape", what_, p);
      v.slot = slots_++;
      at::ScalarType dt = tf_dtype(n.type("dtype"));
      v.t = on_device(at::zeros(shape, at::TensorOptions().dtype(dt)));
      values_[p] = {v};
      net.inputs.push_back({p, shape});
      net.input_slots.push_back(v.slot);
      net.input_nhwc.push_back(false);
      input_dtype_.push_back(dt);
    }

    // Depth-first order from the outputs (iterative: graphs are deep, and input is untrusted).
    std::vector<std::string> order;
    std::set<std::string> done, onstack;
    for (const auto& o : outs) {
      std::vector<std::pair<std::string, size_t>> st{{o.first, 0}};
      onstack.insert(o.first);
      while (!st.empty()) {
        auto& [name, k] = st.back();
        const Node& n = nodes_.at(name);
        if (done.count(name)) {
          onstack.erase(name);
          st.pop_back();
          continue;
        }
        if (k < n.inputs.size()) {
          const std::string& dep = n.inputs[k++].first;
          if (!nodes_.count(dep)) fail("{}: node '{}' reads '{}', which does not exist", what_, name, dep);
          if (done.count(dep)) continue;
          if (onstack.count(dep)) fail("{}: the graph has a cycle through '{}' (loops are not supported)", what_, dep);
          onstack.insert(dep);
          st.push_back({dep, 0});
          continue;
        }
        done.insert(name);
        onstack.erase(name);
        order.push_back(name);
        st.pop_back();
      }
    }

    for (const auto& name : order) evaluate(net, nodes_.at(name));

    for (const auto& o : outs) {
      const Value& v = value(o.first, o.second);
      if (v.dead) fail("{}: output '{}' is not computed for these inputs", what_, o.first);
      int slot = v.slot;
      if (v.constant) {
        // A constant output (nothing depends on the input): still a slot, filled by a step.
        slot = slots_++;
        at::Tensor c = v.t.to(device_);
        net.steps.push_back([c, slot](std::vector<at::Tensor>& s) { s[size_t(slot)] = c; });
        net.op_names.push_back("Const");
      }
      net.output_slots.push_back(slot);
      net.output_nhwc.push_back(false);
      net.outputs.push_back({o.first + ":" + std::to_string(o.second), v.t.sizes().vec()});
    }
    // Free activations after their last reader (memory at large input sizes).
    std::vector<int> last(size_t(slots_), -1);
    for (size_t k = 0; k < step_reads_.size(); ++k)
      for (int s : step_reads_[k]) last[size_t(s)] = int(k);
    for (int s : net.output_slots) last[size_t(s)] = INT32_MAX;
    for (int s : net.input_slots) last[size_t(s)] = std::max(last[size_t(s)], -1);
    std::vector<std::vector<int>> release(net.steps.size());
    for (int s = 0; s < slots_; ++s)
      if (last[size_t(s)] >= 0 && last[size_t(s)] != INT32_MAX && size_t(last[size_t(s)]) < release.size())
        release[size_t(last[size_t(s)])].push_back(s);
    // Steps were recorded before the constant-output steps; indices line up with step_reads_.
    for (size_t k = 0; k < release.size() && k < step_reads_.size(); ++k)
      if (!release[k].empty()) {
        Net::Step inner = std::move(net.steps[k]);
        std::vector<int> rel = release[k];
        net.steps[k] = [inner = std::move(inner), rel](std::vector<at::Tensor>& s) {
          inner(s);
          for (int r : rel) s[size_t(r)] = at::Tensor();
        };
      }
    // Inputs arrive as float: cast to the placeholder's type first (movenet takes int32).
    for (size_t i = 0; i < net.input_slots.size(); ++i)
      if (input_dtype_[i] != at::kFloat) {
        int slot = net.input_slots[i];
        at::ScalarType dt = input_dtype_[i];
        net.steps.insert(net.steps.begin(), [slot, dt](std::vector<at::Tensor>& s) { s[size_t(slot)] = s[size_t(slot)].round().to(dt); });
        net.op_names.insert(net.op_names.begin(), "Cast(input)");
      }
    net.slot_count = slots_;
    return net;
  }

  std::vector<at::ScalarType> input_dtype_;
  std::vector<std::vector<int>> step_reads_;

  const Value& value(const std::string& node, int idx) {
    auto it = values_.find(node);
    if (it == values_.end()) fail("{}: '{}' has no value (an input that was not given?)", what_, node);
    if (idx < 0 || size_t(idx) >= it->second.size()) fail("{}: '{}' has no output {}", what_, node, idx);
    return it->second[size_t(idx)];
  }

  void evaluate(Net& net, const Node& n) {
    if (values_.count(n.name)) return;  // a placeholder
    if (n.op == "Placeholder") fail("{}: input '{}' is needed but not given", what_, n.name);
    if (n.op == "Const") {
      auto it = consts_.find(n.name);
      if (it == consts_.end()) fail("{}: constant '{}' has no weights", what_, n.name);
      Value v;
      v.constant = true;
      at::ScalarType dt = tf_dtype(n.type("dtype"));
      v.t = it->second.to(dt);
      values_[n.name] = {v};
      return;
    }
    std::vector<const Value*> in;
    for (const auto& [src, idx] : n.inputs) in.push_back(&value(src, idx));
    // Switch/Merge: the branch not taken is dead, and so is everything that reads it.
    if (n.op == "Merge") {
      for (size_t k = 0; k < in.size(); ++k)
        if (!in[k]->dead) {
          Value v = *in[k], idx;
          idx.constant = true;
          idx.t = at::scalar_tensor(int64_t(k), at::kInt);
          values_[n.name] = {v, idx};
          return;
        }
      Value d;
      d.dead = true;
      values_[n.name] = {d, d};
      return;
    }
    for (const Value* v : in)
      if (v->dead) {
        Value d;
        d.dead = true;
        values_[n.name] = {d, d, d, d};
        return;
      }
    if (n.op == "Switch") {
      need_inputs(n, in, 2);
      if (!in[1]->constant) fail("{}: '{}' switches on a value computed from the picture; only constant conditions are supported", what_, n.name);
      bool p = in[1]->t.to(at::kCPU).to(at::kBool).reshape({-1}).numel() == 1 && in[1]->t.to(at::kBool).item<bool>();
      Value live = *in[0], dead;
      dead.dead = true;
      values_[n.name] = p ? std::vector<Value>{dead, live} : std::vector<Value>{live, dead};
      return;
    }
    if (n.op == "Identity" || n.op == "StopGradient" || n.op == "Snapshot") {
      need_inputs(n, in, 1);
      values_[n.name] = {*in[0]};
      return;
    }
    if (n.op == "NoOp") {
      values_[n.name] = {};
      return;
    }
    OpFn fn;
    Tensors r;
    bool all_const = true;
    for (const Value* v : in) all_const = all_const && v->constant;
    // Shape-only ops are constant once the input shapes are fixed.
    if (n.op == "Shape" || n.op == "Size" || n.op == "Rank") all_const = true;
    // The example runs where the steps will: a computed value is on the device already, and a
    // constant beside it goes there as it will in the step (a folded node stays on the CPU).
    Tensors example;
    for (const Value* v : in) example.push_back(v->constant && !all_const ? on_device(v->t) : v->t);
    try {
      fn = make_op(n, in);
      r = fn(example);
    } catch (const Error& e) {
      fail("{}: node '{}' ({}): {}", what_, n.name, n.op, e.what());
    } catch (const c10::Error& e) {
      std::string msg = e.what_without_backtrace();
      fail("{}: node '{}' ({}): {}", what_, n.name, n.op, msg.substr(0, msg.find('\n')));
    } catch (const std::exception& e) {  // ATen's shape checks throw plain runtime_errors too
      std::string msg = e.what();
      fail("{}: node '{}' ({}): {}", what_, n.name, n.op, msg.substr(0, msg.find('\n')));
    }
    std::vector<Value> outv;
    if (all_const) {
      for (auto& t : r) {
        Value v;
        v.constant = true;
        v.t = t.contiguous();
        outv.push_back(v);
      }
      values_[n.name] = outv;
      return;
    }
    struct Arg {
      int slot;
      at::Tensor c;
    };
    std::vector<Arg> args;
    std::vector<int> reads;
    for (const Value* v : in) {
      if (v->constant) args.push_back({-1, on_device(v->t)});
      else {
        args.push_back({v->slot, at::Tensor()});
        reads.push_back(v->slot);
      }
    }
    std::vector<int> oslots;
    for (auto& t : r) {
      Value v;
      v.slot = slots_++;
      v.t = t;
      oslots.push_back(v.slot);
      outv.push_back(v);
    }
    values_[n.name] = outv;
    net.steps.push_back([args, oslots, fn](std::vector<at::Tensor>& s) {
      Tensors x;
      x.reserve(args.size());
      for (const Arg& a : args) x.push_back(a.slot >= 0 ? s[size_t(a.slot)] : a.c);
      Tensors y = fn(x);
      for (size_t k = 0; k < oslots.size() && k < y.size(); ++k) s[size_t(oslots[k])] = std::move(y[k]);
    });
    net.op_names.push_back(n.op);
    step_reads_.push_back(reads);
  }

  void need_inputs(const Node& n, const std::vector<const Value*>& in, size_t k) {
    if (in.size() < k) fail("{}: node '{}' ({}) needs {} inputs, has {}", what_, n.name, n.op, k, in.size());
  }

  at::Tensor const_input(const Node& n, const std::vector<const Value*>& in, size_t k, const char* what) {
    need_inputs(n, in, k + 1);
    if (!in[k]->constant) fail("{}: node '{}' ({}): its {} must be a constant", what_, n.name, n.op, what);
    return in[k]->t;
  }

  // Convolution family, with TF.js's fused ops (BiasAdd, then Relu/Relu6/Prelu/LeakyRelu/Elu).
  OpFn make_conv(const Node& n, const std::vector<const Value*>& in, bool depthwise) {
    Window w = window_of(n);
    at::Tensor f = const_input(n, in, 1, "filter");
    if (f.dim() != 4) fail("{}: node '{}': the filter must be 4-D", what_, n.name);
    int64_t kh = f.size(0), kw = f.size(1), ci = f.size(2), co = f.size(3);
    at::Tensor wt = depthwise ? f.permute({2, 3, 0, 1}).reshape({ci * co, 1, kh, kw}) : f.permute({3, 2, 0, 1});
    wt = wt.to(at::kFloat).contiguous().to(device_);
    std::vector<std::string> fused = n.strings("fused_ops");
    at::Tensor bias, alpha;
    std::string act;
    size_t next = 2;
    for (const auto& op : fused) {
      if (op == "BiasAdd" || op == "Add") {
        bias = const_input(n, in, next++, "bias").to(at::kFloat).reshape({-1}).to(device_);
      } else if (op == "Relu" || op == "Relu6" || op == "Elu" || op == "Sigmoid" || op == "LeakyRelu" || op == "Tanh") {
        act = op;
      } else if (op == "Prelu") {
        act = op;
        alpha = const_input(n, in, next++, "prelu alpha").to(at::kFloat).reshape({1, -1, 1, 1}).to(device_);
      } else {
        fail("{}: node '{}': fused op '{}' is not supported", what_, n.name, op);
      }
    }
    double leaky = n.f("leakyrelu_alpha", 0.2);
    int64_t out_ch = depthwise ? ci * co : co;
    if (bias.defined() && bias.numel() != out_ch) fail("{}: node '{}': bias has {} values for {} channels", what_, n.name, bias.numel(), out_ch);
    return [w, wt, bias, alpha, act, leaky, depthwise, ci, kh, kw](const Tensors& x) -> Tensors {
      at::Tensor v = nchw(x.at(0)).to(at::kFloat);
      if (!depthwise && v.size(1) % ci) fail("input has {} channels, the filter {}", v.size(1), ci);
      if (depthwise && v.size(1) != ci) fail("input has {} channels, the filter {}", v.size(1), ci);
      auto p = pads_for(w, v, kh, kw);
      int64_t ph = 0, pw = 0;
      if (p[0] == p[1] && p[2] == p[3]) ph = p[0], pw = p[2];
      else if (p[0] || p[1] || p[2] || p[3]) v = at::constant_pad_nd(v, {p[2], p[3], p[0], p[1]});
      int64_t groups = depthwise ? ci : v.size(1) / ci;
      at::Tensor y = at::conv2d(v, wt, bias, {w.sh, w.sw}, {ph, pw}, {w.dh, w.dw}, groups);
      if (act == "Relu") y = at::relu_(y);
      else if (act == "Relu6") y = at::clamp_(y, 0, 6);
      else if (act == "Elu") y = at::elu(y);
      else if (act == "Sigmoid") y = at::sigmoid_(y);
      else if (act == "Tanh") y = at::tanh_(y);
      else if (act == "LeakyRelu") y = at::leaky_relu(y, leaky);
      else if (act == "Prelu") y = tf_prelu(y, alpha);
      return {nhwc(y)};
    };
  }

  OpFn make_pool(const Node& n, bool max) {
    Window w = window_of(n);
    auto k = n.ints("ksize");
    if (k.size() != 4 || k[0] != 1 || k[3] != 1 || k[1] < 1 || k[2] < 1 || k[1] > 4096 || k[2] > 4096)
      fail("{}: node '{}': ksize must be [1,h,w,1]", what_, n.name);
    int64_t kh = k[1], kw = k[2];
    return [w, kh, kw, max](const Tensors& x) -> Tensors {
      at::Tensor v = nchw(x.at(0)).to(at::kFloat);
      auto p = pads_for(w, v, kh, kw);
      if (max) {
        if (p[0] || p[1] || p[2] || p[3]) v = at::constant_pad_nd(v, {p[2], p[3], p[0], p[1]}, -INFINITY);
        return {nhwc(at::max_pool2d(v, {kh, kw}, {w.sh, w.sw}))};
      }
      if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) return {nhwc(at::avg_pool2d(v, {kh, kw}, {w.sh, w.sw}))};
      // TF's SAME average excludes the padding from the count, also when it is asymmetric.
      at::Tensor ones = at::ones({1, 1, v.size(2), v.size(3)}, v.options());
      at::Tensor s = at::avg_pool2d(at::constant_pad_nd(v, {p[2], p[3], p[0], p[1]}), {kh, kw}, {w.sh, w.sw});
      at::Tensor c = at::avg_pool2d(at::constant_pad_nd(ones, {p[2], p[3], p[0], p[1]}), {kh, kw}, {w.sh, w.sw});
      return {nhwc(s / c)};
    };
  }

  OpFn make_op(const Node& n, const std::vector<const Value*>& in) {
    const std::string& op = n.op;
    auto binary = [&](auto f) -> OpFn {
      need_inputs(n, in, 2);
      return [f](const Tensors& x) -> Tensors {
        const at::Tensor &a = x.at(0), &b = x.at(1);
        // An integer constant (kept on the CPU) meets a value on the GPU: the GPU's side wins.
        if (a.device() != b.device()) return {a.is_cpu() ? f(a.to(b.device()), b) : f(a, b.to(a.device()))};
        return {f(a, b)};
      };
    };
    auto unary = [&](auto f) -> OpFn {
      need_inputs(n, in, 1);
      return [f](const Tensors& x) -> Tensors { return {f(x.at(0))}; };
    };
    if (op == "Conv2D" || op == "_FusedConv2D") return make_conv(n, in, false);
    if (op == "DepthwiseConv2dNative" || op == "FusedDepthwiseConv2dNative") return make_conv(n, in, true);
    if (op == "MaxPool") return make_pool(n, true);
    if (op == "AvgPool") return make_pool(n, false);
    if (op == "Conv2DBackpropInput") {
      Window w = window_of(n);
      std::vector<int64_t> out_shape = ivec(const_input(n, in, 0, "output size"));
      at::Tensor f = const_input(n, in, 1, "filter");
      need_inputs(n, in, 3);
      if (f.dim() != 4 || out_shape.size() != 4) fail("{}: node '{}': bad filter or output size", what_, n.name);
      int64_t kh = f.size(0), kw = f.size(1);
      at::Tensor wt = f.permute({3, 2, 0, 1}).to(at::kFloat).contiguous().to(device_);  // [in, out, kh, kw]
      return [w, wt, out_shape, kh, kw](const Tensors& x) -> Tensors {
        at::Tensor v = nchw(x.at(2)).to(at::kFloat);
        at::Tensor y = at::conv_transpose2d(v, wt, {}, {w.sh, w.sw}, 0, 0, 1, {w.dh, w.dw});
        int64_t oh = out_shape[1], ow = out_shape[2];
        int64_t t = 0, l = 0;
        if (w.padding == "SAME") {
          t = same_pad(oh, kh, w.sh, w.dh).first;
          l = same_pad(ow, kw, w.sw, w.dw).first;
        } else if (w.padding == "EXPLICIT") {
          t = w.explicit_pads[2], l = w.explicit_pads[4];
        }
        if (t + oh > y.size(2) || l + ow > y.size(3)) fail("output size does not fit the transposed convolution");
        return {nhwc(y.slice(2, t, t + oh).slice(3, l, l + ow))};
      };
    }
    if (op == "MatMul" || op == "_FusedMatMul" || op == "BatchMatMulV2" || op == "BatchMatMul") {
      need_inputs(n, in, 2);
      bool ta = n.b("transpose_a") || n.b("adj_x"), tb = n.b("transpose_b") || n.b("adj_y");
      at::Tensor bias;
      std::string act;
      size_t next = 2;
      for (const auto& f : n.strings("fused_ops")) {
        if (f == "BiasAdd") bias = const_input(n, in, next++, "bias").to(at::kFloat).to(device_);
        else if (f == "Relu" || f == "Relu6" || f == "Sigmoid" || f == "Tanh") act = f;
        else fail("{}: node '{}': fused op '{}' is not supported", what_, n.name, f);
      }
      return [ta, tb, bias, act](const Tensors& x) -> Tensors {
        at::Tensor a = x.at(0).to(at::kFloat), b = x.at(1).to(at::kFloat);
        if (ta) a = a.transpose(-1, -2);
        if (tb) b = b.transpose(-1, -2);
        at::Tensor y = at::matmul(a, b);
        if (bias.defined()) y = y + bias;
        if (act == "Relu") y = at::relu(y);
        else if (act == "Relu6") y = at::clamp(y, 0, 6);
        else if (act == "Sigmoid") y = at::sigmoid(y);
        else if (act == "Tanh") y = at::tanh(y);
        return {y};
      };
    }
    if (op == "BiasAdd") return binary([](const at::Tensor& a, const at::Tensor& b) { return a + b; });
    if (op == "Add" || op == "AddV2") return binary([](const at::Tensor& a, const at::Tensor& b) { return a + b; });
    if (op == "Sub") return binary([](const at::Tensor& a, const at::Tensor& b) { return a - b; });
    if (op == "Mul") return binary([](const at::Tensor& a, const at::Tensor& b) { return a * b; });
    if (op == "RealDiv" || op == "Div")
      return binary([](const at::Tensor& a, const at::Tensor& b) {
        return a.is_floating_point() ? a / b : at::div(a, b, "trunc");
      });
    if (op == "FloorDiv") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); });
    if (op == "FloorMod") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); });
    if (op == "Minimum") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); });
    if (op == "Maximum") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); });
    if (op == "Pow") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); });
    if (op == "SquaredDifference") return binary([](const at::Tensor& a, const at::Tensor& b) { auto d = a - b; return d * d; });
    if (op == "Equal") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); });
    if (op == "NotEqual") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); });
    if (op == "Less") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); });
    if (op == "LessEqual") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); });
    if (op == "Greater") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); });
    if (op == "GreaterEqual") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); });
    if (op == "LogicalAnd") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); });
    if (op == "LogicalOr") return binary([](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); });
    if (op == "LogicalNot") return unary([](const at::Tensor& a) { return at::logical_not(a); });
    if (op == "Prelu") return binary([](const at::Tensor& a, const at::Tensor& b) { return tf_prelu(a, b); });
    if (op == "Relu") return unary([](const at::Tensor& a) { return at::relu(a); });
    if (op == "Relu6") return unary([](const at::Tensor& a) { return at::clamp(a, 0, 6); });
    if (op == "Elu") return unary([](const at::Tensor& a) { return at::elu(a); });
    if (op == "Selu") return unary([](const at::Tensor& a) { return at::selu(a); });
    if (op == "Sigmoid") return unary([](const at::Tensor& a) { return at::sigmoid(a); });
    if (op == "Tanh") return unary([](const at::Tensor& a) { return at::tanh(a); });
    if (op == "Exp") return unary([](const at::Tensor& a) { return at::exp(a); });
    if (op == "Log") return unary([](const at::Tensor& a) { return at::log(a); });
    if (op == "Sqrt") return unary([](const at::Tensor& a) { return at::sqrt(a); });
    if (op == "Rsqrt") return unary([](const at::Tensor& a) { return at::rsqrt(a); });
    if (op == "Square") return unary([](const at::Tensor& a) { return a * a; });
    if (op == "Abs") return unary([](const at::Tensor& a) { return at::abs(a); });
    if (op == "Neg") return unary([](const at::Tensor& a) { return at::neg(a); });
    if (op == "Floor") return unary([](const at::Tensor& a) { return at::floor(a); });
    if (op == "Round") return unary([](const at::Tensor& a) { return at::round(a); });
    if (op == "Reciprocal") return unary([](const at::Tensor& a) { return at::reciprocal(a.to(at::kFloat)); });
    if (op == "Softplus") return unary([](const at::Tensor& a) { return at::softplus(a); });
    if (op == "LeakyRelu") {
      double alpha = n.f("alpha", 0.2);
      return unary([alpha](const at::Tensor& a) { return at::leaky_relu(a, alpha); });
    }
    if (op == "Softmax") return unary([](const at::Tensor& a) { return at::softmax(a, -1); });
    if (op == "AddN") {
      need_inputs(n, in, 1);
      return [](const Tensors& x) -> Tensors {
        Tensors y = together(x);
        at::Tensor s = y.at(0);
        for (size_t k = 1; k < y.size(); ++k) s = s + y[k];
        return {s};
      };
    }
    if (op == "Cast") {
      at::ScalarType dt = tf_dtype(n.type("DstT"));
      return unary([dt](const at::Tensor& a) {
        return a.is_floating_point() && dt != at::kFloat && dt != at::kBool ? a.trunc().to(dt) : a.to(dt);
      });
    }
    if (op == "Shape" || op == "Size" || op == "Rank") {
      at::ScalarType dt = n.type("out_type") == "DT_INT64" ? at::kLong : at::kInt;
      return [op, dt](const Tensors& x) -> Tensors {
        const at::Tensor& a = x.at(0);
        if (op == "Shape") return {at::tensor(a.sizes().vec(), at::kLong).to(dt)};
        if (op == "Size") return {at::scalar_tensor(a.numel(), at::kLong).to(dt)};
        return {at::scalar_tensor(a.dim(), at::kLong).to(dt)};
      };
    }
    if (op == "Reshape") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors { return {x.at(0).reshape(ivec(x.at(1)))}; };
    }
    if (op == "Squeeze") {
      auto dims = n.ints("squeeze_dims");
      if (dims.empty()) dims = n.ints("axis");
      return unary([dims](const at::Tensor& a) {
        if (dims.empty()) return a.squeeze();
        std::vector<int64_t> d;
        for (int64_t k : dims) d.push_back(norm_axis(k, a.dim()));
        std::sort(d.rbegin(), d.rend());
        at::Tensor r = a;
        for (int64_t k : d) {
          if (r.size(k) != 1) fail("cannot squeeze dimension {} of size {}", k, r.size(k));
          r = r.squeeze(k);
        }
        return r;
      });
    }
    if (op == "ExpandDims") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors { return {x.at(0).unsqueeze(norm_axis(iscalar(x.at(1)), x.at(0).dim() + 1))}; };
    }
    if (op == "Transpose") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors {
        auto p = ivec(x.at(1));
        if (int64_t(p.size()) != x.at(0).dim()) fail("permutation of {} axes for rank {}", p.size(), x.at(0).dim());
        return {x.at(0).permute(p)};
      };
    }
    if (op == "ConcatV2" || op == "Concat") {
      need_inputs(n, in, 2);
      bool v2 = op == "ConcatV2";
      return [v2](const Tensors& x) -> Tensors {
        size_t ax_i = v2 ? x.size() - 1 : 0;
        Tensors parts;
        for (size_t k = 0; k < x.size(); ++k)
          if (k != ax_i) parts.push_back(x[k]);
        int64_t ax = norm_axis(iscalar(x[ax_i]), parts.at(0).dim());
        return {at::cat(together(parts), ax)};
      };
    }
    if (op == "Pack") {
      int64_t axis = n.i("axis", 0);
      need_inputs(n, in, 1);
      return [axis](const Tensors& x) -> Tensors { return {at::stack(together(x), norm_axis(axis, x.at(0).dim() + 1))}; };
    }
    if (op == "Unpack") {
      int64_t axis = n.i("axis", 0);
      return unary_multi(n, in, [axis](const at::Tensor& a) {
        auto parts = at::unbind(a, norm_axis(axis, a.dim()));
        return Tensors(parts.begin(), parts.end());
      });
    }
    if (op == "Split") {
      int64_t num = n.i("num_split", 1);
      need_inputs(n, in, 2);
      return [num](const Tensors& x) -> Tensors {
        const at::Tensor& a = x.at(1);
        int64_t ax = norm_axis(iscalar(x.at(0)), a.dim());
        if (num < 1 || a.size(ax) % num) fail("cannot split {} into {} parts", a.size(ax), num);
        auto p = at::split(a, a.size(ax) / num, ax);
        return Tensors(p.begin(), p.end());
      };
    }
    if (op == "SplitV") {
      need_inputs(n, in, 3);
      return [](const Tensors& x) -> Tensors {
        const at::Tensor& a = x.at(0);
        auto sizes = ivec(x.at(1));
        int64_t ax = norm_axis(iscalar(x.at(2)), a.dim());
        int64_t known = 0, unknown = -1;
        for (size_t k = 0; k < sizes.size(); ++k)
          if (sizes[k] < 0) unknown = int64_t(k);
          else known += sizes[k];
        if (unknown >= 0) sizes[size_t(unknown)] = a.size(ax) - known;
        auto p = at::split_with_sizes(a, sizes, ax);
        return Tensors(p.begin(), p.end());
      };
    }
    if (op == "Slice") {
      need_inputs(n, in, 3);
      return [](const Tensors& x) -> Tensors {
        at::Tensor a = x.at(0);
        auto b = ivec(x.at(1)), sz = ivec(x.at(2));
        if (int64_t(b.size()) != a.dim() || sz.size() != b.size()) fail("Slice: begin/size do not match rank {}", a.dim());
        for (int64_t d = 0; d < a.dim(); ++d) {
          int64_t e = sz[size_t(d)] < 0 ? a.size(d) : b[size_t(d)] + sz[size_t(d)];
          if (b[size_t(d)] < 0 || e > a.size(d) || e < b[size_t(d)]) fail("Slice out of range");
          a = a.slice(d, b[size_t(d)], e);
        }
        return {a};
      };
    }
    if (op == "StridedSlice") {
      need_inputs(n, in, 4);
      int64_t bm = n.i("begin_mask"), em = n.i("end_mask"), el = n.i("ellipsis_mask"), na = n.i("new_axis_mask"), sm = n.i("shrink_axis_mask");
      return [bm, em, el, na, sm](const Tensors& x) -> Tensors { return {strided_slice(x.at(0), ivec(x.at(1)), ivec(x.at(2)), ivec(x.at(3)), bm, em, el, na, sm)}; };
    }
    if (op == "Tile") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors {
        auto m = ivec(x.at(1));
        std::vector<int64_t> out = x.at(0).sizes().vec();
        if (m.size() != out.size()) fail("Tile: {} multiples for rank {}", m.size(), out.size());
        for (size_t k = 0; k < out.size(); ++k) out[k] *= m[k];
        check_size(out, "Tile");
        return {x.at(0).repeat(m)};
      };
    }
    if (op == "BroadcastTo") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors {
        auto shape = ivec(x.at(1));
        check_size(shape, "BroadcastTo");
        return {x.at(0).expand(shape).contiguous()};
      };
    }
    if (op == "Fill") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors {
        auto shape = ivec(x.at(0));
        check_size(shape, "Fill");
        return {at::full(shape, x.at(1).reshape({}).item(), x.at(1).options())};
      };
    }
    if (op == "ZerosLike") return unary([](const at::Tensor& a) { return at::zeros_like(a); });
    if (op == "OnesLike") return unary([](const at::Tensor& a) { return at::ones_like(a); });
    if (op == "Range") {
      need_inputs(n, in, 3);
      return [](const Tensors& x) -> Tensors {
        at::Scalar s = x.at(0).reshape({}).item(), e = x.at(1).reshape({}).item(), d = x.at(2).reshape({}).item();
        if (d.toDouble() == 0 || std::abs((e.toDouble() - s.toDouble()) / d.toDouble()) > (1 << 24)) fail("Range: bad arguments");
        return {at::arange(s, e, d, x.at(0).options())};
      };
    }
    if (op == "Mean" || op == "Sum" || op == "Max" || op == "Min" || op == "Prod" || op == "All" || op == "Any") {
      need_inputs(n, in, 2);
      bool keep = n.b("keep_dims");
      return [op, keep](const Tensors& x) -> Tensors {
        at::Tensor a = x.at(0);
        auto axes = ivec(x.at(1));
        std::vector<int64_t> ax;
        for (int64_t k : axes) ax.push_back(norm_axis(k, a.dim()));
        if (ax.empty()) return {a};
        if (op == "Mean") return {a.mean(ax, keep)};
        if (op == "Sum") return {a.sum(ax, keep)};
        std::sort(ax.rbegin(), ax.rend());
        at::Tensor r = a;
        for (int64_t k : ax) {
          if (op == "Max") r = std::get<0>(r.max(k, keep));
          else if (op == "Min") r = std::get<0>(r.min(k, keep));
          else if (op == "Prod") r = r.prod(k, keep);
          else if (op == "All") r = r.all(k, keep);
          else r = r.any(k, keep);
        }
        return {r};
      };
    }
    if (op == "ArgMax" || op == "ArgMin") {
      need_inputs(n, in, 2);
      at::ScalarType dt = n.type("output_type") == "DT_INT32" ? at::kInt : at::kLong;
      bool mx = op == "ArgMax";
      return [dt, mx](const Tensors& x) -> Tensors {
        int64_t ax = norm_axis(iscalar(x.at(1)), x.at(0).dim());
        return {(mx ? x.at(0).argmax(ax) : x.at(0).argmin(ax)).to(dt)};
      };
    }
    if (op == "Pad" || op == "PadV2" || op == "MirrorPad") {
      need_inputs(n, in, 2);
      std::string mode = op == "MirrorPad" ? n.s("mode") : "";
      return [mode](const Tensors& x) -> Tensors {
        const at::Tensor& a = x.at(0);
        auto p = ivec(x.at(1));
        if (int64_t(p.size()) != 2 * a.dim()) fail("paddings for rank {} need {} values", a.dim(), 2 * a.dim());
        std::vector<int64_t> q;  // ATen: last dimension first
        for (int64_t d = a.dim() - 1; d >= 0; --d) q.push_back(p[size_t(2 * d)]), q.push_back(p[size_t(2 * d + 1)]);
        for (int64_t v : p)
          if (v < 0 || v > 4096) fail("padding {} is out of range", v);
        if (!mode.empty()) {
          if (a.dim() != 4 || p[0] || p[1] || p[6] || p[7]) fail("MirrorPad: only the spatial dimensions of NHWC");
          at::Tensor v = nchw(a);
          v = mode == "REFLECT" ? at::reflection_pad2d(v, {p[4], p[5], p[2], p[3]}) : at::replication_pad2d(v, {p[4], p[5], p[2], p[3]});
          return {nhwc(v)};
        }
        double value = x.size() > 2 ? x[2].to(at::kDouble).reshape({}).item<double>() : 0.0;
        return {at::constant_pad_nd(a, q, value)};
      };
    }
    if (op == "ResizeBilinear" || op == "ResizeNearestNeighbor") {
      need_inputs(n, in, 2);
      bool align = n.b("align_corners"), half = n.b("half_pixel_centers"), nearest = op == "ResizeNearestNeighbor";
      return [align, half, nearest](const Tensors& x) -> Tensors {
        auto sz = ivec(x.at(1));
        if (sz.size() != 2 || sz[0] < 1 || sz[1] < 1 || sz[0] > 16384 || sz[1] > 16384) fail("bad resize size");
        check_size({x.at(0).size(0), sz[0], sz[1], x.at(0).size(-1)}, "Resize");
        return {resize(x.at(0), sz[0], sz[1], align, half, nearest)};
      };
    }
    if (op == "TopKV2") {
      need_inputs(n, in, 2);
      bool sorted = n.b("sorted", true);
      return [sorted](const Tensors& x) -> Tensors {
        int64_t k = iscalar(x.at(1));
        if (k < 0 || k > x.at(0).size(-1)) fail("TopK: k={} for {} values", k, x.at(0).size(-1));
        auto [v, i] = at::topk(x.at(0), k, -1, true, sorted);
        return {v, i.to(at::kInt)};
      };
    }
    if (op == "GatherV2" || op == "Gather") {
      need_inputs(n, in, 2);
      if (n.i("batch_dims", 0) != 0) fail("{}: node '{}': GatherV2 with batch_dims is not supported", what_, n.name);
      return [](const Tensors& x) -> Tensors {
        const at::Tensor& p = x.at(0);
        at::Tensor idx = x.at(1).to(at::kLong);
        int64_t ax = x.size() > 2 ? norm_axis(iscalar(x[2]), p.dim()) : 0;
        if (idx.numel() && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= p.size(ax))) fail("Gather index out of range");
        std::vector<int64_t> shape(p.sizes().begin(), p.sizes().begin() + ax);
        for (int64_t d : idx.sizes()) shape.push_back(d);
        for (int64_t d = ax + 1; d < p.dim(); ++d) shape.push_back(p.size(d));
        return {p.index_select(ax, idx.reshape({-1})).reshape(shape)};
      };
    }
    if (op == "GatherNd") {
      need_inputs(n, in, 2);
      return [](const Tensors& x) -> Tensors {
        const at::Tensor& p = x.at(0);
        at::Tensor idx = x.at(1).to(at::kLong);
        int64_t k = idx.size(-1);
        if (k < 1 || k > p.dim()) fail("GatherNd: index depth {} for rank {}", k, p.dim());
        at::Tensor lin = at::zeros(idx.sizes().slice(0, size_t(idx.dim() - 1)), idx.options());
        int64_t rows = 1;
        for (int64_t d = 0; d < k; ++d) {
          at::Tensor c = idx.select(-1, d);
          if (c.numel() && (c.min().item<int64_t>() < 0 || c.max().item<int64_t>() >= p.size(d))) fail("GatherNd index out of range");
          lin = lin * p.size(d) + c;
          rows *= p.size(d);
        }
        std::vector<int64_t> flat{rows};
        for (int64_t d = k; d < p.dim(); ++d) flat.push_back(p.size(d));
        std::vector<int64_t> shape(idx.sizes().begin(), idx.sizes().end() - 1);
        for (int64_t d = k; d < p.dim(); ++d) shape.push_back(p.size(d));
        return {p.reshape(flat).index_select(0, lin.reshape({-1})).reshape(shape)};
      };
    }
    if (op == "Select" || op == "SelectV2") {
      need_inputs(n, in, 3);
      bool v1 = op == "Select";
      return [v1](const Tensors& x) -> Tensors {
        Tensors y = together(x);
        at::Tensor c = y.at(0).to(at::kBool);
        const at::Tensor &a = y.at(1), &b = y.at(2);
        if (v1 && c.dim() == 1 && a.dim() > 1) {
          std::vector<int64_t> s(size_t(a.dim()), 1);
          s[0] = c.size(0);
          c = c.reshape(s);
        }
        return {at::where(c, a, b)};
      };
    }
    if (op == "SparseToDense") {
      need_inputs(n, in, 4);
      return [](const Tensors& x) -> Tensors {
        at::Tensor idx = x.at(0).to(at::kLong);
        auto shape = ivec(x.at(1));
        check_size(shape, "SparseToDense");
        at::Tensor vals = x.at(2), dflt = x.at(3);
        at::Tensor out = at::full(shape, dflt.reshape({}).item(), vals.options());
        if (idx.numel() == 0) return {out};
        if (idx.dim() < 2) idx = idx.reshape({-1, 1});
        if (idx.size(1) != int64_t(shape.size())) fail("SparseToDense: index depth {} for rank {}", idx.size(1), shape.size());
        at::Tensor lin = at::zeros({idx.size(0)}, idx.options());
        for (size_t d = 0; d < shape.size(); ++d) {
          at::Tensor c = idx.select(1, int64_t(d));
          if (c.min().item<int64_t>() < 0 || c.max().item<int64_t>() >= shape[d]) fail("SparseToDense index out of range");
          lin = lin * shape[d] + c;
        }
        at::Tensor v = vals.numel() == 1 ? vals.reshape({1}).expand({idx.size(0)}) : vals.reshape({-1});
        if (v.numel() != idx.size(0)) fail("SparseToDense: {} values for {} indices", v.numel(), idx.size(0));
        out.reshape({-1}).index_put_({lin}, v.to(out.scalar_type()));
        return {out};
      };
    }
    if (op == "SpaceToBatchND" || op == "BatchToSpaceND") {
      need_inputs(n, in, 3);
      bool to_batch = op == "SpaceToBatchND";
      return [to_batch](const Tensors& x) -> Tensors {
        const at::Tensor& a = x.at(0);
        auto block = ivec(x.at(1)), pads = ivec(x.at(2));
        if (a.dim() != 4 || block.size() != 2 || pads.size() != 4 || block[0] < 1 || block[1] < 1 || block[0] > 64 || block[1] > 64)
          fail("{}: only 4-D NHWC with a 2-D block", to_batch ? "SpaceToBatchND" : "BatchToSpaceND");
        for (int64_t p : pads)
          if (p < 0 || p > 4096) fail("bad paddings");
        int64_t bh = block[0], bw = block[1];
        if (to_batch) {
          at::Tensor v = at::constant_pad_nd(a, {0, 0, pads[2], pads[3], pads[0], pads[1]});
          int64_t N = v.size(0), H = v.size(1), W = v.size(2), C = v.size(3);
          if (H % bh || W % bw) fail("SpaceToBatchND: {}x{} is not a multiple of the block", H, W);
          v = v.reshape({N, H / bh, bh, W / bw, bw, C}).permute({2, 4, 0, 1, 3, 5});
          return {v.reshape({bh * bw * N, H / bh, W / bw, C})};
        }
        int64_t B = a.size(0), H = a.size(1), W = a.size(2), C = a.size(3);
        if (B % (bh * bw)) fail("BatchToSpaceND: batch {} is not a multiple of the block", B);
        int64_t N = B / (bh * bw);
        at::Tensor v = a.reshape({bh, bw, N, H, W, C}).permute({2, 3, 0, 4, 1, 5}).reshape({N, H * bh, W * bw, C});
        if (pads[0] + pads[1] > H * bh || pads[2] + pads[3] > W * bw) fail("BatchToSpaceND: crops exceed the size");
        return {v.slice(1, pads[0], H * bh - pads[1]).slice(2, pads[2], W * bw - pads[3])};
      };
    }
    if (op == "DepthToSpace") {
      int64_t bs = n.i("block_size", 2);
      if (bs < 1 || bs > 64) fail("{}: node '{}': bad block size", what_, n.name);
      return unary([bs](const at::Tensor& a) {
        if (a.dim() != 4 || a.size(3) % (bs * bs)) fail("DepthToSpace: bad input");
        int64_t N = a.size(0), H = a.size(1), W = a.size(2), C = a.size(3) / (bs * bs);
        return a.reshape({N, H, W, bs, bs, C}).permute({0, 1, 3, 2, 4, 5}).reshape({N, H * bs, W * bs, C});
      });
    }
    fail("{}: node '{}': op '{}' is not supported by omni's TF.js importer", what_, n.name, op);
  }

  template <typename F>
  OpFn unary_multi(const Node& n, const std::vector<const Value*>& in, F f) {
    need_inputs(n, in, 1);
    return [f](const Tensors& x) -> Tensors { return f(x.at(0)); };
  }

  static at::Tensor strided_slice(at::Tensor a, std::vector<int64_t> b, std::vector<int64_t> e, std::vector<int64_t> s, int64_t bm,
                                  int64_t em, int64_t el, int64_t na, int64_t sm) {
    size_t n = b.size();
    if (e.size() != n || s.size() != n || n > 16) fail("StridedSlice: begin/end/strides differ in length");
    int64_t real = 0;
    for (size_t i = 0; i < n; ++i) {
      if (el >> i & 1) continue;
      if (!(na >> i & 1)) ++real;
    }
    int64_t d = 0;
    auto ellipsis_span = a.dim() - real;
    if (ellipsis_span < 0) fail("StridedSlice: {} indices for rank {}", real, a.dim());
    for (size_t i = 0; i < n; ++i) {
      if (el >> i & 1) {
        d += ellipsis_span;
        continue;
      }
      if (na >> i & 1) {
        a = a.unsqueeze(d);
        ++d;
        continue;
      }
      if (d >= a.dim()) fail("StridedSlice: index past rank");
      int64_t size = a.size(d), st = s[i];
      if (st == 0) fail("StridedSlice: stride 0");
      if (sm >> i & 1) {
        int64_t idx = b[i] < 0 ? b[i] + size : b[i];
        if (idx < 0 || idx >= size) fail("StridedSlice: index {} out of range {}", b[i], size);
        a = a.select(d, idx);
        continue;
      }
      auto clampi = [](int64_t v, int64_t lo, int64_t hi) { return std::max(lo, std::min(hi, v)); };
      if (st > 0) {
        int64_t lo = (bm >> i & 1) ? 0 : clampi(b[i] < 0 ? b[i] + size : b[i], 0, size);
        int64_t hi = (em >> i & 1) ? size : clampi(e[i] < 0 ? e[i] + size : e[i], 0, size);
        a = a.slice(d, lo, std::max(lo, hi), st);
      } else {
        int64_t lo = (bm >> i & 1) ? size - 1 : clampi(b[i] < 0 ? b[i] + size : b[i], -1, size - 1);
        int64_t hi = (em >> i & 1) ? -1 : clampi(e[i] < 0 ? e[i] + size : e[i], -1, size - 1);
        a = a.flip(d);
        int64_t fl = size - 1 - lo, fh = size - 1 - hi;
        a = a.slice(d, fl, std::max(fl, fh), -st);
      }
      ++d;
    }
    return a;
  }

  // TF's resize: align_corners, half_pixel_centers, or the legacy mapping (neither: src = dst * in / out).
  static at::Tensor resize(const at::Tensor& x, int64_t oh, int64_t ow, bool align, bool half, bool nearest) {
    if (x.dim() != 4) fail("resize needs NHWC");
    at::Tensor v = nchw(x).to(at::kFloat);
    if (!nearest && !align && half) return nhwc(at::upsample_bilinear2d(v, {oh, ow}, false));
    if (!nearest && align) return nhwc(at::upsample_bilinear2d(v, {oh, ow}, true));
    // Legacy or nearest: gather along each axis.
    auto axis = [&](at::Tensor t, int64_t dim, int64_t out) {
      int64_t in = t.size(dim);
      double scale = align && out > 1 ? double(in - 1) / double(out - 1) : double(in) / double(out);
      at::Tensor o = at::arange(out, at::kDouble);
      at::Tensor src = half ? (o + 0.5) * scale - (nearest ? 0.0 : 0.5) : o * scale;
      if (nearest) {
        at::Tensor i = (align ? src.round() : src.floor()).clamp(0, in - 1).to(at::kLong).to(t.device());
        return t.index_select(dim, i);
      }
      src = src.clamp_min(0);
      at::Tensor i0 = src.floor().clamp(0, in - 1).to(at::kLong);
      at::Tensor i1 = (i0 + 1).clamp_max(in - 1);
      at::Tensor w = (src - i0.to(at::kDouble)).to(at::kFloat).to(t.device());
      std::vector<int64_t> ws(size_t(t.dim()), 1);
      ws[size_t(dim)] = out;
      w = w.reshape(ws);
      at::Tensor a = t.index_select(dim, i0.to(t.device())), b = t.index_select(dim, i1.to(t.device()));
      return a + (b - a) * w;
    };
    v = axis(axis(v, 2, oh), 3, ow);
    return nhwc(v);
  }
};

}  // namespace

Net import_tfjs(const std::string& what, const uint8_t* data, size_t size, const TfjsOptions& options, at::Device device) {
  if (size == 0) fail("{}: empty TF.js model file", what);
  TfjsImporter imp(what, options, device);
  return imp.run(data, size);
}

}  // namespace omni::model

// TFLite importer: the flatbuffer (core/model/flatbuffer.h, schema field numbers from TFLite's
// schema.fbs) -> Net. Activations of rank 4 are NHWC in the file and NCHW in our slots; every op
// that depends on layout (RESHAPE, CONCATENATION, MEAN, PAD, DEPTH_TO_SPACE) maps its axes.
// Weights are folded once: DEQUANTIZE of an fp16 constant, DENSIFY of a sparse constant,
// OHWI -> OIHW. Unknown ops, types and options are named in the error, with the model.
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/model/flatbuffer.h"
#include "core/model/net.h"

namespace omni::model {

namespace {

// BuiltinOperator values used by the MediaPipe models (schema.fbs).
enum Builtin : int32_t {
  kAdd = 0, kAveragePool2d = 1, kConcatenation = 2, kConv2d = 3, kDepthwiseConv2d = 4, kDepthToSpace = 5,
  kDequantize = 6, kLogistic = 14, kMaxPool2d = 17, kMul = 18, kRelu = 19, kRelu6 = 21, kReshape = 22,
  kResizeBilinear = 23, kTanh = 28, kPad = 34, kMean = 40, kSub = 41, kDiv = 42, kHardSwish = 117,
  kCustom = 32, kDensify = 124,
};

const char* builtin_name(int32_t c) {
  switch (c) {
    case kAdd: return "ADD";
    case kAveragePool2d: return "AVERAGE_POOL_2D";
    case kConcatenation: return "CONCATENATION";
    case kConv2d: return "CONV_2D";
    case kDepthwiseConv2d: return "DEPTHWISE_CONV_2D";
    case kDepthToSpace: return "DEPTH_TO_SPACE";
    case kDequantize: return "DEQUANTIZE";
    case kLogistic: return "LOGISTIC";
    case kMaxPool2d: return "MAX_POOL_2D";
    case kMul: return "MUL";
    case kRelu: return "RELU";
    case kRelu6: return "RELU6";
    case kReshape: return "RESHAPE";
    case kResizeBilinear: return "RESIZE_BILINEAR";
    case kTanh: return "TANH";
    case kPad: return "PAD";
    case kMean: return "MEAN";
    case kSub: return "SUB";
    case kDiv: return "DIV";
    case kHardSwish: return "HARD_SWISH";
    case kCustom: return "CUSTOM";
    case kDensify: return "DENSIFY";
  }
  return nullptr;
}

enum TensorType : int8_t { kF32 = 0, kF16 = 1, kI32 = 2, kU8 = 3, kI64 = 4 };

struct TInfo {
  std::vector<int64_t> shape;
  int8_t type = 0;
  std::string name;
  std::optional<at::Tensor> value;  // constant (model layout), after folding
  int slot = -1;                    // runtime slot for activations
};

enum Act : int8_t { kActNone = 0, kActRelu = 1, kActReluN1 = 2, kActRelu6 = 3, kActTanh = 4 };

at::Tensor activate(at::Tensor x, int8_t act) {
  switch (act) {
    case kActNone: return x;
    case kActRelu: return at::relu_(x);
    case kActReluN1: return at::clamp_(x, -1, 1);
    case kActRelu6: return at::clamp_(x, 0, 6);
    case kActTanh: return at::tanh_(x);
  }
  return x;
}

// TF SAME padding along one dimension: (before, after); may be asymmetric.
std::pair<int64_t, int64_t> same_pad(int64_t in, int64_t k, int64_t stride, int64_t dil) {
  int64_t out = (in + stride - 1) / stride;
  int64_t eff = (k - 1) * dil + 1;
  int64_t total = std::max<int64_t>((out - 1) * stride + eff - in, 0);
  return {total / 2, total - total / 2};
}


int64_t nchw_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) fail("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0) axis += rank;
  if (rank != 4) return axis;
  static const int64_t map[4] = {0, 2, 3, 1};
  return map[axis];
}

class Importer {
 public:
  Importer(const std::string& what, const uint8_t* data, size_t size, at::Device device)
      : what_(what), buf_(data, size, what), device_(device) {}

  Net run() {
    if (buf_.size() < 8) fail("{}: not a TFLite file (only {} bytes)", what_, buf_.size());
    std::string ident(reinterpret_cast<const char*>(buf_.data()) + 4, 4);
    if (ident != "TFL3") fail("{}: not a TFLite file: expected identifier 'TFL3' at byte 4, got '{}'", what_, printable(ident));
    fb::Table model = fb::root(buf_);
    uint32_t version = model.scalar<uint32_t>(0);
    if (version != 3) fail("{}: TFLite schema version: expected 3, got {}", what_, version);
    read_opcodes(model);
    uint32_t nsub = model.table_count(2);
    if (nsub < 1) fail("{}: TFLite model has no subgraph", what_);
    fb::Table sg = model.table_at(2, 0);
    read_tensors(model, sg);

    Net net;
    net.name = what_;
    net.format = "tflite";
    net.device = device_;
    auto ins = sg.vector<int32_t>(1), outs = sg.vector<int32_t>(2);
    for (uint32_t i = 0; i < ins.size(); ++i) {
      TInfo& t = tensor(ins[i], "subgraph input");
      if (t.type != kF32) fail("{}: input '{}': expected float32, got type {}", what_, t.name, int(t.type));
      t.slot = new_slot();
      net.inputs.push_back({t.name, t.shape});
      net.input_slots.push_back(t.slot);
      net.input_nhwc.push_back(t.shape.size() == 4);
    }
    uint32_t nops = sg.table_count(3);
    // Last reader of each tensor: an op that reads an activation for the last time may reuse
    // its memory (in-place RELU and friends), and the slot is released after it.
    last_use_.assign(tensors_.size(), -1);
    for (uint32_t i = 0; i < nops; ++i) {
      auto in = sg.table_at(3, i).vector<int32_t>(1);
      for (uint32_t k = 0; k < in.size(); ++k)
        if (in[k] >= 0 && size_t(in[k]) < tensors_.size()) last_use_[size_t(in[k])] = int(i);
    }
    for (uint32_t i = 0; i < outs.size(); ++i)
      if (outs[i] >= 0 && size_t(outs[i]) < tensors_.size()) last_use_[size_t(outs[i])] = INT32_MAX;
    for (uint32_t i = 0; i < nops; ++i) add_op(net, sg.table_at(3, i), i);
    for (uint32_t i = 0; i < outs.size(); ++i) {
      TInfo& t = tensor(outs[i], "subgraph output");
      if (t.slot < 0) fail("{}: output '{}' is not computed by any op", what_, t.name);
      net.outputs.push_back({t.name, t.shape});
      net.output_slots.push_back(t.slot);
      net.output_nhwc.push_back(t.shape.size() == 4);
    }
    net.slot_count = slots_;
    return net;
  }

 private:
  static std::string printable(const std::string& s) {
    std::string o;
    for (unsigned char c : s) o += (c >= 32 && c < 127) ? std::string(1, char(c)) : fmt::format("\\x{:02x}", c);
    return o;
  }
  int new_slot() { return slots_++; }

  TInfo& tensor(int32_t idx, const char* role) {
    if (idx < 0 || size_t(idx) >= tensors_.size())
      fail("{}: {} refers to tensor {}, but the model has {}", what_, role, idx, tensors_.size());
    return tensors_[size_t(idx)];
  }

  void read_opcodes(const fb::Table& model) {
    uint32_t n = model.table_count(1);
    for (uint32_t i = 0; i < n; ++i) {
      fb::Table c = model.table_at(1, i);
      int32_t code = std::max<int32_t>(c.scalar<int8_t>(0, 0), c.scalar<int32_t>(3, 0));
      opcodes_.push_back(code);
      custom_.emplace_back(c.string(1));
    }
  }

  void read_tensors(const fb::Table& model, const fb::Table& sg) {
    uint32_t nbuf = model.table_count(4);
    uint32_t n = sg.table_count(0);
    tensors_.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      fb::Table t = sg.table_at(0, i);
      TInfo& ti = tensors_[i];
      auto shape = t.vector<int32_t>(0);
      int64_t elems = 1;
      for (uint32_t d = 0; d < shape.size(); ++d) {
        int32_t v = shape[d];
        if (v < 0 || v > (1 << 24)) fail("{}: tensor {}: absurd dimension {} (expected 0..{})", what_, i, v, 1 << 24);
        ti.shape.push_back(v);
        elems *= v;
        if (elems > (int64_t(1) << 31)) fail("{}: tensor {}: absurd size (over 2^31 elements)", what_, i);
      }
      if (shape.size() > 6) fail("{}: tensor {}: rank {} (expected at most 6)", what_, i, shape.size());
      ti.type = t.scalar<int8_t>(1, 0);
      ti.name = std::string(t.string(3));
      uint32_t b = t.scalar<uint32_t>(2, 0);
      if (b >= nbuf && nbuf > 0) fail("{}: tensor '{}' refers to buffer {}, but there are {}", what_, ti.name, b, nbuf);
      if (b == 0 || nbuf == 0) continue;
      fb::Table bt = model.table_at(4, b);
      if (bt.scalar<uint64_t>(1, 0) != 0) fail("{}: tensor '{}': external buffers (offset/size) are not supported", what_, ti.name);
      auto data = bt.vector<uint8_t>(0);
      if (data.empty()) continue;
      if (t.has(6)) {
        sparse_[i] = {t.table(6), data};
        continue;
      }
      ti.value = constant(ti, data.bytes(), data.size());
    }
  }

  at::Tensor constant(const TInfo& ti, const uint8_t* bytes, uint32_t nbytes) {
    at::ScalarType st;
    size_t esize;
    switch (ti.type) {
      case kF32: st = at::kFloat, esize = 4; break;
      case kF16: st = at::kHalf, esize = 2; break;
      case kI32: st = at::kInt, esize = 4; break;
      case kI64: st = at::kLong, esize = 8; break;
      case kU8: st = at::kByte, esize = 1; break;
      default: fail("{}: tensor '{}': constant of type {} is not supported", what_, ti.name, int(ti.type));
    }
    int64_t elems = 1;
    for (auto d : ti.shape) elems *= d;
    if (uint64_t(elems) * esize != nbytes)
      fail("{}: tensor '{}': expected {} bytes of data for shape {}, got {}", what_, ti.name, uint64_t(elems) * esize,
           shape_text(ti.shape), nbytes);
    at::Tensor t = at::empty(ti.shape, at::TensorOptions().dtype(st));
    std::memcpy(t.data_ptr(), bytes, nbytes);
    return t;
  }

  static std::string shape_text(const std::vector<int64_t>& s) {
    std::string o = "[";
    for (size_t i = 0; i < s.size(); ++i) o += (i ? "," : "") + std::to_string(s[i]);
    return o + "]";
  }

  // DENSIFY of a constant: TFLite's sparse format (traversal order, block map, per-dimension
  // DENSE or CSR metadata) expanded to a dense tensor of the output's shape.
  at::Tensor densify(const TInfo& out, int32_t src_idx) {
    auto it = sparse_.find(src_idx);
    if (it == sparse_.end()) fail("{}: DENSIFY of tensor {}, which has no sparsity data", what_, src_idx);
    const fb::Table& sp = it->second.first;
    auto values = it->second.second;
    const TInfo& src = tensors_[size_t(src_idx)];
    size_t esize = src.type == kF16 ? 2 : src.type == kF32 ? 4 : 0;
    if (!esize) fail("{}: DENSIFY of '{}': type {} not supported", what_, src.name, int(src.type));
    auto order = sp.vector<int32_t>(0), block_map = sp.vector<int32_t>(1);
    uint32_t n = order.size();
    int64_t rank = int64_t(out.shape.size());
    if (sp.table_count(2) != n) fail("{}: '{}': sparsity has {} dimension entries for {} traversal levels", what_, src.name, sp.table_count(2), n);
    if (n != uint32_t(rank) + block_map.size()) fail("{}: '{}': traversal order of {} for rank {} and {} blocks", what_, src.name, n, rank, block_map.size());
    struct Dim { int8_t format; int32_t dense; std::vector<int64_t> seg, idx; };
    std::vector<Dim> dims(n);
    auto read_index_vec = [&](const fb::Table& dm, int type_field, int value_field) {
      std::vector<int64_t> v;
      uint8_t type = dm.scalar<uint8_t>(type_field, 0);
      fb::Table t = dm.table(value_field);
      if (!t.valid()) return v;
      if (type == 1) { auto x = t.vector<int32_t>(0); for (uint32_t i = 0; i < x.size(); ++i) v.push_back(x[i]); }
      else if (type == 2) { auto x = t.vector<uint16_t>(0); for (uint32_t i = 0; i < x.size(); ++i) v.push_back(x[i]); }
      else if (type == 3) { auto x = t.vector<uint8_t>(0); for (uint32_t i = 0; i < x.size(); ++i) v.push_back(x[i]); }
      else fail("{}: '{}': sparse index vector type {} unknown", what_, src.name, int(type));
      return v;
    };
    for (uint32_t l = 0; l < n; ++l) {
      fb::Table dm = sp.table_at(2, l);
      dims[l].format = dm.scalar<int8_t>(0, 0);
      dims[l].dense = dm.scalar<int32_t>(1, 0);
      if (dims[l].format == 1) {
        dims[l].seg = read_index_vec(dm, 2, 3);
        dims[l].idx = read_index_vec(dm, 4, 5);
      } else if (dims[l].format != 0) {
        fail("{}: '{}': dimension format {} unknown", what_, src.name, int(dims[l].format));
      }
    }
    std::vector<int64_t> level_of(n, -1), block_size(block_map.size(), 1);
    for (uint32_t l = 0; l < n; ++l) {
      int32_t d = order[l];
      if (d < 0 || uint32_t(d) >= n || level_of[d] >= 0) fail("{}: '{}': bad traversal order", what_, src.name);
      level_of[d] = l;
    }
    for (uint32_t k = 0; k < block_map.size(); ++k) {
      block_size[k] = dims[level_of[rank + k]].dense;
      if (block_map[k] < 0 || block_map[k] >= rank) fail("{}: '{}': bad block map", what_, src.name);
    }
    int64_t total = 1;
    for (auto d : out.shape) total *= d;
    std::vector<uint8_t> dense(size_t(total) * esize, 0);
    std::vector<int64_t> e(n, 0);
    uint64_t consumed = 0, available = values.size() / esize;
    std::function<void(uint32_t, int64_t)> walk = [&](uint32_t level, int64_t prev) {
      if (level == n) {
        int64_t flat = 0;
        for (int64_t d = 0; d < rank; ++d) {
          int64_t idx = e[d];
          for (uint32_t k = 0; k < block_map.size(); ++k)
            if (block_map[k] == d) idx = idx * block_size[k] + e[rank + k];
          if (idx < 0 || idx >= out.shape[d]) fail("{}: '{}': sparse index {} outside dimension {} of {}", what_, src.name, idx, d, out.shape[d]);
          flat = flat * out.shape[d] + idx;
        }
        if (consumed >= available) fail("{}: '{}': sparse data ends early ({} values)", what_, src.name, available);
        std::memcpy(&dense[size_t(flat) * esize], values.bytes() + consumed * esize, esize);
        ++consumed;
        return;
      }
      const Dim& dm = dims[level];
      int32_t dim = order[level];
      if (dm.format == 0) {
        for (int64_t i = 0; i < dm.dense; ++i) {
          e[dim] = i;
          walk(level + 1, prev * dm.dense + i);
        }
      } else {
        if (prev + 1 >= int64_t(dm.seg.size())) fail("{}: '{}': CSR segment {} out of range", what_, src.name, prev);
        for (int64_t i = dm.seg[size_t(prev)]; i < dm.seg[size_t(prev + 1)]; ++i) {
          if (i < 0 || i >= int64_t(dm.idx.size())) fail("{}: '{}': CSR index {} out of range", what_, src.name, i);
          e[dim] = dm.idx[size_t(i)];
          walk(level + 1, i);
        }
      }
    };
    walk(0, 0);
    TInfo shaped = out;
    shaped.type = src.type;
    return constant(shaped, dense.data(), uint32_t(dense.size()));
  }

  // Float constants as ops use them: fp32, on the run device (weights move there once).
  void positive(int64_t v, const char* what, uint32_t index, const std::string& opname) const {
    if (v < 1 || v > (1 << 16)) fail("{}: op {} ({}): {} = {}, expected 1..65536", what_, index, opname, what, v);
  }

  at::Tensor const_f32(const TInfo& t) { return t.value->to(at::kFloat).to(device_); }

  void add_op(Net& net, const fb::Table& op, uint32_t index) {
    uint32_t oc = op.scalar<uint32_t>(0, 0);
    if (oc >= opcodes_.size()) fail("{}: op {} uses opcode {}, but there are {}", what_, index, oc, opcodes_.size());
    int32_t code = opcodes_[oc];
    auto in = op.vector<int32_t>(1), out = op.vector<int32_t>(2);
    const char* bname = builtin_name(code);
    std::string opname = code == kCustom ? "CUSTOM:" + custom_[oc] : bname ? bname : fmt::format("builtin {}", code);
    if (out.size() < 1) fail("{}: op {} ({}) has no output", what_, index, opname);
    TInfo& o = tensor(out[0], "an op output");
    auto input = [&](uint32_t k) -> TInfo& {
      if (k >= in.size()) fail("{}: op {} ({}): expected at least {} inputs, got {}", what_, index, opname, k + 1, in.size());
      return tensor(in[k], "an op input");
    };
    auto activation = [&](uint32_t k) -> int {
      TInfo& t = input(k);
      if (t.value) fail("{}: op {} ({}): input '{}' is a constant where an activation was expected", what_, index, opname, t.name);
      if (t.slot < 0) fail("{}: op {} ({}): input '{}' is used before it is computed (graph not in order, or a cycle)", what_, index, opname, t.name);
      return t.slot;
    };
    fb::Table opt = op.table(4);

    // Folding: ops on constants only become constants.
    if (code == kDequantize && input(0).value) {
      o.value = input(0).value->to(at::kFloat);
      return;
    }
    if (code == kDensify) {
      o.value = densify(o, in[0]);
      return;
    }

    int dst = o.slot = new_slot();
    Net::Step step;
    switch (code) {
      case kConv2d:
      case kDepthwiseConv2d: {
        int x = activation(0);
        TInfo& w = input(1);
        if (!w.value) fail("{}: op {} ({}): weights must be constant", what_, index, opname);
        if (w.shape.size() != 4) fail("{}: op {} ({}): weights '{}': expected rank 4, got {}", what_, index, opname, w.name, w.shape.size());
        bool dw = code == kDepthwiseConv2d;
        int8_t padding = opt.valid() ? opt.scalar<int8_t>(0, 0) : 0;
        int64_t sw = opt.scalar<int32_t>(1, 1), sh = opt.scalar<int32_t>(2, 1);
        int8_t act = opt.scalar<int8_t>(dw ? 4 : 3, 0);
        int64_t dwf = opt.scalar<int32_t>(dw ? 5 : 4, 1), dhf = opt.scalar<int32_t>(dw ? 6 : 5, 1);
        positive(sw, "stride_w", index, opname), positive(sh, "stride_h", index, opname);
        positive(dwf, "dilation_w_factor", index, opname), positive(dhf, "dilation_h_factor", index, opname);
        at::Tensor weight = dw ? const_f32(w).permute({3, 0, 1, 2}).contiguous() : const_f32(w).permute({0, 3, 1, 2}).contiguous();
        std::optional<at::Tensor> bias;
        if (in.size() > 2 && in[2] >= 0) {
          if (!input(2).value) fail("{}: op {} ({}): bias must be constant", what_, index, opname);
          bias = const_f32(input(2));
        }
        const TInfo& xi = input(0);
        if (xi.shape.size() != 4) fail("{}: op {} ({}): input '{}': expected NHWC rank 4", what_, index, opname, xi.name);
        int64_t cin = xi.shape[3], groups = dw ? cin : 1;
        if (!dw && weight.size(1) != cin) fail("{}: op {} ({}): weights '{}' take {} channels, input has {}", what_, index, opname, w.name, weight.size(1), cin);
        int64_t kh = weight.size(2), kw = weight.size(3);
        std::vector<int64_t> pad4 = {0, 0, 0, 0};  // left, right, top, bottom
        if (padding == 0) {
          auto [t, b] = same_pad(xi.shape[1], kh, sh, dhf);
          auto [l, r] = same_pad(xi.shape[2], kw, sw, dwf);
          pad4 = {l, r, t, b};
        }
        bool symmetric = pad4[0] == pad4[1] && pad4[2] == pad4[3];
        step = [=](std::vector<at::Tensor>& s) {
          at::Tensor in_t = s[x];
          std::vector<int64_t> p = {0, 0};
          if (symmetric) p = {pad4[2], pad4[0]};
          else in_t = at::constant_pad_nd(in_t, pad4, 0);
          s[dst] = activate(at::conv2d(in_t, weight, bias ? *bias : at::Tensor(), {sh, sw}, p, {dhf, dwf}, groups), act);
        };
        break;
      }
      case kCustom: {
        if (custom_[oc] != "Convolution2DTransposeBias") fail("{}: op {}: unsupported custom op '{}'", what_, index, custom_[oc]);
        int x = activation(0);
        TInfo& w = input(1);
        TInfo& b = input(2);
        if (!w.value || !b.value) fail("{}: op {} ({}): weights and bias must be constant", what_, index, opname);
        auto copts = op.vector<uint8_t>(5);
        if (copts.size() != 12) fail("{}: op {} ({}): expected 12 bytes of options, got {}", what_, index, opname, copts.size());
        int32_t raw[3];
        std::memcpy(raw, copts.bytes(), 12);
        int64_t sw = raw[1], sh = raw[2];
        positive(sw, "stride_w", index, opname), positive(sh, "stride_h", index, opname);
        at::Tensor weight = const_f32(w).permute({3, 0, 1, 2}).contiguous();  // OHWI -> IOHW
        at::Tensor bias = const_f32(b);
        if (weight.size(2) != sh || weight.size(3) != sw)
          fail("{}: op {} ({}): only kernel == stride is supported (kernel {}x{}, stride {}x{})", what_, index, opname,
               weight.size(2), weight.size(3), sh, sw);
        // Kernel == stride: the output tiles do not overlap, so the transposed convolution is a
        // 1x1 convolution to O*kh*kw channels followed by a pixel shuffle (4x faster in ATen).
        int64_t o = weight.size(1), kh = weight.size(2), kw = weight.size(3);
        if (kh != kw) fail("{}: op {} ({}): only square kernels are supported", what_, index, opname);
        at::Tensor w1 = weight.permute({1, 2, 3, 0}).reshape({o * kh * kw, weight.size(0), 1, 1}).contiguous();
        at::Tensor b1 = bias.reshape({o, 1, 1});
        step = [=](std::vector<at::Tensor>& s) { s[dst] = at::pixel_shuffle(at::conv2d(s[x], w1), kh) + b1; };
        break;
      }
      case kAdd:
      case kMul:
      case kSub:
      case kDiv: {
        int8_t act = opt.valid() ? opt.scalar<int8_t>(0, 0) : 0;
        auto operand = [&](uint32_t k) -> std::pair<int, std::optional<at::Tensor>> {
          TInfo& t = input(k);
          if (t.value) {
            at::Tensor c = const_f32(t);
            if (o.shape.size() == 4) {  // broadcast in NHWC terms, then move to NCHW
              while (c.dim() < 4) c = c.unsqueeze(0);
              c = nhwc_to_nchw(c);
            }
            return {-1, c};
          }
          return {activation(k), std::nullopt};
        };
        auto oa = operand(0), ob = operand(1);  // (no structured bindings: lambdas capture these)
        int a = oa.first, b = ob.first;
        std::optional<at::Tensor> ca = oa.second, cb = ob.second;
        int32_t c = code;
        // In place when the first operand is an activation of the output's shape read last here.
        bool reuse = !ca && a != b && input(0).shape == o.shape && last_use_[size_t(in[0])] == int(index);
        step = [=](std::vector<at::Tensor>& s) {
          const at::Tensor& y = cb ? *cb : s[b];
          at::Tensor r;
          if (reuse) {
            r = std::move(s[a]);
            if (c == kAdd) r.add_(y);
            else if (c == kMul) r.mul_(y);
            else if (c == kSub) r.sub_(y);
            else r.div_(y);
          } else {
            const at::Tensor& x = ca ? *ca : s[a];
            r = c == kAdd ? at::add(x, y) : c == kMul ? at::mul(x, y) : c == kSub ? at::sub(x, y) : at::div(x, y);
          }
          s[dst] = activate(r, act);
        };
        break;
      }
      case kRelu:
      case kRelu6:
      case kTanh:
      case kLogistic:
      case kHardSwish: {
        int x = activation(0);
        bool reuse = last_use_[size_t(in[0])] == int(index);  // nobody reads the input after us
        int32_t c = code;
        step = [=](std::vector<at::Tensor>& s) {
          at::Tensor t = reuse ? std::move(s[x]) : s[x].clone();
          if (c == kRelu) t.relu_();
          else if (c == kRelu6) t.clamp_(0, 6);
          else if (c == kTanh) t.tanh_();
          else if (c == kLogistic) t.sigmoid_();
          else at::hardswish_(t);
          s[dst] = std::move(t);
        };
        break;
      }
      case kAveragePool2d:
      case kMaxPool2d: {
        int x = activation(0);
        const TInfo& xi = input(0);
        int8_t padding = opt.scalar<int8_t>(0, 0);
        int64_t sw = opt.scalar<int32_t>(1, 1), sh = opt.scalar<int32_t>(2, 1);
        int64_t fw = opt.scalar<int32_t>(3, 1), fh = opt.scalar<int32_t>(4, 1);
        int8_t act = opt.scalar<int8_t>(5, 0);
        positive(sw, "stride_w", index, opname), positive(sh, "stride_h", index, opname);
        positive(fw, "filter_width", index, opname), positive(fh, "filter_height", index, opname);
        if (xi.shape.size() != 4) fail("{}: op {} ({}): input '{}': expected NHWC rank 4", what_, index, opname, xi.name);
        std::vector<int64_t> pad4 = {0, 0, 0, 0};
        if (padding == 0) {
          auto [t, b] = same_pad(xi.shape[1], fh, sh, 1);
          auto [l, r] = same_pad(xi.shape[2], fw, sw, 1);
          pad4 = {l, r, t, b};
        }
        bool any = pad4[0] || pad4[1] || pad4[2] || pad4[3];
        bool avg = code == kAveragePool2d;
        if (avg && any && !(pad4[0] == pad4[1] && pad4[2] == pad4[3]))
          fail("{}: op {} ({}): asymmetric SAME padding for average pooling is not supported", what_, index, opname);
        step = [=](std::vector<at::Tensor>& s) {
          at::Tensor r;
          if (avg) {
            // TFLite averages over the valid pixels only (padding does not count).
            r = at::avg_pool2d(s[x], {fh, fw}, {sh, sw}, {pad4[2], pad4[0]}, false, false);
          } else {
            at::Tensor in_t = any ? at::constant_pad_nd(s[x], pad4, -std::numeric_limits<float>::infinity()) : s[x];
            r = at::max_pool2d(in_t, {fh, fw}, {sh, sw});
          }
          s[dst] = activate(r, act);
        };
        break;
      }
      case kMean: {
        int x = activation(0);
        TInfo& axes = input(1);
        if (!axes.value) fail("{}: op {} ({}): axes must be constant", what_, index, opname);
        at::Tensor av = axes.value->to(at::kLong).flatten();
        std::vector<int64_t> dims;
        int64_t rank = int64_t(input(0).shape.size());
        for (int64_t i = 0; i < av.numel(); ++i) dims.push_back(nchw_axis(av[i].item<int64_t>(), rank));
        bool keep = opt.valid() && opt.scalar<uint8_t>(0, 0);
        if (!keep && rank == 4) fail("{}: op {} ({}): MEAN without keep_dims on 4-D input is not supported", what_, index, opname);
        step = [=](std::vector<at::Tensor>& s) { s[dst] = at::mean(s[x], dims, keep); };
        break;
      }
      case kResizeBilinear: {
        int x = activation(0);
        bool align = opt.valid() && opt.scalar<uint8_t>(2, 0);
        bool half = opt.valid() && opt.scalar<uint8_t>(3, 0);
        if (!align && !half) fail("{}: op {} ({}): legacy resize (no half-pixel centres) is not supported", what_, index, opname);
        if (o.shape.size() != 4) fail("{}: op {} ({}): expected a rank-4 output", what_, index, opname);
        std::vector<int64_t> size = {o.shape[1], o.shape[2]};
        step = [=](std::vector<at::Tensor>& s) { s[dst] = at::upsample_bilinear2d(s[x], size, align); };
        break;
      }
      case kPad: {
        int x = activation(0);
        TInfo& p = input(1);
        if (!p.value) fail("{}: op {} ({}): paddings must be constant", what_, index, opname);
        at::Tensor pv = p.value->to(at::kLong);
        int64_t rank = int64_t(input(0).shape.size());
        if (pv.dim() != 2 || pv.size(0) != rank || pv.size(1) != 2) fail("{}: op {} ({}): paddings: expected [{},2]", what_, index, opname, rank);
        std::vector<int64_t> pads;  // innermost NCHW dimension first
        std::vector<int64_t> order = rank == 4 ? std::vector<int64_t>{2, 1, 3, 0} : std::vector<int64_t>{};
        if (rank != 4)
          for (int64_t d = rank - 1; d >= 0; --d) order.push_back(d);
        for (int64_t d : order) {
          pads.push_back(pv[d][0].item<int64_t>());
          pads.push_back(pv[d][1].item<int64_t>());
        }
        step = [=](std::vector<at::Tensor>& s) { s[dst] = at::constant_pad_nd(s[x], pads, 0); };
        break;
      }
      case kReshape: {
        int x = activation(0);
        bool in4 = input(0).shape.size() == 4, out4 = o.shape.size() == 4;
        std::vector<int64_t> shape = o.shape;
        step = [=](std::vector<at::Tensor>& s) {
          at::Tensor t = in4 ? nchw_to_nhwc(s[x]) : s[x];
          t = t.reshape(shape);
          s[dst] = out4 ? nhwc_to_nchw(t) : t;
        };
        break;
      }
      case kConcatenation: {
        int64_t axis = opt.scalar<int32_t>(0, 0);
        int8_t act = opt.scalar<int8_t>(1, 0);
        int64_t rank = int64_t(o.shape.size());
        int64_t ax = nchw_axis(axis, rank);
        std::vector<int> xs;
        for (uint32_t k = 0; k < in.size(); ++k) xs.push_back(activation(k));
        step = [=](std::vector<at::Tensor>& s) {
          std::vector<at::Tensor> parts;
          for (int k : xs) parts.push_back(s[k]);
          s[dst] = activate(at::cat(parts, ax), act);
        };
        break;
      }
      case kDepthToSpace: {
        int x = activation(0);
        int64_t b = opt.scalar<int32_t>(0, 0);
        const TInfo& xi = input(0);
        if (b < 1 || xi.shape.size() != 4 || xi.shape[3] % (b * b)) fail("{}: op {} ({}): bad block size {}", what_, index, opname, b);
        int64_t co = xi.shape[3] / (b * b);
        step = [=](std::vector<at::Tensor>& s) {
          // TF's DCR order: channel index = (i * b + j) * co + c.
          const at::Tensor& t = s[x];
          int64_t n = t.size(0), h = t.size(2), w = t.size(3);
          s[dst] = t.reshape({n, b, b, co, h, w}).permute({0, 3, 4, 1, 5, 2}).reshape({n, co, h * b, w * b});
        };
        break;
      }
      default:
        fail("{}: op {}: unsupported TFLite op {} (opcode {})", what_, index, opname, code);
    }
    net.steps.push_back(std::move(step));
    net.op_names.push_back(opname);
  }

  std::string what_;
  fb::Buffer buf_;
  at::Device device_;
  std::vector<int32_t> opcodes_;
  std::vector<std::string> custom_;
  std::vector<TInfo> tensors_;
  std::map<int32_t, std::pair<fb::Table, fb::Vector<uint8_t>>> sparse_;
  std::vector<int> last_use_;
  int slots_ = 0;
};

}  // namespace

Net import_tflite(const std::string& what, const uint8_t* data, size_t size, at::Device device) {
  return Importer(what, data, size, device).run();
}

}  // namespace omni::model

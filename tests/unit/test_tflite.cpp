// The TFLite importer, op by op, against hand-written NHWC references (plain loops, TF's padding
// rules written out again here), and against broken files.
#include <ATen/ATen.h>
// ATen pulls in glog, whose CHECK would silently replace doctest's: doctest must come last.
#undef CHECK
#include <doctest/doctest.h>
#include <cmath>

#include "core/error.h"
#include "core/model/net.h"
#include "tflite_builder.h"

using omni::model::Net;
using namespace tfl;

namespace {

enum : int32_t { ADD = 0, AVG = 1, CONCAT = 2, CONV = 3, DW = 4, D2S = 5, DEQ = 6, LOGISTIC = 14, MAXP = 17, MUL = 18,
                 RELU = 19, RESHAPE = 22, RESIZE = 23, PAD = 34, MEAN = 40, HSWISH = 117, CUSTOM = 32, DENSIFY = 124 };

Net import(const std::vector<uint8_t>& b) { return omni::model::import_tflite("test", b.data(), b.size()); }

std::vector<float> values(const at::Tensor& t) {
  at::Tensor c = t.contiguous().to(at::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}
std::vector<int32_t> dims(const at::Tensor& t) { return std::vector<int32_t>(t.sizes().begin(), t.sizes().end()); }

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

// TF's output size and leading pad for SAME/VALID.
void tf_geometry(int64_t in, int64_t k, int64_t s, int64_t d, bool same, int64_t& out, int64_t& pad) {
  int64_t ek = (k - 1) * d + 1;
  out = same ? (in + s - 1) / s : (in - ek) / s + 1;
  pad = same ? std::max<int64_t>((out - 1) * s + ek - in, 0) / 2 : 0;
}

// NHWC convolution, weights OHWI (or 1HWC for depthwise), written as loops.
at::Tensor ref_conv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t sh, int64_t sw, bool same,
                    int64_t dh, int64_t dw, bool depthwise, float lo = -1e30f, float hi = 1e30f) {
  int64_t H = x.size(1), W = x.size(2), C = x.size(3), KH = w.size(1), KW = w.size(2);
  int64_t O = depthwise ? C : w.size(0), OH, OW, pt, pl;
  tf_geometry(H, KH, sh, dh, same, OH, pt);
  tf_geometry(W, KW, sw, dw, same, OW, pl);
  at::Tensor y = at::zeros({1, OH, OW, O});
  auto X = x.accessor<float, 4>();
  auto Wt = w.accessor<float, 4>();
  auto Y = y.accessor<float, 4>();
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t o = 0; o < O; ++o) {
        double acc = b.defined() ? b[o].item<double>() : 0;
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw) {
            int64_t ih = oh * sh + kh * dh - pt, iw = ow * sw + kw * dw - pl;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            if (depthwise) acc += X[0][ih][iw][o] * Wt[0][kh][kw][o];
            else
              for (int64_t c = 0; c < C; ++c) acc += X[0][ih][iw][c] * Wt[o][kh][kw][c];
          }
        Y[0][oh][ow][o] = float(std::min<double>(std::max<double>(acc, lo), hi));
      }
  return y;
}

NodeP conv_options(int8_t pad, int32_t sw, int32_t sh, int8_t act = 0, int32_t dw = 1, int32_t dh = 1) {
  return table({scalar<int8_t>(0, pad), scalar<int32_t>(1, sw), scalar<int32_t>(2, sh), scalar<int8_t>(3, act),
                scalar<int32_t>(4, dw), scalar<int32_t>(5, dh)});
}

std::vector<uint8_t> half_bytes(const at::Tensor& t) {
  at::Tensor h = t.to(at::kHalf).contiguous();
  std::vector<uint8_t> b(size_t(h.numel()) * 2);
  std::memcpy(b.data(), h.data_ptr(), b.size());
  return b;
}

}  // namespace

TEST_CASE("CONV_2D: SAME (asymmetric) and VALID, strides 1 and 2, dilation, fused RELU6") {
  at::manual_seed(1);
  struct Case { int H, W, K, s, d; int8_t pad; int8_t act; };
  for (Case c : {Case{7, 8, 3, 1, 1, 0, 0}, Case{8, 8, 3, 2, 1, 0, 0}, Case{9, 6, 5, 2, 1, 0, 3}, Case{8, 9, 3, 1, 2, 0, 0},
                 Case{9, 9, 3, 2, 1, 1, 0}, Case{6, 7, 2, 2, 1, 1, 1}}) {
    CAPTURE(c.H); CAPTURE(c.K); CAPTURE(c.s); CAPTURE(c.d); CAPTURE(int(c.pad));
    at::Tensor x = at::randn({1, c.H, c.W, 3}), w = at::randn({4, c.K, c.K, 3}), b = at::randn({4});
    float lo = c.act == 3 || c.act == 1 ? 0.f : -1e30f, hi = c.act == 3 ? 6.f : 1e30f;
    at::Tensor ref = ref_conv(x, w, b, c.s, c.s, c.pad == 0, c.d, c.d, false, lo, hi);
    Model m;
    int in = m.tensor(dims(x)), wt = m.constant_f32(dims(w), values(w)), bt = m.constant_f32({4}, values(b));
    int out = m.tensor(dims(ref));
    m.op(CONV, {in, wt, bt}, {out}, 1, conv_options(c.pad, c.s, c.s, c.act, c.d, c.d));
    Net net = import(m.build({in}, {out}));
    CHECK(max_diff(net.run({x})[0], ref) < 1e-4);
  }
}

TEST_CASE("CONV_2D with fp16 weights through DEQUANTIZE (folded at import)") {
  at::manual_seed(2);
  at::Tensor x = at::randn({1, 6, 6, 2}), w = at::randn({3, 3, 3, 2});
  at::Tensor w16 = w.to(at::kHalf).to(at::kFloat);  // what the file can hold
  at::Tensor ref = ref_conv(x, w16, at::Tensor(), 1, 1, true, 1, 1, false);
  Model m;
  int in = m.tensor(dims(x)), wh = m.tensor(dims(w), 1, half_bytes(w)), wf = m.tensor(dims(w)), out = m.tensor(dims(ref));
  m.op(DEQ, {wh}, {wf});
  m.op(CONV, {in, wf, -1}, {out}, 1, conv_options(0, 1, 1));
  Net net = import(m.build({in}, {out}));
  CHECK(net.op_names.size() == 1);  // DEQUANTIZE folded away
  CHECK(max_diff(net.run({x})[0], ref) < 1e-4);
}

TEST_CASE("DEPTHWISE_CONV_2D: SAME stride 2 and VALID") {
  at::manual_seed(3);
  for (int s : {1, 2}) {
    at::Tensor x = at::randn({1, 9, 8, 4}), w = at::randn({1, 3, 3, 4}), b = at::randn({4});
    at::Tensor ref = ref_conv(x, w, b, s, s, s == 2, 1, 1, true);
    Model m;
    int in = m.tensor(dims(x)), wt = m.constant_f32(dims(w), values(w)), bt = m.constant_f32({4}, values(b)), out = m.tensor(dims(ref));
    m.op(DW, {in, wt, bt}, {out}, 2,
         table({scalar<int8_t>(0, s == 2 ? 0 : 1), scalar<int32_t>(1, s), scalar<int32_t>(2, s), scalar<int32_t>(3, 1)}));
    Net net = import(m.build({in}, {out}));
    CHECK(max_diff(net.run({x})[0], ref) < 1e-4);
  }
}

TEST_CASE("Convolution2DTransposeBias (MediaPipe custom op): k=2, s=2, OHWI weights, no kernel flip") {
  at::manual_seed(4);
  at::Tensor x = at::randn({1, 3, 4, 5}), w = at::randn({2, 2, 2, 5}), b = at::randn({2});
  at::Tensor ref = at::zeros({1, 6, 8, 2});
  auto X = x.accessor<float, 4>(); auto Wt = w.accessor<float, 4>(); auto R = ref.accessor<float, 4>();
  for (int h = 0; h < 3; ++h)
    for (int ww = 0; ww < 4; ++ww)
      for (int o = 0; o < 2; ++o)
        for (int kh = 0; kh < 2; ++kh)
          for (int kw = 0; kw < 2; ++kw) {
            double acc = 0;
            for (int c = 0; c < 5; ++c) acc += X[0][h][ww][c] * Wt[o][kh][kw][c];
            R[0][h * 2 + kh][ww * 2 + kw][o] += float(acc);
          }
  ref += b;
  Model m;
  int in = m.tensor(dims(x)), wt = m.constant_f32(dims(w), values(w)), bt = m.constant_f32({2}, values(b)), out = m.tensor(dims(ref));
  std::vector<uint8_t> opts(12);
  int32_t raw[3] = {1, 2, 2};
  std::memcpy(opts.data(), raw, 12);
  m.op(CUSTOM, {in, wt, bt}, {out}, 0, nullptr, "Convolution2DTransposeBias", opts);
  Net net = import(m.build({in}, {out}));
  CHECK(max_diff(net.run({x})[0], ref) < 1e-4);
}

TEST_CASE("pools: global average (VALID) and 2x2 max") {
  at::manual_seed(5);
  at::Tensor x = at::randn({1, 6, 6, 3});
  Model m;
  int in = m.tensor(dims(x)), avg = m.tensor({1, 1, 1, 3}), mx = m.tensor({1, 3, 3, 3});
  auto pool = [](int k, int s) { return table({scalar<int8_t>(0, 1), scalar<int32_t>(1, s), scalar<int32_t>(2, s), scalar<int32_t>(3, k), scalar<int32_t>(4, k)}); };
  m.op(AVG, {in}, {avg}, 5, pool(6, 1));
  m.op(MAXP, {in}, {mx}, 5, pool(2, 2));
  Net net = import(m.build({in}, {avg, mx}));
  auto out = net.run({x});
  CHECK(max_diff(out[0], x.mean({1, 2}, true)) < 1e-5);
  at::Tensor ref = at::empty({1, 3, 3, 3});
  for (int h = 0; h < 3; ++h)
    for (int w = 0; w < 3; ++w)
      for (int c = 0; c < 3; ++c)
        ref[0][h][w][c] = x.index({0, at::indexing::Slice(2 * h, 2 * h + 2), at::indexing::Slice(2 * w, 2 * w + 2), c}).max();
  CHECK(max_diff(out[1], ref) < 1e-6);
}

TEST_CASE("ADD and MUL: broadcasting a per-channel constant in NHWC terms, fused RELU") {
  at::manual_seed(6);
  at::Tensor x = at::randn({1, 4, 5, 3}), k = at::randn({3}), y = at::randn({1, 4, 5, 3});
  Model m;
  int in = m.tensor(dims(x)), in2 = m.tensor(dims(y)), kc = m.constant_f32({3}, values(k));
  int a = m.tensor(dims(x)), b = m.tensor(dims(x));
  m.op(ADD, {in, kc}, {a}, 11, table({scalar<int8_t>(0, 1)}));
  m.op(MUL, {a, in2}, {b}, 21, table({scalar<int8_t>(0, 0)}));
  Net net = import(m.build({in, in2}, {b}));
  CHECK(max_diff(net.run({x, y})[0], at::relu(x + k) * y) < 1e-5);
}

TEST_CASE("activations: RELU, LOGISTIC, HARD_SWISH") {
  at::Tensor x = at::linspace(-6, 6, 60).reshape({1, 3, 4, 5});
  Model m;
  int in = m.tensor(dims(x)), r = m.tensor(dims(x)), l = m.tensor(dims(x)), h = m.tensor(dims(x));
  m.op(RELU, {in}, {r});
  m.op(LOGISTIC, {in}, {l});
  m.op(HSWISH, {in}, {h});
  Net net = import(m.build({in}, {r, l, h}));
  auto out = net.run({x});
  CHECK(max_diff(out[0], x.clamp_min(0)) < 1e-6);
  CHECK(max_diff(out[1], 1 / (1 + (-x).exp())) < 1e-6);
  CHECK(max_diff(out[2], x * (x + 3).clamp(0, 6) / 6) < 1e-6);
}

TEST_CASE("RESIZE_BILINEAR x2 with half-pixel centres") {
  at::manual_seed(7);
  at::Tensor x = at::randn({1, 3, 4, 2});
  at::Tensor ref = at::empty({1, 6, 8, 2});
  for (int oy = 0; oy < 6; ++oy)
    for (int ox = 0; ox < 8; ++ox) {
      double sy = std::max(0.0, (oy + 0.5) / 2 - 0.5), sx = std::max(0.0, (ox + 0.5) / 2 - 0.5);
      int y0 = int(sy), x0 = int(sx), y1 = std::min(y0 + 1, 2), x1 = std::min(x0 + 1, 3);
      double fy = sy - y0, fx = sx - x0;
      for (int c = 0; c < 2; ++c)
        ref[0][oy][ox][c] = (1 - fy) * ((1 - fx) * x[0][y0][x0][c] + fx * x[0][y0][x1][c]) + fy * ((1 - fx) * x[0][y1][x0][c] + fx * x[0][y1][x1][c]);
    }
  Model m;
  int in = m.tensor(dims(x)), size = m.constant_i32({2}, {6, 8}), out = m.tensor({1, 6, 8, 2});
  m.op(RESIZE, {in, size}, {out}, 15, table({scalar<uint8_t>(2, 0), scalar<uint8_t>(3, 1)}));
  Net net = import(m.build({in}, {out}));
  CHECK(max_diff(net.run({x})[0], ref) < 1e-5);
}

TEST_CASE("layout-sensitive ops: PAD, RESHAPE, CONCATENATION, MEAN, DEPTH_TO_SPACE follow NHWC") {
  at::manual_seed(8);
  at::Tensor x = at::randn({1, 2, 3, 8});
  Model m;
  int in = m.tensor(dims(x));
  int pads = m.constant_i32({4, 2}, {0, 0, 1, 2, 0, 1, 0, 0});
  int padded = m.tensor({1, 5, 4, 8});
  m.op(PAD, {in, pads}, {padded});
  int flat = m.tensor({1, 48});
  m.op(RESHAPE, {in}, {flat}, 17, table({child(0, vec(std::vector<int32_t>{1, 48}))}));
  int cat3 = m.tensor({1, 2, 3, 16}), cat1 = m.tensor({1, 4, 3, 8});
  m.op(CONCAT, {in, in}, {cat3}, 10, table({scalar<int32_t>(0, 3)}));
  m.op(CONCAT, {in, in}, {cat1}, 10, table({scalar<int32_t>(0, 1)}));
  int axes = m.constant_i32({2}, {1, 2}), mean = m.tensor({1, 1, 1, 8});
  m.op(MEAN, {in, axes}, {mean}, 27, table({scalar<uint8_t>(0, 1)}));
  int d2s = m.tensor({1, 4, 6, 2});
  m.op(D2S, {in}, {d2s}, 94, table({scalar<int32_t>(0, 2)}));
  Net net = import(m.build({in}, {padded, flat, cat3, cat1, mean, d2s}));
  auto out = net.run({x});
  CHECK(max_diff(out[0], at::constant_pad_nd(x, {0, 0, 0, 1, 1, 2}, 0)) < 1e-7);
  CHECK(max_diff(out[1], x.reshape({1, 48})) < 1e-7);
  CHECK(max_diff(out[2], at::cat({x, x}, 3)) < 1e-7);
  CHECK(max_diff(out[3], at::cat({x, x}, 1)) < 1e-7);
  CHECK(max_diff(out[4], x.mean({1, 2}, true)) < 1e-6);
  at::Tensor ref = at::empty({1, 4, 6, 2});
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 3; ++w)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          for (int c = 0; c < 2; ++c) ref[0][h * 2 + i][w * 2 + j][c] = x[0][h][w][(i * 2 + j) * 2 + c];  // TF's DCR order
  CHECK(max_diff(out[5], ref) < 1e-7);
}

TEST_CASE("DENSIFY: CSR-sparse fp16 1x1 weights are expanded at import") {
  // Weights [O=3,1,1,I=4] with 5 non-zeros; traversal order 0..3, dims: dense, dense, dense, CSR.
  std::vector<float> dense = {1, 0, 0, 2, 0, 0, 0, 0, 0, -3, 4, 5};
  std::vector<float> nz = {1, 2, -3, 4, 5};
  at::Tensor nzt = at::tensor(nz);
  auto dm_dense = [](int n) { return table({scalar<int8_t>(0, 0), scalar<int32_t>(1, n)}); };
  // Row segments over the flattened leading dims (O*1*1 = 3 rows): [0,2,2,5]; column indices.
  NodeP csr = table({scalar<int8_t>(0, 1), scalar<uint8_t>(2, 1), child(3, table({child(0, vec(std::vector<int32_t>{0, 2, 2, 5}))})),
                     scalar<uint8_t>(4, 1), child(5, table({child(0, vec(std::vector<int32_t>{0, 3, 1, 2, 3}))}))});
  NodeP sparsity = table({child(0, vec(std::vector<int32_t>{0, 1, 2, 3})), child(2, tables({dm_dense(3), dm_dense(1), dm_dense(1), csr}))});
  at::manual_seed(9);
  at::Tensor x = at::randn({1, 2, 2, 4});
  Model m;
  int in = m.tensor(dims(x));
  int sparse = m.tensor({3, 1, 1, 4}, 1, half_bytes(nzt), sparsity);
  int dense16 = m.tensor({3, 1, 1, 4}, 1), wf = m.tensor({3, 1, 1, 4}), out = m.tensor({1, 2, 2, 3});
  m.op(DENSIFY, {sparse}, {dense16});
  m.op(DEQ, {dense16}, {wf});
  m.op(CONV, {in, wf, -1}, {out}, 1, conv_options(1, 1, 1));
  Net net = import(m.build({in}, {out}));
  at::Tensor w = at::tensor(dense).reshape({3, 1, 1, 4});
  CHECK(max_diff(net.run({x})[0], ref_conv(x, w, at::Tensor(), 1, 1, false, 1, 1, false)) < 1e-5);
}

// ---- broken files -------------------------------------------------------------------------

static std::vector<uint8_t> small_model() {
  Model m;
  int in = m.tensor({1, 4, 4, 2}), w = m.constant_f32({2, 1, 1, 2}, {1, 2, 3, 4}), out = m.tensor({1, 4, 4, 2});
  m.op(CONV, {in, w, -1}, {out}, 1, conv_options(0, 1, 1));
  return m.build({in}, {out});
}

static std::string import_error(const std::vector<uint8_t>& b) {
  try {
    import(b);
  } catch (const omni::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_CASE("every truncation of a valid model is a clean error") {
  std::vector<uint8_t> ok = small_model();
  CHECK(import_error(ok) == "no error");
  for (size_t n = 0; n < ok.size(); n += 1) {
    std::vector<uint8_t> cut(ok.begin(), ok.begin() + long(n));
    CAPTURE(n);
    CHECK(import_error(cut) != "no error");
  }
}

TEST_CASE("wrong magic, absurd sizes, bad references, ops out of order") {
  std::vector<uint8_t> b = small_model();
  std::memcpy(b.data() + 4, "XXXX", 4);
  CHECK(import_error(b) == "test: not a TFLite file: expected identifier 'TFL3' at byte 4, got 'XXXX'");

  Model big;
  int in = big.tensor({1, 100000, 100000, 3}), out = big.tensor({1, 100000, 100000, 3});
  big.op(RELU, {in}, {out});
  CHECK(import_error(big.build({in}, {out})).find("absurd") != std::string::npos);

  Model dangling;
  int a = dangling.tensor({1, 2, 2, 1}), c = dangling.tensor({1, 2, 2, 1});
  dangling.op(RELU, {a}, {c});
  CHECK(import_error(dangling.build({a}, {7})).find("refers to tensor 7, but the model has 2") != std::string::npos);

  // op 0 reads what op 1 writes: a cycle or unsorted graph, refused rather than run on garbage.
  Model cyc;
  int i0 = cyc.tensor({1, 2, 2, 1}), t1 = cyc.tensor({1, 2, 2, 1}), t2 = cyc.tensor({1, 2, 2, 1});
  cyc.op(ADD, {i0, t2}, {t1});
  cyc.op(RELU, {t1}, {t2});
  CHECK(import_error(cyc.build({i0}, {t2})).find("used before it is computed") != std::string::npos);

  Model unknown;
  int u0 = unknown.tensor({1, 2, 2, 1}), u1 = unknown.tensor({1, 2, 2, 1});
  unknown.op(99, {u0}, {u1});
  CHECK(import_error(unknown.build({u0}, {u1})).find("unsupported TFLite op builtin 99") != std::string::npos);

  Model short_data;
  int s0 = short_data.tensor({1, 2, 2, 2}), sw = short_data.tensor({2, 1, 1, 2}, 0, std::vector<uint8_t>(12, 0)), s1 = short_data.tensor({1, 2, 2, 2});
  short_data.op(CONV, {s0, sw, -1}, {s1}, 1, conv_options(0, 1, 1));
  CHECK(import_error(short_data.build({s0}, {s1})).find("expected 16 bytes of data for shape [2,1,1,2], got 12") != std::string::npos);
}

TEST_CASE("in-place steps never touch the caller's input") {
  Model m;
  int in = m.tensor({1, 6}), out = m.tensor({1, 6});
  m.op(RELU, {in}, {out});  // the input's last reader: runs in place
  Net net = import(m.build({in}, {out}));
  at::Tensor x = at::linspace(-3, 2, 6).reshape({1, 6});
  at::Tensor before = x.clone();
  CHECK(max_diff(net.run({x})[0], before.clamp_min(0)) < 1e-7);
  CHECK(max_diff(x, before) == 0);
}

// The module side of `omni models run/inspect`: load (once per process), pre-process an image
// as the manifest says, run, and summarise per task. LibTorch-side (libomni_torch.so).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <dlfcn.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/model/hub.h"
#include "core/model/net.h"
#include "core/perception/perception.h"
#include "core/model/torch_module.h"
#include "core/paths.h"

namespace omni {

using model::Net;

static at::Device g_device = at::kCPU;

static int g_threads = 0;  // intra-op threads; 0 = not given (-threads)

static int all_threads() { return g_threads > 0 ? g_threads : int(std::max(1u, std::thread::hardware_concurrency())); }

void model_configure(int threads, const std::string& device) {
  // LibTorch as packaged here starts with one intra-op thread; use the machine unless told.
  g_threads = threads;
  at::set_num_threads(all_threads());
  // LibTorch runs its own intra-op threads; a threaded BLAS underneath would oversubscribe the
  // cores (pose-heavy 65 -> 130 ms on 2 cores) and its idle workers spin in sched_yield (30 % of
  // a 720p matte's time). OpenBLAS is often loaded before us (OpenCV's LAPACK), so the
  // environment variable set in core/model/torch_module.cpp comes too late: ask it directly.
  if (auto set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
  if (device.empty() || device == "cpu") {
    g_device = at::kCPU;
    return;
  }
  if (device.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      fail("-device {}: this LibTorch has no CUDA support (or sees no GPU); use -device cpu", device);
    int idx = 0;
    if (device.size() > 4) {
      if (device[4] != ':') fail("-device {}: use cpu, cuda or cuda:N", device);
      idx = std::atoi(device.c_str() + 5);
    }
    if (idx < 0 || idx >= int(torch::cuda::device_count()))
      fail("-device {}: there are {} CUDA devices", device, torch::cuda::device_count());
    g_device = at::Device(at::kCUDA, at::DeviceIndex(idx));
    // Full float32, not TF32, which Ampere and later GPUs use for convolutions by default: on an
    // H200, TF32 moved pose-full's outputs by up to 101 (0.06 in float32) and the selfie mask by
    // 0.02 (5e-5) against the CPU's (bench/gpu/run.sh); these networks are small enough that
    // float32 costs little there.
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
    return;
  }
  fail("-device {}: use cpu, cuda or cuda:N", device);
}

static std::string read_all(const std::string& path) {
  std::string bytes;
  if (!read_file(path, bytes)) fail("cannot read model file '{}'", path);
  return bytes;
}

// The manifest's view of a TF.js model: its outputs, and the input shape fixed where the graph
// leaves it open (batch -1).
static model::TfjsOptions tfjs_options(const ModelSpec& m) {
  model::TfjsOptions o;
  o.outputs = m.outputs;
  o.inputs = m.inputs;
  bool fixed = m.input_shape.size() == 4;
  for (int64_t d : m.input_shape) fixed = fixed && d > 0;
  if (fixed) o.first_input_shape = m.input_shape;
  return o;
}

// Loaded once per process, shared by every caller.
static std::shared_ptr<const Net> load_net(const ModelSpec& m, const std::string& path) {
  const std::string& name = m.name;
  const std::string& format = m.format;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Net>> cache;
  std::lock_guard<std::mutex> lock(mu);
  std::string key = path + "@" + g_device.str();
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::shared_ptr<const Net> net;
  if (format == "torchscript") {
    net = std::make_shared<Net>(model::import_torchscript(name, path, g_device));
    cache[key] = net;
    return net;
  }
  std::string bytes = read_all(path);
  if (format == "tflite") net = std::make_shared<Net>(model::import_tflite(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), g_device));
  else if (format == "onnx") net = std::make_shared<Net>(model::import_onnx(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), m.outputs.size(), g_device));
  else if (format == "tfjs") net = std::make_shared<Net>(model::import_tfjs(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), tfjs_options(m), g_device));
  else fail("model '{}': format '{}' is not supported by this build", name, format);
  cache[key] = net;
  return net;
}

struct Prepared {
  at::Tensor input;
  double scale = 1, pad_x = 0, pad_y = 0;  // image px = (model px - pad) / scale
};

static Prepared prepare(const ModelSpec& m, const cv::Mat& bgr) {
  if (m.input_shape.size() != 4) fail("model '{}': the manifest gives no 4-D input shape", m.name);
  bool nchw = m.layout == "NCHW";
  int64_t h = nchw ? m.input_shape[2] : m.input_shape[1];
  int64_t w = nchw ? m.input_shape[3] : m.input_shape[2];
  // 0 (or less) in the manifest: the picture's own size (fully convolutional networks).
  if (h <= 0 || w <= 0) h = bgr.rows, w = bgr.cols;
  cv::Mat rgb;
  if (m.color == "BGR") rgb = bgr;
  else cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Prepared p;
  cv::Mat sized;
  if (m.resize == "letterbox") {
    p.scale = std::min(double(w) / rgb.cols, double(h) / rgb.rows);
    int nw = int(std::lround(rgb.cols * p.scale)), nh = int(std::lround(rgb.rows * p.scale));
    cv::Mat r;
    cv::resize(rgb, r, cv::Size(nw, nh), 0, 0, cv::INTER_AREA);
    p.pad_x = (w - nw) / 2.0;
    p.pad_y = (h - nh) / 2.0;
    sized = cv::Mat::zeros(int(h), int(w), CV_8UC3);
    r.copyTo(sized(cv::Rect(int(p.pad_x), int(p.pad_y), nw, nh)));
    p.pad_x = int(p.pad_x);
    p.pad_y = int(p.pad_y);
  } else {
    cv::resize(rgb, sized, cv::Size(int(w), int(h)), 0, 0, cv::INTER_AREA);
  }
  cv::Mat f;
  if (!m.mean.empty()) {
    sized.convertTo(f, CV_32FC3);
    cv::subtract(f, cv::Scalar(m.mean[0], m.mean[1], m.mean[2]), f);
    cv::multiply(f, cv::Scalar(1 / m.std[0], 1 / m.std[1], 1 / m.std[2]), f);
  } else {
    double a = (m.range_hi - m.range_lo) / 255.0;
    sized.convertTo(f, CV_32FC3, a, m.range_lo);
  }
  at::Tensor t = at::from_blob(f.data, {1, h, w, 3}, at::kFloat).clone();
  p.input = nchw ? t.permute({0, 3, 1, 2}).contiguous() : t;
  return p;
}

static std::string summarise_mask(const ModelSpec& m, const at::Tensor& out, const cv::Mat& img, const std::string& dest) {
  at::Tensor mask = out.to(at::kCPU).to(at::kFloat).contiguous();
  if (m.layout == "NCHW") mask = mask.reshape({mask.size(-2), mask.size(-1)});
  else mask = mask.reshape({mask.size(1), mask.size(2)});
  cv::Mat small(int(mask.size(0)), int(mask.size(1)), CV_32F, mask.data_ptr<float>());
  cv::Mat full;
  cv::resize(small, full, img.size(), 0, 0, cv::INTER_LINEAR);
  double coverage = cv::countNonZero(full > 0.5) / double(full.total());
  if (!dest.empty()) {
    cv::Mat u8;
    full.convertTo(u8, CV_8U, 255.0);
    if (!cv::imwrite(dest, u8)) fail("models run: cannot write '{}'", dest);
  }
  return fmt::format("mask {}x{}, coverage {:.3f} (fraction of pixels above 0.5)", img.cols, img.rows, coverage);
}

static double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

static std::string summarise_pose(const ModelSpec& m, const std::vector<at::Tensor>& outs, const Prepared& p,
                                  const cv::Mat& img, const std::string& dest) {
  at::Tensor lm = outs.at(0).to(at::kCPU).reshape({-1, 5});
  double presence = outs.at(1).to(at::kCPU).item<double>();
  int visible = 0;
  std::string json = "{\n  \"model\": \"" + m.name + fmt::format("\",\n  \"presence\": {:.4f},\n  \"landmarks\": [\n", presence);
  for (int i = 0; i < 33; ++i) {
    double x = (lm[i][0].item<double>() - p.pad_x) / p.scale, y = (lm[i][1].item<double>() - p.pad_y) / p.scale;
    double z = lm[i][2].item<double>() / p.scale;
    double vis = sigmoid(lm[i][3].item<double>()), pres = sigmoid(lm[i][4].item<double>());
    if (vis > 0.5) ++visible;
    json += fmt::format("    {{\"x\": {:.2f}, \"y\": {:.2f}, \"z\": {:.2f}, \"visibility\": {:.4f}, \"presence\": {:.4f}}}{}\n", x, y,
                        z, vis, pres, i < 32 ? "," : "");
  }
  json += fmt::format("  ],\n  \"image\": {{\"width\": {}, \"height\": {}}}\n}}\n", img.cols, img.rows);
  if (!dest.empty()) {
    std::ofstream f(dest);
    if (!(f << json)) fail("models run: cannot write '{}'", dest);
  }
  return fmt::format("pose presence {:.3f}, {} of 33 landmarks visible (> 0.5)", presence, visible);
}

// MediaPipe's pose detector, decoded by core/perception (the same code matte and pose use).
static std::string summarise_detector(const std::vector<at::Tensor>& outs, const Prepared& p, const cv::Mat& img,
                                      const std::string& dest) {
  InferResult r;
  r.scale = p.scale, r.pad_x = p.pad_x, r.pad_y = p.pad_y;
  for (const at::Tensor& o : outs) {
    at::Tensor c = o.to(at::kCPU).to(at::kFloat).contiguous();
    r.outputs.push_back({c.sizes().vec(), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel())});
  }
  std::vector<PersonDetection> kept = decode_pose_detections(r, img.cols, img.rows);
  std::string json = "{\n  \"model\": \"pose-detector\",\n  \"detections\": [\n";
  for (size_t i = 0; i < kept.size(); ++i) {
    const PersonDetection& d = kept[i];
    json += fmt::format("    {{\"score\": {:.4f}, \"x0\": {:.1f}, \"y0\": {:.1f}, \"x1\": {:.1f}, \"y1\": {:.1f}}}{}\n", d.score,
                        d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height, i + 1 < kept.size() ? "," : "");
  }
  json += fmt::format("  ],\n  \"image\": {{\"width\": {}, \"height\": {}}}\n}}\n", img.cols, img.rows);
  if (!dest.empty()) {
    std::ofstream f(dest);
    if (!(f << json)) fail("models run: cannot write '{}'", dest);
  }
  return fmt::format("{} person{} detected{}", kept.size(), kept.size() == 1 ? "" : "s",
                     kept.empty() ? "" : fmt::format(" (best score {:.3f})", kept[0].score));
}

// MoveNet multi-pose, decoded by core/perception: people with a box and 17 keypoints.
static std::string summarise_multipose(const std::vector<at::Tensor>& outs, const Prepared& p, const cv::Mat& img, const std::string& dest) {
  InferResult r;
  r.scale = p.scale, r.pad_x = p.pad_x, r.pad_y = p.pad_y;
  at::Tensor c = outs.at(0).to(at::kCPU).to(at::kFloat).contiguous();
  r.outputs.push_back({c.sizes().vec(), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel())});
  std::vector<PersonPose> poses = decode_multipose(r);
  std::string json = "{\n  \"model\": \"movenet-multipose\",\n  \"people\": [\n";
  for (size_t i = 0; i < poses.size(); ++i) {
    const auto& q = poses[i];
    json += fmt::format("    {{\"score\": {:.4f}, \"x0\": {:.1f}, \"y0\": {:.1f}, \"x1\": {:.1f}, \"y1\": {:.1f}, \"keypoints\": [", q.score, q.box.x,
                        q.box.y, q.box.x + q.box.width, q.box.y + q.box.height);
    for (size_t k = 0; k < 17; ++k)
      json += fmt::format("{}[{:.1f}, {:.1f}, {:.3f}]", k ? ", " : "", q.keypoints[k].x, q.keypoints[k].y, q.keypoints[k].z);
    json += fmt::format("]}}{}\n", i + 1 < poses.size() ? "," : "");
  }
  json += fmt::format("  ],\n  \"image\": {{\"width\": {}, \"height\": {}}}\n}}\n", img.cols, img.rows);
  if (!dest.empty()) {
    std::ofstream f(dest);
    if (!(f << json)) fail("models run: cannot write '{}'", dest);
  }
  return fmt::format("{} {} (best score {:.3f})", poses.size(), poses.size() == 1 ? "person" : "people", poses.empty() ? 0.0 : poses[0].score);
}

// An object detector's boxes with their class names, decoded by core/perception.
static std::string summarise_objects(const ModelSpec& m, const std::vector<at::Tensor>& outs, const cv::Mat& img, const std::string& dest) {
  if (m.name != "nanodet") return fmt::format("{} outputs", outs.size());
  InferResult r;
  for (const at::Tensor& o : outs) {
    at::Tensor c = o.to(at::kCPU).to(at::kFloat).contiguous();
    r.outputs.push_back({c.sizes().vec(), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel())});
  }
  std::vector<Detection> d = decode_nanodet(r, img.cols, img.rows);
  std::string json = "{\n  \"model\": \"" + m.name + "\",\n  \"detections\": [\n", names;
  for (size_t i = 0; i < d.size(); ++i) {
    const std::string& en = object_classes().at(size_t(d[i].cls)).en;
    json += fmt::format("    {{\"class\": \"{}\", \"score\": {:.4f}, \"x0\": {:.1f}, \"y0\": {:.1f}, \"x1\": {:.1f}, \"y1\": {:.1f}}}{}\n", en,
                        d[i].score, d[i].box.x, d[i].box.y, d[i].box.x + d[i].box.width, d[i].box.y + d[i].box.height, i + 1 < d.size() ? "," : "");
    if (i < 8) names += fmt::format("{}{} {:.2f}", i ? ", " : "", en, d[i].score);
  }
  json += fmt::format("  ],\n  \"image\": {{\"width\": {}, \"height\": {}}}\n}}\n", img.cols, img.rows);
  if (!dest.empty()) {
    std::ofstream f(dest);
    if (!(f << json)) fail("models run: cannot write '{}'", dest);
  }
  return fmt::format("{} object{} ({})", d.size(), d.size() == 1 ? "" : "s", names);
}

InferResult model_infer_recurrent(const std::string& name, const std::string& path, const cv::Mat& bgr, double downsample_ratio,
                                  std::vector<InferOutput>& state);

// A recurrent video matting network on one picture: the first call starts from zero state (and
// imports), the timed ones feed the state back, as a video's frames would.
static std::string run_recurrent(const ModelSpec& m, const ModelRunArgs& a, const cv::Mat& img) {
  double dr = std::min(1.0, 384.0 / std::max(img.cols, img.rows));
  std::vector<InferOutput> state;
  auto t0 = std::chrono::steady_clock::now();
  InferResult r = model_infer_recurrent(m.name, a.path, img, dr, state);
  r = model_infer_recurrent(m.name, a.path, img, dr, state);  // imports the stateful net too
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> times;
  for (int i = 0; i < std::max(1, a.repeat); ++i) {
    auto s = std::chrono::steady_clock::now();
    r = model_infer_recurrent(m.name, a.path, img, dr, state);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
  }
  std::sort(times.begin(), times.end());
  const InferOutput& pha = r.outputs.at(0);
  cv::Mat alpha(int(pha.shape.at(1)), int(pha.shape.at(2)), CV_32F, const_cast<float*>(pha.data.data()));
  double coverage = cv::countNonZero(alpha > 0.5f) / double(alpha.total());
  if (!a.output.empty()) {
    cv::Mat u8;
    alpha.convertTo(u8, CV_8U, 255.0);
    if (!cv::imwrite(a.output, u8)) fail("models run: cannot write '{}'", a.output);
  }
  return fmt::format("{}: alpha {}x{} at downsample ratio {:.3f}, coverage {:.3f}; load and first frames {:.0f} ms, inference {:.1f} ms "
                     "(median of {}, {} threads, state fed back)\n",
                     m.name, img.cols, img.rows, dr, coverage, load_ms, times[times.size() / 2], times.size(), at::get_num_threads());
}

std::string model_run(const ModelRunArgs& a) {
  const ModelSpec& m = find_model(a.name);
  // Checked first: OpenCV would print its own warning line before our error.
  if (access(a.image.c_str(), R_OK) != 0) fail("models run: cannot read image '{}': {}", a.image, std::strerror(errno));
  cv::Mat img = cv::imread(a.image, cv::IMREAD_COLOR);
  if (img.empty()) fail("models run: cannot read image '{}'", a.image);
  if (m.task == "video-matting") return run_recurrent(m, a, img);
  auto t0 = std::chrono::steady_clock::now();
  auto net = load_net(m, a.path);
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  Prepared p = prepare(m, img);
  std::vector<at::Tensor> outs = net->run({p.input});  // warm-up, and the result we report
  std::vector<double> times;
  for (int i = 0; i < std::max(1, a.repeat); ++i) {
    auto s = std::chrono::steady_clock::now();
    outs = net->run({p.input});
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
  }
  std::sort(times.begin(), times.end());
  if (!a.dump.empty()) {
    auto dump = [&](const at::Tensor& t, const std::string& path) {
      at::Tensor c = t.to(at::kCPU).to(at::kFloat).contiguous();
      std::ofstream f(path, std::ios::binary);
      if (!f.write(reinterpret_cast<const char*>(c.data_ptr<float>()), std::streamsize(c.numel() * 4)))
        fail("models run: cannot write '{}'", path);
    };
    dump(p.input, a.dump + ".input.f32");
    dump(outs.at(0), a.dump + ".output.f32");
    for (size_t k = 0; k < outs.size(); ++k) dump(outs[k], a.dump + ".output." + std::to_string(k) + ".f32");
  }
  std::string summary;
  if (m.task == "person-segmentation" || m.task == "salient-segmentation") summary = summarise_mask(m, outs.at(0), img, a.output);
  else if (m.task == "pose-landmarks") summary = summarise_pose(m, outs, p, img, a.output);
  else if (m.task == "person-detection") summary = summarise_detector(outs, p, img, a.output);
  else if (m.task == "object-detection") summary = summarise_objects(m, outs, img, a.output);
  else if (m.task == "multi-pose") summary = summarise_multipose(outs, p, img, a.output);
  else summary = fmt::format("{} outputs", outs.size());
  return fmt::format("{}: {}; load {:.0f} ms, inference {:.1f} ms (median of {}, {} threads)\n", m.name, summary, load_ms,
                     times[times.size() / 2], times.size(), at::get_num_threads());
}

static InferResult infer_with(const std::string& name, const std::string& path, const cv::Mat& bgr, const cv::Mat* mask);

InferResult model_infer(const std::string& name, const std::string& path, const cv::Mat& bgr) {
  return infer_with(name, path, bgr, nullptr);
}

InferResult model_infer_masked(const std::string& name, const std::string& path, const cv::Mat& bgr, const cv::Mat& mask) {
  return infer_with(name, path, bgr, &mask);
}

static InferResult infer_with(const std::string& name, const std::string& path, const cv::Mat& bgr, const cv::Mat* mask) {
  const ModelSpec& m = find_model(name);
  auto net = load_net(m, path);
  Prepared p = prepare(m, bgr);
  std::vector<at::Tensor> inputs{p.input.to(g_device)};
  if (mask) {
    // The mask takes the picture's path: same size, same letterbox.
    bool nchw = m.layout == "NCHW";
    int64_t h = p.input.size(nchw ? 2 : 1), w = p.input.size(nchw ? 3 : 2);
    cv::Mat in = cv::Mat::zeros(int(h), int(w), CV_8U), sized;
    int nw = int(std::lround(mask->cols * p.scale)), nh = int(std::lround(mask->rows * p.scale));
    if (m.resize == "letterbox") {
      cv::resize(*mask, sized, cv::Size(nw, nh), 0, 0, cv::INTER_NEAREST);
      sized.copyTo(in(cv::Rect(int(p.pad_x), int(p.pad_y), nw, nh)));
    } else {
      cv::resize(*mask, in, cv::Size(int(w), int(h)), 0, 0, cv::INTER_NEAREST);
    }
    cv::Mat f;
    cv::Mat on = in > 0;
    on.convertTo(f, CV_32F, 1 / 255.0);
    at::Tensor t = at::from_blob(f.data, {1, h, w, 1}, at::kFloat).clone();
    inputs.push_back((nchw ? t.permute({0, 3, 1, 2}).contiguous() : t).to(g_device));
  }
  // Per-frame models (256x256 and smaller) run on one thread unless -threads says otherwise: on
  // 2 cores the second one decodes, encodes and refines meanwhile, and OpenMP's idle workers
  // would otherwise spin between frames (measured, matte on 720p: 27 fps with 1 thread, 10 fps
  // with 2). Large models (ISNet) take every core.
  bool small = p.input.numel() <= 512 * 512 * 3;  // per-frame models, detectors included; ISNet (1024) is not
  at::set_num_threads(g_threads > 0 || !small || g_device.is_cuda() ? all_threads() : 1);
  std::vector<at::Tensor> outs = net->run(inputs);
  InferResult r;
  r.scale = p.scale, r.pad_x = p.pad_x, r.pad_y = p.pad_y;
  for (const at::Tensor& o : outs) {
    at::Tensor c = o.to(at::kCPU).to(at::kFloat).contiguous();
    InferOutput io;
    io.shape = c.sizes().vec();
    io.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    r.outputs.push_back(std::move(io));
  }
  return r;
}

// Recurrent networks (RVM): imported per picture size and downsample ratio (the ratio decides the
// graph's Switch/Merge branches, and the state's shapes follow the size). The first frame uses
// a net whose state inputs are scalar zeros (folded: RVM broadcasts them), which also tells the
// state's shapes for the net that takes the state as inputs.
InferResult model_infer_recurrent(const std::string& name, const std::string& path, const cv::Mat& bgr, double dr,
                                  std::vector<InferOutput>& state) {
  const ModelSpec& m = find_model(name);
  if (m.format != "tfjs" || m.inputs.size() < 2) fail("model '{}' is not a recurrent TF.js network", name);
  const std::string& src = m.inputs[0];
  std::vector<std::string> rec(m.inputs.begin() + 1, m.inputs.end());
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Net>> cache;
  static std::map<std::string, std::string> bytes_cache;
  auto net_for = [&](bool with_state) {
    std::lock_guard<std::mutex> lock(mu);
    std::string key = fmt::format("{}@{}x{}@{}@{}@{}", path, bgr.cols, bgr.rows, dr, with_state, g_device.str());
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    std::string& bytes = bytes_cache[path];
    if (bytes.empty()) bytes = read_all(path);
    model::TfjsOptions o;
    o.outputs = m.outputs;
    o.shapes[src] = {1, bgr.rows, bgr.cols, 3};
    o.constants["downsample_ratio"] = at::full({}, dr, at::kFloat);
    o.inputs = {src};
    for (size_t k = 0; k < rec.size(); ++k) {
      if (!with_state) o.constants[rec[k]] = at::zeros({}, at::kFloat);
      else {
        if (state.size() != rec.size()) fail("model '{}': {} state tensors for {} recurrent inputs", name, state.size(), rec.size());
        o.inputs.push_back(rec[k]);
        o.shapes[rec[k]] = state[k].shape;
      }
    }
    auto net = std::make_shared<const Net>(model::import_tfjs(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), o, g_device));
    cache[key] = net;
    return net;
  };
  bool with_state = !state.empty();
  auto net = net_for(with_state);
  cv::Mat rgb, f;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(f, CV_32FC3, (m.range_hi - m.range_lo) / 255.0, m.range_lo);
  std::vector<at::Tensor> inputs{at::from_blob(f.data, {1, bgr.rows, bgr.cols, 3}, at::kFloat).clone()};
  if (with_state)
    for (auto& s : state) inputs.push_back(at::from_blob(s.data.data(), s.shape, at::kFloat).clone());
  // A per-frame model: one intra-op thread unless -threads says otherwise, as in infer_with
  // (OpenMP's spinning workers starve the encoder: 720p RVM + x264 5.5 fps with 2 threads).
  at::set_num_threads(g_threads > 0 || g_device.is_cuda() ? all_threads() : 1);
  std::vector<at::Tensor> outs = net->run(inputs);
  InferResult r;
  for (const at::Tensor& o : outs) {
    at::Tensor c = o.to(at::kCPU).to(at::kFloat).contiguous();
    r.outputs.push_back({c.sizes().vec(), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel())});
  }
  // The outputs named like the recurrent inputs ("r1o" for "r1i") are the next state.
  std::vector<InferOutput> next;
  for (const auto& ri : rec) {
    std::string ro = ri.substr(0, ri.size() - 1) + "o";
    auto pos = std::find(m.outputs.begin(), m.outputs.end(), ro);
    if (pos == m.outputs.end()) fail("model '{}': no output {} for the recurrent input {}", name, ro, ri);
    next.push_back(r.outputs.at(size_t(pos - m.outputs.begin())));
  }
  state = std::move(next);
  return r;
}

std::string model_inspect(const std::string& name, const std::string& path) {
  const ModelSpec& m = find_model(name);
  auto net = load_net(m, path);
  std::map<std::string, int> hist;
  for (const auto& o : net->op_names) ++hist[o];
  std::string s = fmt::format("{} ({}, {} ops after folding)\n", m.name, net->format, net->op_names.size());
  for (const auto& i : net->inputs) s += fmt::format("  input  {} [{}]\n", i.name, fmt::join(i.shape, ","));
  for (const auto& o : net->outputs) s += fmt::format("  output {} [{}]\n", o.name, fmt::join(o.shape, ","));
  for (const auto& [k, v] : hist) s += fmt::format("  {:<28} {}\n", k, v);
  return s;
}

}  // namespace omni

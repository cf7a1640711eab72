// core/perception: the model entry for every analysis (options, the module, installed paths),
// and frame pixels as the models want them.
#include "core/perception/models.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/error.h"
#include "core/image/flow.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"
#include "core/perception/internal.h"

namespace omni {

// ---- models ---------------------------------------------------------------------------------

static int g_threads = 0;
static std::string g_device;

void set_model_options(int threads, const std::string& device) {
  g_threads = threads;
  g_device = device;
}

const TorchApi& models() {
  static std::once_flag once;
  const TorchApi& api = torch_api();
  std::call_once(once, [&] { api.configure(g_threads, g_device); });
  return api;
}

// The installed path, checked once per process (a missing model fails at the first frame with
// the fetch command; filters also check when they are created, before any frame).
const std::string& model_file(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::string> paths;
  std::lock_guard<std::mutex> lock(mu);
  auto it = paths.find(name);
  if (it == paths.end()) it = paths.emplace(name, require_model(name)).first;
  return it->second;
}

InferResult run_model(const std::string& name, const cv::Mat& bgr, const cv::Mat& mask) {
  if (mask.empty()) return models().infer(name, model_file(name), bgr);
  return models().infer_masked(name, model_file(name), bgr, mask);
}

cv::Mat output_picture(const InferResult& r, const std::string& name) {
  const ModelSpec& m = find_model(name);
  const bool nchw = m.layout == "NCHW", bgr = m.color == "BGR";
  if (r.outputs.empty()) fail("model {} gave no output", name);
  const InferOutput& o = r.outputs[0];
  if (o.shape.size() != 4 || o.shape[0] != 1 || o.shape[nchw ? 1 : 3] != 3)
    fail("model {}: the output is not one 3-channel picture ({} dimensions)", name, o.shape.size());
  const int h = int(o.shape[nchw ? 2 : 1]), w = int(o.shape[nchw ? 3 : 2]);
  const double scale = 255.0 / (m.range_hi - m.range_lo);
  cv::Mat out(h, w, CV_8UC3);
  const float* d = o.data.data();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        float v = nchw ? d[(size_t(c) * h + y) * w + x] : d[(size_t(y) * w + x) * 3 + c];
        out.at<cv::Vec3b>(y, x)[bgr ? c : 2 - c] = cv::saturate_cast<uint8_t>((v - m.range_lo) * scale);
      }
  return out;
}

cv::Size model_input_size(const ModelSpec& m) {
  if (m.input_shape.size() != 4) fail("model '{}': the manifest gives no 4-D input shape", m.name);
  bool nchw = m.layout == "NCHW";
  return {int(nchw ? m.input_shape[3] : m.input_shape[2]), int(nchw ? m.input_shape[2] : m.input_shape[1])};
}

// One output as a 2-D float image (drops the batch and a single channel).
cv::Mat output_image(const InferResult& r, size_t k, int h, int w) {
  const InferOutput& o = r.outputs.at(k);
  if (int64_t(o.data.size()) != int64_t(h) * w) fail("model output {} has {} values, expected {}x{}", k, o.data.size(), w, h);
  return cv::Mat(h, w, CV_32F, const_cast<float*>(o.data.data())).clone();
}

// ---- pixels ---------------------------------------------------------------------------------

static void check_planar_yuv8(const Frame& f, const char* who) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
  if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB) || !(d->flags & AV_PIX_FMT_FLAG_PLANAR) || d->nb_components < 3 ||
      d->comp[0].depth != 8)
    fail("{}: needs 8-bit planar YUV frames, got {}", who, d ? d->name : "?");
}

cv::Mat frame_to_bgr(const Frame& f, cv::Size size) { return frame_to_bgr(f, size, cv::Rect(0, 0, f.width(), f.height())); }

cv::Mat frame_to_bgr(const Frame& f, cv::Size size, cv::Rect area) {
  check_planar_yuv8(f, "perception");
  area &= cv::Rect(0, 0, f.width(), f.height());
  if (area.empty()) fail("perception: an empty area of the frame to convert");
  auto sized = [&](int plane) {
    cv::Mat whole = f.mat(plane), dst;
    // The area in this plane's pixels (chroma planes are smaller), outward to whole pixels.
    double sx = double(whole.cols) / f.width(), sy = double(whole.rows) / f.height();
    int x0 = int(std::floor(area.x * sx)), y0 = int(std::floor(area.y * sy));
    int x1 = std::min(whole.cols, int(std::ceil(area.br().x * sx))), y1 = std::min(whole.rows, int(std::ceil(area.br().y * sy)));
    cv::Mat src = whole(cv::Rect(x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0)));
    // Luma is averaged when shrinking; chroma (smooth, and at odd ratios, where OpenCV's area
    // resize takes its slow path: 8 % of a 720p matte) is interpolated.
    bool shrink = size.width < src.cols && size.height < src.rows;
    cv::resize(src, dst, size, 0, 0, shrink && plane == 0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    return dst;
  };
  cv::Mat y = sized(0), u = sized(1), v = sized(2);
  double kr = 0.299, kb = 0.114;  // BT.601, also FFmpeg's default for untagged video
  switch (f.av()->colorspace) {
    case AVCOL_SPC_BT709: kr = 0.2126, kb = 0.0722; break;
    case AVCOL_SPC_BT2020_NCL: case AVCOL_SPC_BT2020_CL: kr = 0.2627, kb = 0.0593; break;
    default: break;
  }
  bool full = f.av()->color_range == AVCOL_RANGE_JPEG || f.format() == AV_PIX_FMT_YUVJ420P ||
              f.format() == AV_PIX_FMT_YUVJ422P || f.format() == AV_PIX_FMT_YUVJ444P;
  float ys = full ? 1.f : 255.f / 219, yo = full ? 0.f : 16.f, cs = full ? 1.f : 255.f / 224;
  float rv = float(2 * (1 - kr)) * cs, bu = float(2 * (1 - kb)) * cs;
  float gu = float(-2 * (1 - kb) * kb / (1 - kr - kb)) * cs, gv = float(-2 * (1 - kr) * kr / (1 - kr - kb)) * cs;
  cv::Mat out(size, CV_8UC3);
  for (int r = 0; r < size.height; ++r) {
    const uint8_t *py = y.ptr(r), *pu = u.ptr(r), *pv = v.ptr(r);
    uint8_t* o = out.ptr(r);
    for (int c = 0; c < size.width; ++c) {
      float Y = (py[c] - yo) * ys, U = pu[c] - 128.f, V = pv[c] - 128.f;
      o[3 * c + 0] = cv::saturate_cast<uint8_t>(Y + bu * U);
      o[3 * c + 1] = cv::saturate_cast<uint8_t>(Y + gu * U + gv * V);
      o[3 * c + 2] = cv::saturate_cast<uint8_t>(Y + rv * V);
    }
  }
  return out;
}

cv::Mat luma_small(const Frame& f, cv::Size size) {
  cv::Mat y;
  cv::resize(f.mat(0), y, size, 0, 0, cv::INTER_AREA);
  return y;
}

cv::Mat texture_map(const cv::Mat& lightness) {
  cv::Mat L, gx, gy, tex;
  lightness.convertTo(L, CV_32F);
  cv::GaussianBlur(L, L, {0, 0}, 1.5);  // above the grain of a noisy or JPEG sky
  cv::Sobel(L, gx, CV_32F, 1, 0);
  cv::Sobel(L, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, tex);
  cv::blur(tex, tex, {5, 5});
  return tex;
}

}  // namespace omni

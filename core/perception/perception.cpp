#include "core/perception/perception.h"

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

namespace omni {

// ---- models ---------------------------------------------------------------------------------

static int g_threads = 0;
static std::string g_device;

void set_model_options(int threads, const std::string& device) {
  g_threads = threads;
  g_device = device;
}

static const TorchApi& models() {
  static std::once_flag once;
  const TorchApi& api = torch_api();
  std::call_once(once, [&] { api.configure(g_threads, g_device); });
  return api;
}

// The installed path, checked once per process (a missing model fails at the first frame with
// the fetch command; filters also check when they are created, before any frame).
static const std::string& model_file(const std::string& name) {
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

static cv::Size model_input_size(const ModelSpec& m) {
  if (m.input_shape.size() != 4) fail("model '{}': the manifest gives no 4-D input shape", m.name);
  bool nchw = m.layout == "NCHW";
  return {int(nchw ? m.input_shape[3] : m.input_shape[2]), int(nchw ? m.input_shape[2] : m.input_shape[1])};
}

// One output as a 2-D float image (drops the batch and a single channel).
static cv::Mat output_image(const InferResult& r, size_t k, int h, int w) {
  const InferOutput& o = r.outputs.at(k);
  if (int64_t(o.data.size()) != int64_t(h) * w) fail("model output {} has {} values, expected {}x{}", k, o.data.size(), w, h);
  return cv::Mat(h, w, CV_32F, const_cast<float*>(o.data.data())).clone();
}

// Side data memo: a result and the frame size it belongs to (a scale between filters makes it stale).
template <typename T>
struct Memo {
  int w = 0, h = 0;
  T value;
};

template <typename T>
static const T* memo_get(const Frame& f, const std::string& key) {
  auto* m = f.side().get<Memo<T>>(key);
  return m && m->w == f.width() && m->h == f.height() ? &m->value : nullptr;
}

template <typename T>
static void memo_set(Frame& f, const std::string& key, T value) {
  f.side_mut().set(key, Memo<T>{f.width(), f.height(), std::move(value)});
}

// ---- pixels ---------------------------------------------------------------------------------

static void check_planar_yuv8(const Frame& f, const char* who) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
  if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB) || !(d->flags & AV_PIX_FMT_FLAG_PLANAR) || d->nb_components < 3 ||
      d->comp[0].depth != 8)
    fail("{}: needs 8-bit planar YUV frames, got {}", who, d ? d->name : "?");
}

cv::Mat frame_to_bgr(const Frame& f, cv::Size size) {
  check_planar_yuv8(f, "perception");
  auto sized = [&](int plane) {
    cv::Mat src = f.mat(plane), dst;
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

static cv::Mat luma_small(const Frame& f, cv::Size size) {
  cv::Mat y;
  cv::resize(f.mat(0), y, size, 0, 0, cv::INTER_AREA);
  return y;
}

// ---- people ---------------------------------------------------------------------------------

std::string resolve_person_model(const std::string& model, int width, int height) {
  if (model != "auto") return model;
  return width * 3 > height * 4 ? "selfie-landscape" : "selfie";
}

cv::Mat person_probability(Frame& f, const std::string& model, int tiles) {
  std::string name = resolve_person_model(model, f.width(), f.height());
  tiles = std::clamp(tiles, 1, 4);
  std::string key = "perception/person/" + name + "/" + std::to_string(tiles);
  if (const cv::Mat* m = memo_get<cv::Mat>(f, key)) return *m;
  const ModelSpec& spec = find_model(name);
  if (spec.task != "person-segmentation") fail("model '{}' is not a person segmenter", name);
  cv::Size in = model_input_size(spec);
  auto run = [&](const cv::Mat& bgr) { return output_image(models().infer(name, model_file(name), bgr), 0, in.height, in.width); };
  cv::Mat p = run(frame_to_bgr(f, in));
  if (tiles > 1) {
    // People far from the camera are a few dozen pixels tall: the segmenter (trained on people
    // near it) misses them at 256 px for the whole frame. Overlapping tiles at a closer zoom
    // find them; the result is the maximum of the whole-frame and the tile answers.
    cv::Size big(in.width * tiles, in.height * tiles);
    cv::resize(p, p, big, 0, 0, cv::INTER_LINEAR);
    cv::Mat frame = frame_to_bgr(f, big);
    int tw = big.width * 5 / (4 * tiles + 1), th = big.height * 5 / (4 * tiles + 1);  // 25 % overlap
    for (int ty = 0; ty < tiles; ++ty)
      for (int tx = 0; tx < tiles; ++tx) {
        int x0 = tiles == 1 ? 0 : (big.width - tw) * tx / (tiles - 1), y0 = (big.height - th) * ty / (tiles - 1);
        cv::Rect r(x0, y0, tw, th);
        cv::Mat bgr;
        cv::resize(frame(r), bgr, in, 0, 0, cv::INTER_AREA);
        cv::Mat t;
        cv::resize(run(bgr), t, r.size(), 0, 0, cv::INTER_LINEAR);
        cv::Mat roi = p(r);
        cv::max(roi, t, roi);
      }
  }
  memo_set(f, key, p);
  return p;
}

static float sigmoidf(float x) { return 1.f / (1.f + std::exp(-std::clamp(x, -80.f, 80.f))); }

std::vector<PersonDetection> decode_pose_detections(const InferResult& r, int image_width, int image_height,
                                                    float min_score) {
  const std::vector<float>& raw = r.outputs.at(0).data;
  const std::vector<float>& scores = r.outputs.at(1).data;
  constexpr int kIn = 224;
  std::vector<cv::Point2f> anchors;
  const int strides[] = {8, 16, 32, 32, 32};
  for (int layer = 0; layer < 5;) {
    int last = layer, per_cell = 0;
    while (last < 5 && strides[last] == strides[layer]) per_cell += 2, ++last;
    int fm = (kIn + strides[layer] - 1) / strides[layer];
    for (int y = 0; y < fm; ++y)
      for (int x = 0; x < fm; ++x)
        for (int k = 0; k < per_cell; ++k) anchors.push_back({(x + 0.5f) / fm, (y + 0.5f) / fm});
    layer = last;
  }
  if (raw.size() != anchors.size() * 12 || scores.size() != anchors.size())
    fail("pose-detector: {} anchors for {} outputs", anchors.size(), scores.size());
  // Model px (letterboxed 224x224) → image px.
  auto ix = [&](float v) { return float((v * kIn - r.pad_x) / r.scale); };
  auto iy = [&](float v) { return float((v * kIn - r.pad_y) / r.scale); };
  std::vector<PersonDetection> dets;
  for (size_t i = 0; i < anchors.size(); ++i) {
    float s = sigmoidf(scores[i]);
    if (s < min_score) continue;
    const float* d = &raw[i * 12];
    float cx = d[0] / kIn + anchors[i].x, cy = d[1] / kIn + anchors[i].y, w = d[2] / kIn, h = d[3] / kIn;
    PersonDetection p;
    p.score = s;
    float x0 = ix(cx - w / 2), y0 = iy(cy - h / 2), x1 = ix(cx + w / 2), y1 = iy(cy + h / 2);
    p.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    for (int k = 0; k < 4; ++k) p.keypoints[k] = {ix(d[4 + 2 * k] / kIn + anchors[i].x), iy(d[5 + 2 * k] / kIn + anchors[i].y)};
    dets.push_back(p);
  }
  std::sort(dets.begin(), dets.end(), [](auto& a, auto& b) { return a.score > b.score; });
  auto iou = [](const cv::Rect2f& a, const cv::Rect2f& b) {
    float inter = (a & b).area(), u = a.area() + b.area() - inter;
    return u > 0 ? inter / u : 0.f;
  };
  // Weighted NMS: overlapping boxes are averaged by score (MediaPipe's "WEIGHTED" mode).
  std::vector<PersonDetection> kept;
  std::vector<bool> used(dets.size(), false);
  for (size_t i = 0; i < dets.size(); ++i) {
    if (used[i]) continue;
    PersonDetection acc = dets[i];
    cv::Point2f tl(0, 0), br(0, 0);
    std::array<cv::Point2f, 4> kp{};
    float wsum = 0;
    for (size_t j = i; j < dets.size(); ++j) {
      if (used[j] || iou(dets[i].box, dets[j].box) <= 0.3f) continue;
      used[j] = true;
      float w = dets[j].score;
      tl += w * dets[j].box.tl(), br += w * dets[j].box.br();
      for (int k = 0; k < 4; ++k) kp[k] += w * dets[j].keypoints[k];
      wsum += w;
    }
    acc.box = cv::Rect2f(tl / wsum, br / wsum);
    for (int k = 0; k < 4; ++k) acc.keypoints[k] = kp[k] / wsum;
    kept.push_back(acc);
  }
  (void)image_width, (void)image_height;
  return kept;
}

std::vector<PersonDetection> detect_people(Frame& f) {
  const std::string key = "perception/people";
  if (auto* m = memo_get<std::vector<PersonDetection>>(f, key)) return *m;
  // Aspect kept: the model letterboxes; hand it the frame at most 224 on the long side.
  double s = 224.0 / std::max(f.width(), f.height());
  cv::Size small(std::max(1, int(std::lround(f.width() * s))), std::max(1, int(std::lround(f.height() * s))));
  InferResult r = models().infer("pose-detector", model_file("pose-detector"), frame_to_bgr(f, small));
  auto dets = decode_pose_detections(r, small.width, small.height);
  float bx = float(f.width()) / small.width, by = float(f.height()) / small.height;
  for (auto& d : dets) {
    d.box = cv::Rect2f(d.box.x * bx, d.box.y * by, d.box.width * bx, d.box.height * by);
    for (auto& k : d.keypoints) k = {k.x * bx, k.y * by};
  }
  memo_set(f, key, dets);
  return dets;
}

// ---- pose -----------------------------------------------------------------------------------

namespace {

// One-Euro filter (Casiez et al. 2012): a low-pass whose cutoff rises with speed.
struct OneEuro {
  float min_cutoff = 0.5f, beta = 10.f, d_cutoff = 1.f;
  bool init = false;
  float x = 0, dx = 0;
  static float alpha(float cutoff, float dt) {
    float tau = 1.f / (2 * float(M_PI) * cutoff);
    return 1.f / (1.f + tau / dt);
  }
  // `scale`: the body's size in pixels; speed is judged in body sizes per second, so the filter
  // behaves the same near and far (the value itself stays in pixels: normalising it by a size
  // that changes every frame made the output jump).
  float operator()(float v, float dt, float scale) {
    if (!init) {
      init = true, x = v, dx = 0;
      return v;
    }
    float d = (v - x) / dt;
    dx += alpha(d_cutoff, dt) * (d - dx);
    x += alpha(min_cutoff + beta * std::fabs(dx) / scale, dt) * (v - x);
    return x;
  }
};

// A rotated square region of interest: centre, side, rotation (radians, image y down).
struct Roi {
  cv::Point2f c;
  float size = 0, angle = 0;
};

// MediaPipe's alignment: the ROI is centred on the hips, sized by the distance to the
// "full-body scale" point, rotated so that point is straight above, then enlarged 1.25x.
Roi roi_from(cv::Point2f hip, cv::Point2f scale_point) {
  Roi r;
  r.c = hip;
  cv::Point2f d = scale_point - hip;
  r.size = 2.f * std::sqrt(d.dot(d)) * 1.25f;
  // Rotation that maps the hip→scale vector to "up" (target angle 90°, MediaPipe's convention).
  float a = float(M_PI / 2) - std::atan2(-d.y, d.x);
  r.angle = a - 2 * float(M_PI) * std::floor((a + float(M_PI)) / (2 * float(M_PI)));
  return r;
}

// Affine map image → 256x256 crop of the ROI.
cv::Mat roi_affine(const Roi& r, int side) {
  float s = side / r.size, cs = std::cos(r.angle) * s, sn = std::sin(r.angle) * s;
  // crop = S * R(-angle) * (p - c) + side/2; R(-angle) undoes the ROI's rotation.
  cv::Mat m = (cv::Mat_<double>(2, 3) << cs, sn, 0, -sn, cs, 0);
  m.at<double>(0, 2) = side / 2.0 - (cs * r.c.x + sn * r.c.y);
  m.at<double>(1, 2) = side / 2.0 - (-sn * r.c.x + cs * r.c.y);
  return m;
}

}  // namespace

struct PoseTracker::State {
  std::string model;
  bool want_mask = false;
  bool tracking = false;
  Roi roi;
  int detector_runs = 0;
  Pose pose;
  std::array<OneEuro, 35 * 3> filters;  // 33 landmarks + the 2 that place the next region
};

PoseTracker::PoseTracker(std::string model, bool want_mask) : s_(std::make_unique<State>()) {
  s_->model = std::move(model);
  s_->want_mask = want_mask;
  model_file(s_->model);
  model_file("pose-detector");
}
PoseTracker::~PoseTracker() = default;
int PoseTracker::detector_runs() const { return s_->detector_runs; }

const Pose& PoseTracker::track(Frame& f) {
  State& s = *s_;
  const std::string key = "perception/pose/" + s.model;
  if (const Pose* p = memo_get<Pose>(f, key); p && (!s.want_mask || !p->mask.empty())) return s.pose = *p, s.pose;
  constexpr int kSide = 256;
  Pose out;
  bool detected = false;  // the detector runs at most once per frame
  for (int attempt = 0; attempt < 2 && !out.found; ++attempt) {
    if (!s.tracking) {
      if (detected) break;
      detected = true;
      ++s.detector_runs;
      auto dets = detect_people(f);
      if (dets.empty()) break;
      s.roi = roi_from(dets[0].keypoints[0], dets[0].keypoints[1]);
      s.tracking = true;
    }
    cv::Mat a = roi_affine(s.roi, kSide);
    // The crop comes from a BGR picture at a resolution near the ROI's (not the whole frame's).
    float down = std::min(1.f, 2.f * kSide / std::max(s.roi.size, 1.f));
    cv::Size small(std::max(1, int(f.width() * down)), std::max(1, int(f.height() * down)));
    cv::Mat bgr = frame_to_bgr(f, small), crop;
    cv::Mat a_small = a.clone();
    a_small.col(0) /= down, a_small.col(1) /= down;
    cv::warpAffine(bgr, crop, a_small, cv::Size(kSide, kSide), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    InferResult r = models().infer(s.model, model_file(s.model), crop);
    float presence = r.outputs.at(1).data.at(0);
    if (presence < 0.5f) {
      s.tracking = false;
      continue;
    }
    cv::Mat inv;
    cv::invertAffineTransform(a, inv);
    const std::vector<float>& lm = r.outputs.at(0).data;
    std::array<cv::Point2f, 39> pts;
    float px_per_crop = s.roi.size / kSide;
    for (int i = 0; i < 39; ++i) {
      float x = lm[i * 5], y = lm[i * 5 + 1];
      pts[i] = {float(inv.at<double>(0, 0) * x + inv.at<double>(0, 1) * y + inv.at<double>(0, 2)),
                float(inv.at<double>(1, 0) * x + inv.at<double>(1, 1) * y + inv.at<double>(1, 2))};
    }
    out.found = true;
    out.score = presence;
    float unit = std::max(s.roi.size, 1.f), dt = 1.f / 30;
    for (int i = 0; i < 33; ++i) {
      Landmark& l = out.landmarks[i];
      l.x = s.filters[i * 3](pts[i].x, dt, unit);
      l.y = s.filters[i * 3 + 1](pts[i].y, dt, unit);
      l.z = s.filters[i * 3 + 2](lm[i * 5 + 2] * px_per_crop, dt, unit);
      l.visibility = sigmoidf(lm[i * 5 + 3]);
      l.presence = sigmoidf(lm[i * 5 + 4]);
    }
    if (s.want_mask && r.outputs.size() > 2) {
      cv::Mat logits = output_image(r, 2, kSide, kSide), prob(kSide, kSide, CV_32F);
      for (int i = 0; i < kSide * kSide; ++i) prob.at<float>(i) = sigmoidf(logits.at<float>(i));
      cv::warpAffine(prob, out.mask, a, cv::Size(f.width(), f.height()), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                     cv::BORDER_CONSTANT, 0);
    }
    // Next frame's ROI from the auxiliary landmarks 33 (hip centre) and 34 (body scale), smoothed
    // like the others (as MediaPipe does): from the raw ones the region wobbles, and with it the
    // landmarks of a still person (measured: 3.3 px frame to frame).
    cv::Point2f aux[2];
    for (int k = 0; k < 2; ++k)
      aux[k] = {s.filters[(33 + k) * 3](pts[33 + k].x, dt, unit), s.filters[(33 + k) * 3 + 1](pts[33 + k].y, dt, unit)};
    s.roi = roi_from(aux[0], aux[1]);
  }
  if (!out.found) {
    s.tracking = false;
    for (auto& fl : s.filters) fl.init = false;
  }
  s.pose = out;
  memo_set(f, key, out);
  return s.pose;
}

// ---- salient objects ------------------------------------------------------------------------

// One object of the key frame's mask and its motion since then (2x3, key frame -> now).
struct SalientPart {
  cv::Mat key, total;
};

struct SalientTracker::State {
  int keyint = 30;
  std::string model;
  cv::Size work;
  cv::Mat prev_gray, prob;
  std::vector<SalientPart> parts;  // the key frame's objects and their motion since
  int since_key = 0, runs = 0;
  cv::Ptr<cv::DISOpticalFlow> dis;
};

SalientTracker::SalientTracker(int keyint, std::string model) : s_(std::make_unique<State>()) {
  s_->keyint = std::max(1, keyint);
  s_->model = std::move(model);
  model_file(s_->model);
  s_->dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
}
SalientTracker::~SalientTracker() = default;
int SalientTracker::model_runs() const { return s_->runs; }

// Working resolution: 384 px on the long side is enough to carry a mask; the refiner restores
// the frame's own edges.
static cv::Size work_size(int w, int h, int long_side) {
  double s = std::min(1.0, double(long_side) / std::max(w, h));
  return {std::max(8, int(std::lround(w * s))), std::max(8, int(std::lround(h * s)))};
}

// Rotation + scale + shift that best explains the flow at the set pixels of `where` (RANSAC);
// too few pixels: the mean flow there, or no motion.
static cv::Mat fit_motion(const cv::Mat& flow, const cv::Mat& where) {
  std::vector<cv::Point2f> from, to;
  for (int y = 0; y < where.rows; y += 2)
    for (int x = 0; x < where.cols; x += 2)
      if (where.at<uint8_t>(y, x)) {
        cv::Point2f f = flow.at<cv::Point2f>(y, x);
        from.emplace_back(float(x), float(y));
        to.emplace_back(x + f.x, y + f.y);
      }
  cv::Mat m;
  if (from.size() >= 12) m = cv::estimateAffinePartial2D(from, to, cv::noArray(), cv::RANSAC, 1.0);
  if (m.empty()) {
    cv::Scalar mean = cv::countNonZero(where) ? cv::mean(flow, where) : cv::Scalar(0, 0);
    m = (cv::Mat_<double>(2, 3) << 1, 0, mean[0], 0, 1, mean[1]);
  }
  return m;
}

static cv::Mat compose(const cv::Mat& a, const cv::Mat& b) {  // a after b, 2x3 each
  cv::Mat a3 = cv::Mat::eye(3, 3, CV_64F), b3 = cv::Mat::eye(3, 3, CV_64F);
  a.copyTo(a3.rowRange(0, 2));
  b.copyTo(b3.rowRange(0, 2));
  cv::Mat p = a3 * b3;
  return p.rowRange(0, 2).clone();
}

// The key frame's mask, split into its objects (each pixel goes to the nearest one), so objects
// moving apart (people crossing a street) each get their own motion. At most 8 parts: the
// smallest objects share the last.
static std::vector<SalientPart> split_parts(const cv::Mat& key) {
  std::vector<SalientPart> parts;
  cv::Mat outside = key <= 0.5f;
  if (cv::countNonZero(outside) == int(outside.total())) return parts;
  cv::Mat dist, labels;
  cv::distanceTransform(outside, dist, labels, cv::DIST_L2, 5, cv::DIST_LABEL_CCOMP);
  double maxl;
  cv::minMaxLoc(labels, nullptr, &maxl);
  std::vector<std::pair<int, int>> area;  // (pixels, label)
  for (int l = 1; l <= int(maxl); ++l) area.emplace_back(cv::countNonZero((labels == l) & ~outside), l);
  std::sort(area.rbegin(), area.rend());
  cv::Mat ident = (cv::Mat_<double>(2, 3) << 1, 0, 0, 0, 1, 0);
  for (size_t i = 0; i < area.size() && area[i].first > 0; ++i) {
    cv::Mat sel = labels == area[i].second;
    if (i >= 8) {
      key.copyTo(parts.back().key, sel);
      continue;
    }
    SalientPart p;
    p.key = cv::Mat::zeros(key.size(), CV_32F);
    key.copyTo(p.key, sel);
    p.total = ident.clone();
    parts.push_back(std::move(p));
  }
  return parts;
}

// Moves the key frame's mask onto `cur`: each object's motion is fitted (rotation, scale, shift)
// to the dense flow inside it, away from its edges, accumulated since the key frame, and the key
// frame's mask of that object is warped once. Both simpler designs measured worse on a disc moving
// 4 px/frame: warping the mask by the flow pixel by pixel (flow is smoothed across the moving edge,
// 2.4-3.5 px/frame there, so the edge lags: IoU 0.98 -> 0.60 after 30 frames), and re-warping the
// carried mask every frame (resampling blur: 0.85). Shape changes a fit cannot follow raise the
// residual and the caller runs the model again. `warped_prev` is prev moved the same way
// (background by its own fit), to measure how well that explains `cur`. Returns the worst mean
// residual (grey levels) around an object the fit does not explain: an average over all objects
// would let a well-explained lamp post hide a person whose mask stayed behind.
static double carry_mask(const cv::Mat& prev, const cv::Mat& cur, std::vector<SalientPart>& parts, cv::DISOpticalFlow& dis,
                         cv::Mat& carried, cv::Mat& warped_prev) {
  cv::Mat flow;
  dense_flow(dis, prev, cur, flow);
  cv::Size size = prev.size();
  auto disc = [](int d) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, {d, d}); };
  carried = cv::Mat::zeros(size, CV_32F);
  cv::Mat any = cv::Mat::zeros(size, CV_8U);
  std::vector<cv::Mat> before(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    cv::warpAffine(parts[i].key, before[i], parts[i].total, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    any |= before[i] > 0.5f;
  }
  cv::Mat near;
  cv::dilate(any, near, disc(15));
  cv::warpAffine(prev, warped_prev, fit_motion(flow, ~near), size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  for (size_t i = 0; i < parts.size(); ++i) {
    cv::Mat inner, now, region, moved;
    cv::erode(before[i] > 0.5f, inner, disc(7));
    cv::Mat m = fit_motion(flow, inner);
    parts[i].total = compose(m, parts[i].total);
    cv::warpAffine(parts[i].key, now, parts[i].total, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    cv::max(carried, now, carried);
    cv::dilate(now > 0.5f, region, disc(9));
    cv::warpAffine(prev, moved, m, size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    moved.copyTo(warped_prev, region);
  }
  // A walking person never fits a rigid motion exactly, so the residual alone would call every
  // step a failure (vtest: 15-45 grey levels on each new picture). An object counts as lost when
  // the fitted motion explains little more than no motion at all (a mask left behind, a merged
  // object moving two ways) and the residual is large.
  double worst = 0;
  cv::Mat err, still;
  cv::absdiff(warped_prev, cur, err);
  cv::absdiff(prev, cur, still);
  for (size_t i = 0; i < parts.size(); ++i) {
    cv::Mat region;
    cv::warpAffine(parts[i].key, region, parts[i].total, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    cv::dilate(region > 0.5f, region, disc(9));
    if (cv::countNonZero(region) < 16) continue;
    double fitted = cv::mean(err, region)[0], none = cv::mean(still, region)[0];
    if (fitted > 0.6 * none) worst = std::max(worst, fitted);
  }
  return worst;
}

cv::Mat SalientTracker::probability(Frame& f) {
  State& s = *s_;
  const std::string key = "perception/salient/" + s.model;
  if (const cv::Mat* m = memo_get<cv::Mat>(f, key)) return *m;
  cv::Size work = work_size(f.width(), f.height(), 384);
  cv::Mat gray = luma_small(f, work);
  bool key_frame = s.prob.empty() || work != s.work || ++s.since_key >= s.keyint;
  if (!key_frame) {
    cv::Mat carried, warped_gray;
    std::vector<SalientPart> parts = s.parts;
    for (auto& p : parts) p.total = p.total.clone();
    // How well the motion explains this frame: around each object (one changed shape or the fit
    // lost it) and over the whole frame (a cut).
    double local = carry_mask(s.prev_gray, gray, parts, *s.dis, carried, warped_gray);
    cv::Mat err;
    cv::absdiff(warped_gray, gray, err);
    double global = cv::mean(err)[0];
    // A cut re-runs the model at once; a lost object only after half the key interval, so
    // footage the fit never explains well (small walking people) does not fall back to running
    // the model on every frame (vtest at 720p: 0.7 fps with no limit, 2.8 with a third).
    if (global > 25 || (local > 14 && s.since_key >= s.keyint / 2)) key_frame = true;
    else s.prob = carried, s.parts = std::move(parts);
  }
  if (key_frame) {
    const ModelSpec& spec = find_model(s.model);
    cv::Size in = model_input_size(spec);
    InferResult r = models().infer(s.model, model_file(s.model), frame_to_bgr(f, in));
    cv::resize(output_image(r, 0, in.height, in.width), s.prob, work, 0, 0, cv::INTER_AREA);
    s.parts = split_parts(s.prob);
    s.since_key = 0;
    ++s.runs;
  }
  s.prev_gray = gray;
  s.work = work;
  memo_set(f, key, s.prob);
  return s.prob;
}

// ---- mattes ---------------------------------------------------------------------------------

// Guided filter regulariser for a [0,1] guide: edges weaker than ~0.03 in luma are smoothed over.
static constexpr double kEps = 1e-3;

// alpha(x) = 255 * (c0 + c1 * luma(x)) with c0, c1 bilinearly upsampled (cv::resize's pixel
// centres) from the working resolution, in one pass over the frame: the 720p matte used to take
// eight full-size float images and ~24 ms; this is one 8-bit image.
static cv::Mat upsample_affine(const cv::Mat& c0, const cv::Mat& c1, const cv::Mat& luma) {
  int W = luma.cols, H = luma.rows, w = c0.cols, h = c0.rows;
  std::vector<int> xi(W);
  std::vector<float> xf(W);
  for (int x = 0; x < W; ++x) {
    float sx = std::clamp((x + 0.5f) * w / W - 0.5f, 0.f, float(w - 1));
    xi[x] = std::min(int(sx), w - 2 < 0 ? 0 : w - 2);
    xf[x] = w > 1 ? sx - xi[x] : 0;
  }
  cv::Mat out(H, W, CV_8U);
  cv::parallel_for_(cv::Range(0, H), [&](const cv::Range& rows) {
    std::vector<float> r0(w), r1(w);
    for (int y = rows.start; y < rows.end; ++y) {
      float sy = std::clamp((y + 0.5f) * h / H - 0.5f, 0.f, float(h - 1));
      int y0 = std::min(int(sy), std::max(0, h - 2)), y1 = std::min(y0 + 1, h - 1);
      float fy = sy - y0;
      const float *a0 = c0.ptr<float>(y0), *a1 = c0.ptr<float>(y1), *b0 = c1.ptr<float>(y0), *b1 = c1.ptr<float>(y1);
      for (int x = 0; x < w; ++x) r0[x] = a0[x] + fy * (a1[x] - a0[x]), r1[x] = b0[x] + fy * (b1[x] - b0[x]);
      const uint8_t* l = luma.ptr<uint8_t>(y);
      uint8_t* o = out.ptr<uint8_t>(y);
      int xn = std::min(1, w - 1);
      for (int x = 0; x < W; ++x) {
        int i = xi[x];
        float t = xf[x];
        float v0 = r0[i] + t * (r0[i + xn] - r0[i]), v1 = r1[i] + t * (r1[i + xn] - r1[i]);
        float v = (v0 + v1 * l[x]) * 255.f;
        o[x] = uint8_t(std::clamp(v + 0.5f, 0.f, 255.f));
      }
    }
  });
  return out;
}

cv::Mat MatteRefiner::refine(const cv::Mat& probability, const Frame& f) {
  int W = f.width(), H = f.height();
  // Working size: the frame divided by a whole number (the first one that divides both sides and
  // brings the long side to <= 512), so shrinking the luma takes OpenCV's fast area path.
  int k = std::max(1, (std::max(W, H) + 511) / 512), k0 = k;
  while (k < 4 * k0 && (W % k || H % k)) ++k;
  if (W % k || H % k) k = k0;
  cv::Size work(std::max(8, W / k), std::max(8, H / k));
  cv::Mat I, P;
  luma_small(f, work).convertTo(I, CV_32F, 1 / 255.0);
  cv::resize(probability, P, work, 0, 0, probability.cols > work.width ? cv::INTER_AREA : cv::INTER_LINEAR);
  // Temporal smoothing where the picture is still; where it changed, the new mask wins at once.
  if (o_.smooth > 0 && prev_p_.size() == work) {
    cv::Mat diff, k;
    cv::absdiff(I, prev_i_, diff);
    cv::blur(diff, diff, {5, 5});
    k = diff * 12.0 + (1.0 - o_.smooth);
    cv::min(k, 1.0, k);
    P = prev_p_ + k.mul(P - prev_p_);
  }
  prev_p_ = P.clone();
  prev_i_ = I;
  // Soft ramp around the threshold: decisive inside and outside, gradual across.
  cv::Mat A = (P - o_.threshold) * (1.0 / std::max(o_.softness, 1e-3f)) + 0.5;
  cv::min(cv::max(A, 0.0), 1.0, A);
  // alpha = c0 + c1 * luma: with the guided filter's a, b and the band weight w (below),
  // c1 = w a and c0 = (1 - w) A + w b, so only two small maps go up to full resolution.
  cv::Mat c0 = A, c1 = cv::Mat::zeros(work, CV_32F);
  if (o_.refine > 0) {
    // Guided filter (He et al.), fast form: coefficients at the working resolution, applied
    // with the full-resolution luma, so edges follow the frame's own detail.
    int r = std::max(1, int(std::lround(o_.refine * double(work.width) / W)));
    cv::Size box(2 * r + 1, 2 * r + 1);
    cv::Mat mI, mP, mII, mIP;
    cv::blur(I, mI, box), cv::blur(A, mP, box), cv::blur(I.mul(I), mII, box), cv::blur(I.mul(A), mIP, box);
    cv::Mat var = mII - mI.mul(mI), cov = mIP - mI.mul(mP);
    cv::Mat a = cov / (var + kEps), b = mP - a.mul(mI);
    cv::blur(a, a, box), cv::blur(b, b, box);
    // Only the uncertain band around the edge is refined: inside and outside stay decided, so
    // the picture's texture does not leak into a solid matte (it costs stability and accuracy).
    cv::Mat band = (A > 0.02f) & (A < 0.98f), w;
    cv::dilate(band, band, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    band.convertTo(w, CV_32F, 1 / 255.0);
    cv::blur(w, w, box);
    c1 = w.mul(a) * (1 / 255.0);  // per luma code value
    c0 = (1 - w).mul(A) + w.mul(b);
  }
  cv::Mat alpha = upsample_affine(c0, c1, f.mat(0));
  if (o_.feather > 0) cv::GaussianBlur(alpha, alpha, {0, 0}, o_.feather);
  return alpha;
}

}  // namespace omni

// core/perception: people (the person segmenter, whole-frame and tiled; the pose detector decoded).
#include "core/perception/people.h"

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
  (void)image_width, (void)image_height;
  return weighted_nms(std::move(dets), 0.3f);
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

std::vector<PersonPose> decode_multipose(const InferResult& r, float min_score) {
  constexpr int kIn = 256;
  if (r.outputs.empty() || r.outputs[0].data.size() != 6 * 56) fail("movenet-multipose: expected 6 x 56 values");
  const auto& o = r.outputs[0].data;
  // Values are fractions of the (letterboxed) input, y before x.
  auto ix = [&](float v) { return float((double(v) * kIn - r.pad_x) / r.scale); };
  auto iy = [&](float v) { return float((double(v) * kIn - r.pad_y) / r.scale); };
  std::vector<PersonPose> out;
  for (int p = 0; p < 6; ++p) {
    const float* d = &o[size_t(p) * 56];
    if (d[55] < min_score) continue;
    PersonPose pp;
    pp.score = d[55];
    for (int k = 0; k < 17; ++k) pp.keypoints[size_t(k)] = {ix(d[3 * k + 1]), iy(d[3 * k]), d[3 * k + 2]};
    float y0 = iy(d[51]), x0 = ix(d[52]), y1 = iy(d[53]), x1 = ix(d[54]);
    pp.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    out.push_back(pp);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  return out;
}

std::vector<PersonPose> detect_poses(Frame& f) {
  const std::string key = "perception/multipose";
  if (auto* m = memo_get<std::vector<PersonPose>>(f, key)) return *m;
  double s = std::min(1.0, 512.0 / std::max(f.width(), f.height()));
  cv::Size small(std::max(1, int(std::lround(f.width() * s))), std::max(1, int(std::lround(f.height() * s))));
  InferResult r = models().infer("movenet-multipose", model_file("movenet-multipose"), frame_to_bgr(f, small));
  auto poses = decode_multipose(r);
  for (auto& p : poses) {
    p.box = cv::Rect2f(p.box.x / float(s), p.box.y / float(s), p.box.width / float(s), p.box.height / float(s));
    for (auto& k : p.keypoints) k = {k.x / float(s), k.y / float(s), k.z};
  }
  memo_set(f, key, poses);
  return poses;
}

}  // namespace omni

// core/perception: faces (see faces.h).
#include "core/perception/faces.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/perception/internal.h"
#include "core/perception/models.h"
#include "core/perception/objects.h"

namespace omni {

namespace {
constexpr int kDetIn = 128, kMeshIn = 192, kMeshPoints = 468, kIrisIn = 64, kEyePoints = 71;
}  // namespace

std::vector<FaceDetection> decode_face_detections(const InferResult& r, int image_width, int image_height, float min_score) {
  // Anchors: stride 8 (16x16 cells, 2 each) and stride 16 (8x8 cells, 6 each) = 896.
  std::vector<cv::Point2f> anchors;
  for (auto [fm, per] : {std::pair<int, int>{16, 2}, {8, 6}})
    for (int y = 0; y < fm; ++y)
      for (int x = 0; x < fm; ++x)
        for (int k = 0; k < per; ++k) anchors.push_back({(float(x) + 0.5f) / float(fm), (float(y) + 0.5f) / float(fm)});
  if (r.outputs.empty() || r.outputs[0].data.size() != anchors.size() * 17)
    fail("face-detector: expected {} x 17 values", anchors.size());
  const std::vector<float>& o = r.outputs[0].data;  // per anchor: score logit, then 16 regressors
  auto ix = [&](float v) { return float((double(v) * kDetIn - r.pad_x) / r.scale); };
  auto iy = [&](float v) { return float((double(v) * kDetIn - r.pad_y) / r.scale); };
  std::vector<FaceDetection> d;
  for (size_t i = 0; i < anchors.size(); ++i) {
    const float* a = &o[i * 17];
    float s = sigmoidf(a[0]);
    if (s < min_score) continue;
    float cx = a[1] / kDetIn + anchors[i].x, cy = a[2] / kDetIn + anchors[i].y, w = a[3] / kDetIn, h = a[4] / kDetIn;
    FaceDetection fd;
    fd.score = s;
    float x0 = ix(cx - w / 2), y0 = iy(cy - h / 2), x1 = ix(cx + w / 2), y1 = iy(cy + h / 2);
    fd.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    for (int k = 0; k < 6; ++k) fd.keypoints[size_t(k)] = {ix(a[5 + 2 * k] / kDetIn + anchors[i].x), iy(a[6 + 2 * k] / kDetIn + anchors[i].y)};
    d.push_back(fd);
  }
  (void)image_width, (void)image_height;
  return weighted_nms(std::move(d), 0.3f);
}

// The detector on one area of the frame (letterboxed to 128x128 by the model's pre-processing).
static void detect_in(const cv::Mat& bgr, cv::Rect area, float scale_back, std::vector<FaceDetection>& out) {
  area &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (area.width < 8 || area.height < 8) return;
  InferResult r = models().infer("face-detector", model_file("face-detector"), bgr(area));
  for (auto d : decode_face_detections(r, area.width, area.height)) {
    auto map = [&](cv::Point2f p) { return cv::Point2f((p.x + float(area.x)) * scale_back, (p.y + float(area.y)) * scale_back); };
    d.box = cv::Rect2f(map(d.box.tl()), map(d.box.br()));
    for (auto& k : d.keypoints) k = map(k);
    out.push_back(d);
  }
}

std::vector<FaceDetection> detect_faces(Frame& f) {
  const std::string key = "perception/face-detections";
  if (auto* m = memo_get<std::vector<FaceDetection>>(f, key)) return *m;
  float s = std::min(1.f, 1280.f / float(std::max(f.width(), f.height())));
  cv::Size work(std::max(1, int(std::lround(f.width() * s))), std::max(1, int(std::lround(f.height() * s))));
  cv::Mat bgr = frame_to_bgr(f, work);
  std::vector<FaceDetection> all;
  detect_in(bgr, cv::Rect(0, 0, work.width, work.height), 1 / s, all);
  // The short-range detector wants a face to fill a good part of its picture: people far from
  // the camera are looked at one by one, through the top of their box (a square as wide as it).
  for (const auto& p : detect_objects(f, 1, 0.4f)) {
    if (p.cls != 0) continue;
    // The head is at the top: a square of 0.6 of the box's shorter side, centred, from the top.
    float side = std::min(p.box.width, p.box.height) * 0.6f * s;
    if (side < 16) continue;
    cv::Rect area(int(p.box.x * s + p.box.width * s / 2 - side / 2), int(p.box.y * s - side * 0.1f), int(side), int(side));
    detect_in(bgr, area, 1 / s, all);
  }
  all = weighted_nms(std::move(all), 0.3f);
  memo_set(f, key, all);
  return all;
}

std::vector<FaceDetection> detect_faces_of(Frame& f, const cv::Rect2f& person) {
  const float side = std::min(person.width, person.height) * 0.6f;
  if (side < 16) return {};
  cv::Rect area(int(person.x + person.width / 2 - side / 2), int(person.y - side * 0.1f), int(side), int(side));
  area &= cv::Rect(0, 0, f.width(), f.height());
  if (area.width < 16 || area.height < 16) return {};
  const int n = 128;  // the detector's input: converted once, straight at that size
  const double k = double(std::max(area.width, area.height)) / n;
  cv::Mat bgr = frame_to_bgr(f, {std::max(1, int(std::lround(area.width / k))), std::max(1, int(std::lround(area.height / k)))}, area);
  std::vector<FaceDetection> out;
  detect_in(bgr, cv::Rect(0, 0, bgr.cols, bgr.rows), 1, out);
  const double sx = double(area.width) / bgr.cols, sy = double(area.height) / bgr.rows;
  for (auto& d : out) {
    auto map = [&](cv::Point2f p) { return cv::Point2f(float(area.x + p.x * sx), float(area.y + p.y * sy)); };
    d.box = cv::Rect2f(map(d.box.tl()), map(d.box.br()));
    for (auto& kp : d.keypoints) kp = map(kp);
  }
  return weighted_nms(std::move(out), 0.3f);
}

struct FaceTracker::State {
  int max_faces, redetect;
  bool iris = false;
  int runs = 0, next_id = 1;
  int64_t frame = 0;
  struct Track {
    Face face;
    Roi roi;
    std::vector<OneEuro> fx, fy, fz;
    std::array<OneEuro, 2 * 21 * 2> fi;  // iris and eyelid points, x and y
  };
  std::vector<Track> tracks;
  std::vector<Face> out;
};

FaceTracker::FaceTracker(int max_faces, int redetect, bool iris) : s_(std::make_unique<State>()) {
  s_->max_faces = max_faces;
  s_->redetect = std::max(1, redetect);
  s_->iris = iris;
  if (iris) model_file("iris");
}
FaceTracker::~FaceTracker() = default;
int FaceTracker::detector_runs() const { return s_->runs; }

// The face's region: centred between the detection's box, rotated so the eyes are level, 1.5x
// the box (MediaPipe's face landmark ROI).
static Roi roi_of(const FaceDetection& d) {
  Roi r;
  r.c = {d.box.x + d.box.width / 2, d.box.y + d.box.height / 2};
  r.size = std::max(d.box.width, d.box.height) * 1.5f;
  cv::Point2f e = d.keypoints[1] - d.keypoints[0];  // right eye -> left eye (image left to right)
  r.angle = std::atan2(e.y, e.x);
  return r;
}
static Roi roi_of(const std::vector<cv::Point3f>& mesh) {
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const auto& p : mesh) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  Roi r;
  r.c = {(x0 + x1) / 2, (y0 + y1) / 2};
  r.size = std::max(x1 - x0, y1 - y0) * 1.5f;
  cv::Point3f e = mesh[face_points::kLeftEyeOuter] - mesh[face_points::kRightEyeOuter];
  r.angle = std::atan2(e.y, e.x);
  return r;
}

// MediaPipe's iris model on one eye: a square 2.3x the corner-to-corner distance, level with the
// face, 64x64. The model knows the eye on the picture's left; the other eye goes in mirrored and
// its points come back mirrored (MediaPipe's iris graph does the same). `bgr` is the frame from
// `origin` on, scaled by `sc`; the points come back in frame pixels.
static void eye_points(const cv::Mat& bgr, float sc, cv::Point2f origin, const std::vector<cv::Point3f>& mesh, float angle, int e,
                       std::array<cv::Point2f, 5>& iris, std::array<cv::Point2f, 16>& lid) {
  const cv::Point3f a = mesh[size_t(face_points::kEyeContour[e][0])], b = mesh[size_t(face_points::kEyeContour[e][8])];
  Roi r;
  r.c = (cv::Point2f((a.x + b.x) / 2, (a.y + b.y) / 2) - origin) * sc;
  r.size = std::max(2.f, float(std::hypot(a.x - b.x, a.y - b.y)) * 2.3f * sc);
  r.angle = angle;
  cv::Mat m = roi_affine(r, kIrisIn), crop, inv;
  cv::warpAffine(bgr, crop, m, cv::Size(kIrisIn, kIrisIn), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  const bool mirror = e == 1;
  if (mirror) cv::flip(crop, crop, 1);
  cv::invertAffineTransform(m, inv);
  InferResult res = models().infer("iris", model_file("iris"), crop);
  if (res.outputs.empty() || res.outputs[0].data.size() != (kEyePoints + 5) * 3) fail("iris: expected {} values", (kEyePoints + 5) * 3);
  const auto& o = res.outputs[0].data;
  auto back = [&](int k) {
    float x = o[size_t(k) * 3], y = o[size_t(k) * 3 + 1];
    if (mirror) x = float(kIrisIn) - x;
    double X = inv.at<double>(0, 0) * x + inv.at<double>(0, 1) * y + inv.at<double>(0, 2);
    double Y = inv.at<double>(1, 0) * x + inv.at<double>(1, 1) * y + inv.at<double>(1, 2);
    return cv::Point2f(float(X) / sc + origin.x, float(Y) / sc + origin.y);
  };
  for (int k = 0; k < 16; ++k) lid[size_t(k)] = back(k);
  for (int k = 0; k < 5; ++k) iris[size_t(k)] = back(kEyePoints + k);
}

const std::vector<Face>& FaceTracker::track(Frame& f) {
  State& s = *s_;
  const int64_t t = s.frame++;
  const float dt = 1.f / 30;  // per frame, as the pose tracker: the filter's speed is in sizes per frame
  // (Re)detect: the first frame, every `redetect` frames, or when there is no face.
  if (t % s.redetect == 0 || s.tracks.empty()) {
    ++s.runs;
    for (const auto& d : detect_faces(f)) {
      Roi r = roi_of(d);
      bool known = false;
      for (auto& tr : s.tracks)
        if (cv::norm(tr.roi.c - r.c) < tr.roi.size * 0.3f) known = true;
      if (!known && int(s.tracks.size()) < s.max_faces) {
        State::Track tr;
        tr.face.id = s.next_id++;
        tr.roi = r;
        tr.fx.resize(kMeshPoints), tr.fy.resize(kMeshPoints), tr.fz.resize(kMeshPoints);
        s.tracks.push_back(std::move(tr));
      }
    }
  }
  cv::Mat bgr;
  float sc = 1;
  s.out.clear();
  for (auto it = s.tracks.begin(); it != s.tracks.end();) {
    State::Track& tr = *it;
    // The crop comes from a picture near the ROI's resolution, converted only around the ROI (its
    // rotated square's bounds), not the whole frame.
    sc = std::min(1.f, float(kMeshIn) * 3 / std::max(1.f, tr.roi.size));
    const float half = tr.roi.size * 0.75f;  // > side / sqrt(2)
    cv::Rect area(int(std::floor(tr.roi.c.x - half)), int(std::floor(tr.roi.c.y - half)), int(std::ceil(2 * half)) + 1,
                  int(std::ceil(2 * half)) + 1);
    area &= cv::Rect(0, 0, f.width(), f.height());
    if (area.width < 2 || area.height < 2) {
      it = s.tracks.erase(it);
      continue;
    }
    // The scale is set by whole pixels of the converted picture; the exact scale per axis follows.
    cv::Size small(std::max(1, int(std::lround(area.width * sc))), std::max(1, int(std::lround(area.height * sc))));
    bgr = frame_to_bgr(f, small, area);
    const float scx = float(small.width) / float(area.width), scy = float(small.height) / float(area.height);
    sc = (scx + scy) / 2;
    const cv::Point2f origin(float(area.x), float(area.y));
    Roi rs = tr.roi;
    rs.c = (rs.c - origin) * sc, rs.size *= sc;
    cv::Mat a = roi_affine(rs, kMeshIn), crop, inv;
    cv::warpAffine(bgr, crop, a, cv::Size(kMeshIn, kMeshIn), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::invertAffineTransform(a, inv);
    InferResult r = models().infer("facemesh", model_file("facemesh"), crop);
    if (r.outputs.size() < 2 || r.outputs[0].data.size() != kMeshPoints * 3) fail("facemesh: unexpected outputs");
    // This graph's face flag is a probability already (1.0 on Messi, 0.00006 on a sky): passed
    // through a sigmoid again it never fell below one half and a lost face was never dropped.
    float presence = r.outputs[1].data.at(0);
    if (presence < 0.5f) {
      it = s.tracks.erase(it);
      continue;
    }
    const auto& m = r.outputs[0].data;
    std::vector<cv::Point3f> mesh(kMeshPoints);
    float size = tr.roi.size;
    for (int k = 0; k < kMeshPoints; ++k) {
      float x = m[size_t(k) * 3], y = m[size_t(k) * 3 + 1], z = m[size_t(k) * 3 + 2];
      double X = inv.at<double>(0, 0) * x + inv.at<double>(0, 1) * y + inv.at<double>(0, 2);
      double Y = inv.at<double>(1, 0) * x + inv.at<double>(1, 1) * y + inv.at<double>(1, 2);
      float px = float(X) / sc + origin.x, py = float(Y) / sc + origin.y, pz = z * tr.roi.size / kMeshIn;
      mesh[size_t(k)] = {tr.fx[size_t(k)](px, dt, size), tr.fy[size_t(k)](py, dt, size), tr.fz[size_t(k)](pz, dt, size)};
    }
    tr.face.presence = presence;
    tr.face.mesh = mesh;
    if (s.iris) {
      const cv::Point3f el = mesh[face_points::kLeftEyeOuter] - mesh[face_points::kRightEyeOuter];
      const float eye_angle = std::atan2(el.y, el.x);
      for (int e = 0; e < 2; ++e) {
        eye_points(bgr, sc, origin, mesh, eye_angle, e, tr.face.iris[size_t(e)], tr.face.eye[size_t(e)]);
        // Smoothed like the mesh, speed judged in eye widths: in face sizes a 2 px/frame pan of a
        // 4x magnified face lagged 2.3 px.
        const auto& a = mesh[size_t(face_points::kEyeContour[e][0])];
        const auto& b = mesh[size_t(face_points::kEyeContour[e][8])];
        const float eye = std::max(1.f, float(std::hypot(a.x - b.x, a.y - b.y)));
        for (int k = 0; k < 21; ++k) {
          cv::Point2f& p = k < 5 ? tr.face.iris[size_t(e)][size_t(k)] : tr.face.eye[size_t(e)][size_t(k - 5)];
          size_t i = size_t((e * 21 + k) * 2);
          p = {tr.fi[i](p.x, dt, eye), tr.fi[i + 1](p.y, dt, eye)};
        }
      }
      tr.face.has_iris = true;
    }
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    for (const auto& p : mesh) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    tr.face.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    tr.roi = roi_of(mesh);
    s.out.push_back(tr.face);
    ++it;
  }
  memo_set(f, "perception/faces", s.out);
  return s.out;
}

}  // namespace omni

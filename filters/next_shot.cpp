// next-shot: the next shot of the same scene — closer, wider, re-framed for another shape, cut
// between framings, or carried on past the end. A virtual camera over the pixels the video has
// (no generative model): the subject is found and tracked (core/perception), the camera's path is
// L1-optimal over a look-ahead window (core/image/camera_path), and the picture is the crop drawn
// at the output size (core/image/crop_zoom). `continue` carries the last second's camera motion
// (core/image/camera_motion) on over the last frame, its new borders inpainted (core/image/video_fill).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
#include <libavutil/parseutils.h>
}

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/image/camera_motion.h"
#include "core/image/camera_path.h"
#include "core/image/convert.h"
#include "core/image/crop_zoom.h"
#include "core/image/video_fill.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"
#include "core/perception/perception.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"shot", "reframe (the largest crop of the output's shape that keeps the subject: with aspect=), closeup (head and "
             "shoulders), medium (waist up), wide (the whole subject with room), cut (cuts between shots=), continue (the clip, "
             "then its last camera move carried on for duration= seconds)",
     OptType::Enum, "reframe", 0, 0, "reframe|closeup|medium|wide|cut|continue"},
    {"target", "the subject: person (a person found by the object detector; their face for a closeup) or salient (the most "
               "salient object)", OptType::Enum, "person", 0, 0, "person|salient"},
    {"who", "person: which of several: largest, left, right, center, a rank by size (1 = largest) or id=N; chosen at the "
            "start and at each cut, then followed", OptType::String, "largest"},
    {"aspect", "the output's shape as width/height (9/16, 1/1, 4/5, 2.39); 0: the input's", OptType::String, "0"},
    {"s", "output size WxH (default: the largest crop of that shape, or the input's size)", OptType::String, ""},
    {"pad", "let the crop leave the picture (black there) rather than lose the subject", OptType::Bool, "0"},
    {"shots", "cut: the framings to cut between, in turn (reframe, closeup, medium, wide)", OptType::String, "wide|closeup"},
    {"every", "cut: seconds a shot lasts (0: cut only where the clip cuts)", OptType::Duration, "3", 0, 3600},
    {"duration", "continue: seconds added after the last frame", OptType::Duration, "3", 0.01, 600},
    {"lookahead", "seconds of video the camera sees ahead of the frame it frames (that many frames are held)", OptType::Duration,
     "2", 0.1, 20},
    {"maxzoom", "the most the camera zooms in (the crop is at least 1/maxzoom of the picture's height)", OptType::Float, "4",
     1, 16},
    {"sharpen", "unsharp mask on zoomed-in pictures (0: none)", OptType::Float, "0.4", 0, 3},
    {"model", "a super-resolution network from the model manifest (task super-resolution, TorchScript or ONNX) that the "
              "crop goes through before its final resize, instead of the unsharp mask; empty: Lanczos-3 alone",
     OptType::String, ""},
    {"path", "write the camera's path to this file: a line a frame, 'n t x y w h hx hy' (the crop in input pixels, and the "
             "subject's head or centre as the tracker saw it in that frame, -1 -1 when none)", OptType::String, ""},
};

enum Shot { kReframe, kCloseup, kMedium, kWide, kCut, kContinue };
const char* const kShotNames[] = {"reframe", "closeup", "medium", "wide", "cut", "continue"};

// What the analysis saw in one frame.
struct Obs {
  int segment = 0;        // frames of one segment share a path: a new one at a cut, and at each shot change of cut=
  int shot = kReframe;    // the framing of this frame
  bool subject = false;   // body is set
  bool measured = false;  // by a detector run on this frame (else carried by the tracker)
  cv::Rect2d body;        // the person's box, or the salient object's bounds
  bool face = false;      // face is set
  cv::Rect2d face_box;
  cv::Point2d centre;     // salient: the mask's centroid; person: the body box's centre
};

// The crop of one frame: centre and height (width = height * aspect).
struct Crop {
  double x = 0, y = 0, h = 0;
};

class NextShot : public Filter {
 public:
  explicit NextShot(const OptionValues& o)
      : shot_(int(o.i("shot"))), salient_(o.i("target") == 1), who_(o.s("who")), pad_(o.b("pad")), every_(o.f("every")),
        duration_(o.f("duration")), lookahead_(o.f("lookahead")), maxzoom_(o.f("maxzoom")), sharpen_(o.f("sharpen")) {
    check_who(who_);
    if (salient_ && o.was_set("who")) fail("next-shot: who= chooses among people; target=salient follows the one most salient object");
    const std::string& a = o.s("aspect");
    if (a != "0") {
      AVRational r{0, 1};
      if (av_parse_ratio(&r, a.c_str(), 10000, 0, nullptr) < 0 || r.num <= 0 || r.den <= 0)
        fail("next-shot: aspect={} is not a shape; use width/height like 9/16, 1/1 or 2.39", a);
      aspect_ = av_q2d(r);
      if (aspect_ < 0.1 || aspect_ > 10) fail("next-shot: aspect={} is out of range [1/10, 10]", a);
    }
    if (!o.s("s").empty() && av_parse_video_size(&out_w_, &out_h_, o.s("s").c_str()) < 0)
      fail("next-shot: s={} is not a size; use WxH or a size name like hd720", o.s("s"));
    if (shot_ == kCut) {
      std::string list = o.s("shots");
      for (size_t at = 0; at <= list.size();) {
        size_t bar = std::min(list.find('|', at), list.size());
        std::string name = list.substr(at, bar - at);
        int k = -1;
        for (int i = 0; i < 4; ++i)
          if (name == kShotNames[i]) k = i;
        if (k < 0) fail("next-shot: shots={}: '{}' is not a framing; use reframe, closeup, medium or wide, joined by |", list, name);
        shots_.push_back(k);
        at = bar + 1;
      }
      if (shots_.size() < 2 && every_ > 0) fail("next-shot: shots={} names one framing; cut needs two or more (shots=wide|closeup)", list);
    } else {
      for (const char* opt : {"shots", "every"})
        if (o.was_set(opt)) fail("next-shot: {}= goes with shot=cut", opt);
    }
    if (shot_ != kContinue && o.was_set("duration")) fail("next-shot: duration= goes with shot=continue");
    model_ = o.s("model");
    if (!model_.empty()) {
      if (shot_ == kContinue) fail("next-shot: model= draws a crop larger; continue does not crop");
      const auto& m = find_model(model_);
      if (m.task != "super-resolution") fail("next-shot: model={} is a {} model, not super-resolution", model_, m.task);
      require_model(model_);
    }
    if (shot_ == kContinue) {
      for (const char* opt : {"aspect", "s", "target", "who", "pad"})
        if (o.was_set(opt)) fail("next-shot: continue carries the camera on over the whole picture; {}= does not go with it", opt);
    } else if (salient_) {
      require_model("isnet");
    } else {
      for (const char* m : {"nanodet", "movenet-multipose", "face-detector"}) require_model(m);
    }
    if (!o.s("path").empty()) {
      path_file_ = std::fopen(o.s("path").c_str(), "w");
      if (!path_file_) fail("next-shot: path={}: cannot write it", o.s("path"));
      std::fprintf(path_file_, "# next-shot %s: n t x y w h hx hy (crop and subject in input pixels)\n", kShotNames[shot_]);
    }
  }

  ~NextShot() override {
    if (path_file_) std::fclose(path_file_);
    if (emitted_ > 0 && shot_ != kContinue) {
      std::vector<double> hs = crop_heights_;
      std::nth_element(hs.begin(), hs.begin() + hs.size() / 2, hs.end());
      const double h = hs[hs.size() / 2], zoom = out_h_ / h;
      av_log(nullptr, AV_LOG_VERBOSE,
             "next-shot: %s: %lld frames, %d segments, the subject seen in %.0f%% of them (%d detector runs); median crop "
             "%.0fx%.0f of the input for %dx%d out (%.2fx zoom: %s)\n",
             kShotNames[shot_], (long long)emitted_, segments_ + 1, 100.0 * seen_ / double(emitted_),
             tracker_ ? tracker_->detector_runs() : 0, h * crop_aspect_, h, out_w_,
             out_h_, zoom,
             zoom > 1.05 ? fmt::format("the detail of a {:.0f}x{:.0f} picture", h * crop_aspect_, h).c_str() : "no upscaling");
    }
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    W_ = in.width, H_ = in.height;
    fps_ = in.frame_rate.num > 0 ? av_q2d(in.frame_rate) : 30;
    time_base_ = in.time_base;
    frame_rate_ = in.frame_rate;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(in.format);
    sub_x_ = 1 << d->log2_chroma_w, sub_y_ = 1 << d->log2_chroma_h;
    StreamInfo out = in;
    if (shot_ == kContinue) return out;
    // The crop is drawn at one scale both ways, so the pixels keep their shape (the input's sample
    // aspect ratio) and aspect= is the picture's shape as shown: anamorphic pixels counted in.
    const double sar = in.sample_aspect_ratio.num > 0 && in.sample_aspect_ratio.den > 0 ? av_q2d(in.sample_aspect_ratio) : 1;
    if (out_w_ > 0) {
      if (aspect_ > 0 && std::abs(double(out_w_) * sar / out_h_ / aspect_ - 1) > 0.02)
        fail("next-shot: s={}x{} is not of aspect {:.4g}; give one of them", out_w_, out_h_, aspect_);
    } else if (aspect_ > 0) {
      // The largest crop of that shape, at the input's scale.
      double w = H_ * aspect_ / sar, h = H_;
      if (w > W_) w = W_, h = W_ * sar / aspect_;
      out_w_ = std::max(2, int(std::lround(w / 2)) * 2), out_h_ = std::max(2, int(std::lround(h / 2)) * 2);
    } else {
      out_w_ = W_, out_h_ = H_;
    }
    crop_aspect_ = double(out_w_) / out_h_;
    max_h_ = std::min(double(H_), W_ / crop_aspect_);
    min_h_ = max_h_ / maxzoom_;
    look_ = std::max(2, int(std::lround(lookahead_ * fps_)));
    step_ = std::max(1, look_ / 4);
    detect_every_ = std::max(1, int(std::lround(fps_ / 2)));
    // The analysis runs up to 4 frames ahead of the camera: a detector frame costs many times
    // the others, and with one frame in flight the two threads would wait for each other in turn.
    pipe_.set_depth(4);
    out.width = out_w_, out.height = out_h_;
    return out;
  }

  int window() const override {
    if (shot_ == kContinue) return 0;
    return look_ + step_ + pipe_.depth();
  }

  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    if (shot_ == kContinue) return pass(std::move(in), emit);
    pipe_.push(std::move(in));
  }

  void flush(const Emit& emit) override {
    emit_ = &emit;
    if (shot_ == kContinue) return carry_on(emit);
    pipe_.flush();
    // The clip's last frame measured too (the worker is done, its tracker idle): past the last
    // detection the path would otherwise have only the tracker's guess to end on.
    if (!salient_ && tracker_ && !held_.empty() && !held_.back().obs.measured) {
      Held& last = held_.back();
      Obs o;
      o.segment = last.obs.segment, o.shot = last.obs.shot;
      observe_person(last.frame, o, true, analysed_ - 1);
      if (o.subject) last.obs = o;
    }
    while (!held_.empty()) solve_and_emit(int(held_.size()));
  }

 private:
  // ---- analysis (worker thread, every frame in order) ----
  void analyse(Frame& f, Obs& o) {
    const int64_t t = analysed_++;
    cv::Mat thumb;
    cv::resize(f.mat(0), thumb, {64, 36}, 0, 0, cv::INTER_AREA);
    bool cut = false;
    if (!prev_thumb_.empty()) {
      cv::Mat d;
      cv::absdiff(thumb, prev_thumb_, d);
      cut = cv::mean(d)[0] > 30;
    }
    prev_thumb_ = thumb;
    if (cut) {
      ++scene_cuts_;
      if (tracker_) tracker_->reset();
      locked_ = -1, rel_face_.reset(), measured_at_ = -1, fast_ = true;
    }
    const double time = t / fps_;
    if (t == 0) seg_start_ = time;
    if (cut || (shot_ == kCut && every_ > 0 && time - seg_start_ >= every_ - 0.5 / fps_)) {
      ++segment_, seg_start_ = time;
      if (shot_ == kCut) ++shot_index_;
    }
    o.segment = segment_;
    o.shot = shot_ == kCut ? shots_[shot_index_ % shots_.size()] : shot_;
    if (salient_) return analyse_salient(f, o);

    // People every second while the subject moves less than a third of its height a second, else
    // every half second: the path looks ahead, so between two detections it has both and draws
    // the line between them (the tracker's extrapolation only past the last one). No
    // multi-person pose network: what NanoDet misses is rarely the one person a shot is about.
    if (!tracker_) tracker_ = std::make_unique<ObjectTracker>(std::vector<int>{0}, detect_every_, 1, 0.35f, 3, 0);
    const bool due = cut || last_detect_ < 0 || t - last_detect_ >= (fast_ ? detect_every_ : 2 * detect_every_);
    observe_person(f, o, due, t);
  }

  // The followed person in this frame: the tracker's box (measured when the detector ran) and
  // their face. `t`: the frame's index (the same one again at the end, see flush()).
  void observe_person(Frame& f, Obs& o, bool detect, int64_t t) {
    const int runs = tracker_->detector_runs();
    std::vector<Detection> tracks = tracker_->track(f, detect);
    const bool detected = tracker_->detector_runs() != runs;
    const Detection* me = nullptr;
    for (const auto& d : tracks)
      if (d.track == locked_) me = &d;
    if (!me && !tracks.empty()) {
      std::vector<Detection> pick = choose(tracks, who_, f.width());
      if (!pick.empty()) {
        locked_ = pick[0].track, rel_face_.reset();
        for (const auto& d : tracks)
          if (d.track == locked_) me = &d;
      }
    }
    if (detected) last_detect_ = t;
    if (!me) return;
    o.subject = true;
    o.measured = detected;
    o.body = cv::Rect2d(me->box.x, me->box.y, me->box.width, me->box.height);
    o.centre = (o.body.tl() + o.body.br()) * 0.5;
    if (detected) {
      if (measured_at_ >= 0 && t > measured_at_ && o.body.height > 0)
        fast_ = cv::norm(o.centre - measured_centre_) / o.body.height / ((t - measured_at_) / fps_) > 1 / 3.0;
      measured_at_ = t, measured_centre_ = o.centre;
    }
    // The face: looked for when the detector ran, kept in the body box's own coordinates between.
    if (detected) {
      const std::vector<FaceDetection> faces = detect_faces_of(f, me->box);
      const FaceDetection* best = nullptr;
      for (const auto& fd : faces) {
        const cv::Point2d c(fd.box.x + fd.box.width / 2, fd.box.y + fd.box.height / 2);
        if (c.x < o.body.x || c.x > o.body.br().x || c.y < o.body.y || c.y > o.body.y + o.body.height * 0.6) continue;
        if (!best || fd.box.area() > best->box.area()) best = &fd;
      }
      if (best)
        rel_face_ = cv::Rect2d((best->box.x - o.body.x) / o.body.width, (best->box.y - o.body.y) / o.body.height,
                               best->box.width / o.body.width, best->box.height / o.body.height);
    }
    o.face = bool(rel_face_);
    if (rel_face_)
      o.face_box = cv::Rect2d(o.body.x + rel_face_->x * o.body.width, o.body.y + rel_face_->y * o.body.height,
                              rel_face_->width * o.body.width, rel_face_->height * o.body.height);
  }

  void analyse_salient(Frame& f, Obs& o) {
    if (!salient_tracker_) salient_tracker_ = std::make_unique<SalientTracker>(30);
    cv::Mat p = salient_tracker_->probability(f);
    cv::Mat on = p > 0.5f;
    const cv::Moments m = cv::moments(on, true);
    if (m.m00 < 0.002 * on.total()) return;
    const double sx = double(f.width()) / p.cols, sy = double(f.height()) / p.rows;
    const cv::Rect b = cv::boundingRect(on);
    o.subject = o.measured = true;
    o.body = cv::Rect2d(b.x * sx, b.y * sy, b.width * sx, b.height * sy);
    o.centre = cv::Point2d((m.m10 / m.m00 + 0.5) * sx, (m.m01 / m.m00 + 0.5) * sy);
  }

  // ---- the camera (this thread) ----
  void analysed(Frame& f, Obs& o) {
    held_.push_back({std::move(f), o});
    while (int(held_.size()) >= look_ + step_) solve_and_emit(step_);
  }

  // Where the shot wants the camera for one frame, and how far it may stray: the crop's height,
  // then (given the height) the centre's bounds and target on each axis.
  struct Want {
    double h, h_lo, h_hi;
    bool seen;
    cv::Point2d head, goal;  // the point that must stay in the middle of the picture; where the centre should be
  };

  Want want(const Obs& o, const std::optional<Crop>& fallback) const {
    Want w{};
    w.seen = o.subject;
    if (!o.subject) {  // nothing to frame: the last crop, or the whole picture
      const Crop c = fallback.value_or(Crop{W_ / 2.0, H_ / 2.0, max_h_});
      w.h = w.h_lo = w.h_hi = c.h;
      w.head = w.goal = {c.x, c.y};
      return w;
    }
    const cv::Rect2d& b = o.body;
    const double obj = std::max(b.height, b.width / crop_aspect_);  // salient: the object's size in crop heights
    w.head = o.face ? (o.face_box.tl() + o.face_box.br()) * 0.5 : salient_ ? o.centre : cv::Point2d(o.centre.x, b.y + 0.1 * b.height);
    double h = max_h_;
    switch (o.shot) {
      case kCloseup: h = o.face ? 3.2 * o.face_box.height : salient_ ? 1.3 * obj : 0.42 * b.height; break;
      case kMedium: h = salient_ ? 1.9 * obj : 0.7 * b.height; break;
      case kWide: h = salient_ ? 2.6 * obj : 1.35 * b.height; break;
      default: break;
    }
    w.h = std::clamp(h, min_h_, max_h_);
    if (o.shot == kReframe) w.h_lo = w.h_hi = w.h;
    else w.h_lo = std::max(min_h_, 0.85 * w.h), w.h_hi = std::min(max_h_, 1.15 * w.h);
    // The composition, for a crop of height h: the face a little above the centre in a closeup,
    // the head on the upper third line in a medium shot, the whole body centred otherwise.
    const cv::Point2d body_c = salient_ ? o.centre : (b.tl() + b.br()) * 0.5;
    switch (o.shot) {
      case kCloseup: w.goal = {w.head.x, w.head.y + 0.1 * w.h}; break;
      case kMedium: w.goal = {w.head.x, w.head.y + 0.17 * w.h}; break;
      default: w.goal = body_c; break;
    }
    return w;
  }

  // The centre's bounds on one axis for a crop `extent` wide in a picture `size` wide: inside the
  // picture (unless pad=1), and the head inside the middle half of the crop where the picture allows.
  std::pair<double, double> bounds(double head, double extent, double size, bool seen) const {
    double flo = extent / 2, fhi = size - extent / 2;
    if (pad_) flo = -1e9, fhi = 1e9;
    if (flo > fhi) flo = fhi = size / 2;
    if (!seen) return {flo, fhi};
    const double slo = head - 0.25 * extent, shi = head + 0.25 * extent;
    double lo = std::max(flo, slo), hi = std::min(fhi, shi);
    if (lo > hi) lo = hi = std::clamp(head, flo, fhi);  // the picture wins: no black borders
    return {lo, hi};
  }

  // Solves the path of the first held segment over everything held of it, and shows up to `count` frames.
  void solve_and_emit(int count) {
    const int seg = held_.front().obs.segment;
    int n = 0;
    while (n < int(held_.size()) && held_[n].obs.segment == seg) ++n;
    const bool joined = seg == last_segment_ && !shown_.empty();
    std::optional<Crop> fallback;
    if (joined) fallback = shown_.back();
    // Observations between detections are interpolated (a frame with no subject between two
    // with one gets the line between them; at the ends the nearest).
    std::vector<Obs> obs(n);
    for (int i = 0; i < n; ++i) obs[i] = held_[i].obs;
    interpolate(obs);
    std::vector<Want> wants(n);
    for (int i = 0; i < n; ++i) wants[i] = want(obs[i], fallback);

    auto before = [&](auto get) {
      std::vector<double> v;
      if (joined)
        for (const Crop& c : shown_) v.push_back(get(c));
      return v;
    };
    PathProblem ph;
    for (const Want& w : wants) ph.lo.push_back(w.h_lo), ph.hi.push_back(w.h_hi), ph.target.push_back(w.h), ph.pull.push_back(1);
    const std::vector<double> h = solve_path(ph, {}, before([](const Crop& c) { return c.h; }));
    PathProblem px, py;
    for (int i = 0; i < n; ++i) {
      const Want& w = wants[i];
      auto [xl, xh] = bounds(w.head.x, h[i] * crop_aspect_, W_, w.seen);
      auto [yl, yh] = bounds(w.head.y, h[i], H_, w.seen);
      px.lo.push_back(xl), px.hi.push_back(xh), px.target.push_back(std::clamp(w.goal.x, xl, xh)), px.pull.push_back(1);
      py.lo.push_back(yl), py.hi.push_back(yh), py.target.push_back(std::clamp(w.goal.y, yl, yh)), py.pull.push_back(1);
    }
    const std::vector<double> x = solve_path(px, {}, before([](const Crop& c) { return c.x; }));
    const std::vector<double> y = solve_path(py, {}, before([](const Crop& c) { return c.y; }));

    const int k = std::min(count, n);
    for (int i = 0; i < k; ++i) {
      Held item = std::move(held_.front());
      held_.pop_front();
      const Crop c{x[i], y[i], h[i]};
      if (last_segment_ != seg) shown_.clear(), segments_ += last_segment_ >= 0;
      last_segment_ = seg;
      shown_.push_back(c);
      if (shown_.size() > 3) shown_.pop_front();
      // The path file's subject: what the tracker saw in this frame, before the interpolation.
      const Want raw = want(item.obs, fallback);
      show(item.frame, c, wants[i].seen, raw.seen ? raw.head : cv::Point2d(-1, -1));
    }
  }

  // Between two frames the detector measured, the line between them (the tracker's
  // extrapolation in between would jump at the second); before the first, what the tracker
  // carried; where nothing was seen, the nearest frame that saw the subject.
  static void interpolate(std::vector<Obs>& obs) {
    const int n = int(obs.size());
    int prev = -1;
    for (int i = 0; i < n; ++i) {
      if (!obs[i].measured) continue;
      if (prev >= 0)
        for (int j = prev + 1; j < i; ++j) {
          const double a = double(j - prev) / (i - prev);
          const Obs &p = obs[prev], &q = obs[i];
          copy_subject(p, obs[j]);
          obs[j].body = mix(p.body, q.body, a);
          obs[j].centre = p.centre * (1 - a) + q.centre * a;
          obs[j].face = p.face && q.face;
          if (obs[j].face) obs[j].face_box = mix(p.face_box, q.face_box, a);
        }
      prev = i;
    }
    // Past the last measurement the last measurement holds: the tracker's extrapolation drifted
    // 60 px past a subject that had stopped (these frames are solved again when the next
    // detection arrives, except at the clip's end, where flush() measures the last frame).
    if (prev >= 0)
      for (int j = prev + 1; j < n; ++j) copy_subject(obs[prev], obs[j]);
    int last = -1;
    for (int i = 0; i < n; ++i)
      if (obs[i].subject) last = i;
      else if (last >= 0) copy_subject(obs[last], obs[i]);
    last = -1;
    for (int i = n - 1; i >= 0; --i)
      if (obs[i].subject) last = i;
      else if (last >= 0) copy_subject(obs[last], obs[i]);
  }
  static void copy_subject(const Obs& from, Obs& to) {
    to.subject = from.subject, to.body = from.body, to.face = from.face, to.face_box = from.face_box, to.centre = from.centre;
  }
  static cv::Rect2d mix(const cv::Rect2d& a, const cv::Rect2d& b, double t) {
    return {a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.width + (b.width - a.width) * t, a.height + (b.height - a.height) * t};
  }

  void show(Frame& in, const Crop& c, bool seen, cv::Point2d head) {
    const double cw = c.h * crop_aspect_;
    const cv::Rect2d r(c.x - cw / 2, c.y - c.h / 2, cw, c.h);
    // The whole picture at its own size (a wide shot that holds all of it): the frame itself.
    const bool whole = out_w_ == W_ && out_h_ == H_ && std::abs(r.x) < 1e-3 && std::abs(r.y) < 1e-3 &&
                       std::abs(r.width - W_) < 1e-3 && std::abs(r.height - H_) < 1e-3;
    Frame out = whole ? std::move(in) : Frame::alloc(out_w_, out_h_, in.format());
    if (!whole) out.copy_props_from(in);
    const bool full = out.av()->color_range == AVCOL_RANGE_JPEG;
    const double zoom = out_h_ / c.h;
    if (!whole && !model_.empty()) {
      upscale(in, r, out);
    } else if (!whole) {
      for (int p = 0; p < 3; ++p) {
        const double sx = p ? sub_x_ : 1, sy = p ? sub_y_ : 1;
        cv::Mat dst = out.mat(p);
        const int black = !pad_ ? -1 : p ? 128 : full ? 0 : 16;
        zoom_region(in.mat(p), cv::Rect2d(r.x / sx, r.y / sy, r.width / sx, r.height / sy), dst, black);
      }
      if (sharpen_ > 0 && zoom > 1.05) {
        cv::Mat y = out.mat(0);
        unsharp(y, sharpen_ * std::min(1.0, (zoom - 1) / 0.5), std::clamp(0.5 * zoom, 0.7, 2.5));
      }
    }
    if (path_file_) {
      const double t = out.pts() == AV_NOPTS_VALUE ? emitted_ / fps_ : out.pts() * av_q2d(time_base_);
      std::fprintf(path_file_, "%lld %.6f %.3f %.3f %.3f %.3f %.2f %.2f\n", (long long)emitted_, t, r.x, r.y, r.width, r.height, head.x, head.y);
    }
    crop_heights_.push_back(c.h);
    seen_ += seen;
    ++emitted_;
    (*emit_)(std::move(out));
  }

  // The crop through the manifest's super-resolution network: the whole pixels around the region
  // (4 more each side, inside the picture) in BGR at their own size, the network's picture (its
  // scale read from its output), then the region's exact sub-pixel place in that picture drawn
  // at the output size, and back to the frame's YUV with its colour matrix.
  void upscale(const Frame& in, const cv::Rect2d& r, Frame& out) {
    cv::Rect area(int(std::floor(r.x)) - 4, int(std::floor(r.y)) - 4, int(std::ceil(r.width)) + 9, int(std::ceil(r.height)) + 9);
    area &= cv::Rect(0, 0, W_, H_);
    if (area.empty()) area = cv::Rect(0, 0, W_, H_);
    const cv::Mat bgr = frame_to_bgr(in, area.size(), area);
    const cv::Mat big = output_picture(run_model(model_, bgr), model_);
    const double kx = double(big.cols) / area.width, ky = double(big.rows) / area.height;
    const cv::Rect2d at((r.x - area.x) * kx, (r.y - area.y) * ky, r.width * kx, r.height * ky);
    std::vector<cv::Mat> ch;
    cv::split(big, ch);
    for (cv::Mat& c : ch) {
      cv::Mat d(out_h_, out_w_, CV_8U);
      zoom_region(c, at, d, pad_ ? 0 : -1);
      c = d;
    }
    cv::Mat picture;
    cv::merge(ch, picture);
    conv_.from_bgr(picture, out);
  }

  // ---- continue ----
  void pass(Frame in, const Emit& emit) {
    const Similarity s = motion_.step(in.mat(0));
    if (have_last_) {
      steps_.push_back(s);
      if (int(steps_.size()) > std::max(2, int(std::lround(fps_)))) steps_.pop_front();
    }
    if (in.pts() != AV_NOPTS_VALUE) {
      if (have_last_ && last_.pts() != AV_NOPTS_VALUE && in.pts() > last_.pts()) last_step_pts_ = in.pts() - last_.pts();
    }
    last_ = in;
    have_last_ = true;
    emit(std::move(in));
  }

  void carry_on(const Emit& emit) {
    if (!have_last_) return;
    // The mean motion of the last second (a step whose corners did not agree counts as still).
    Similarity mean;
    double log_s = 0;
    for (const Similarity& s : steps_) log_s += std::log(s.scale), mean.angle += s.angle, mean.shift += s.shift;
    const double n = std::max<size_t>(1, steps_.size());
    mean.scale = std::exp(log_s / n), mean.angle /= n, mean.shift *= 1 / n;
    const int frames = std::max(1, int(std::lround(duration_ * fps_)));
    int64_t step = last_step_pts_;
    if (frame_rate_.num > 0) step = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(frame_rate_), time_base_));
    // Where each new frame's camera is relative to the last frame's: the steps, eased to a stop
    // (cosine: the first new step at full speed).
    const cv::Point2d centre((W_ - 1) / 2.0, (H_ - 1) / 2.0);
    std::vector<cv::Matx33d> cams;
    cv::Matx33d acc = cv::Matx33d::eye();
    cv::Rect2d need(0, 0, W_, H_);
    for (int j = 1; j <= frames; ++j) {
      const double ease = 0.5 * (1 + std::cos(M_PI * (j - 1) / frames));
      const cv::Matx23d m = similarity_matrix(similarity_power(mean, ease), centre);
      const cv::Matx33d m3(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), 0, 0, 1);
      acc = m3 * acc;
      cams.push_back(acc);
      // The last frame's pixels each new frame shows: its corners taken back.
      const cv::Matx33d inv = acc.inv();
      for (cv::Point2d p : {cv::Point2d(0, 0), cv::Point2d(W_, 0), cv::Point2d(0, H_), cv::Point2d(W_, H_)}) {
        const cv::Vec3d q = inv * cv::Vec3d(p.x, p.y, 1);
        need |= cv::Rect2d(q[0] / q[2], q[1] / q[2], 0, 0) | cv::Rect2d(q[0] / q[2] - 1, q[1] / q[2] - 1, 2, 2);
      }
    }
    // The picture beyond the last frame's edges, invented once (the remove engine's inpainting)
    // so it does not flicker: a canvas with margins as wide as the move needs, at most half the
    // picture each side; beyond that the canvas's edge repeats.
    BgrConverter conv;
    cv::Mat bgr = conv.to_bgr(last_);
    const int ml = std::clamp(int(std::ceil(-need.x)), 0, W_ / 2), mt = std::clamp(int(std::ceil(-need.y)), 0, H_ / 2);
    const int mr = std::clamp(int(std::ceil(need.br().x - W_)), 0, W_ / 2), mb = std::clamp(int(std::ceil(need.br().y - H_)), 0, H_ / 2);
    cv::Mat canvas = bgr;
    if (ml + mt + mr + mb > 0) {
      cv::copyMakeBorder(bgr, canvas, mt, mb, ml, mr, cv::BORDER_REPLICATE);
      cv::Mat hole(canvas.size(), CV_8U, cv::Scalar(255));
      hole(cv::Rect(ml, mt, W_, H_)).setTo(0);
      FillOptions fo;
      fo.method = FillMethod::Inpaint, fo.window = 1, fo.feather = 0;
      VideoFill fill(fo);
      fill.push(canvas, hole);
      fill.finish();
      canvas = fill.pop();
    }
    cv::Mat frame_bgr;
    for (int j = 0; j < frames; ++j) {
      // canvas pixel = last-frame pixel + margin; new pixel x = cams[j] * last-frame pixel
      const cv::Matx33d shift(1, 0, -ml, 0, 1, -mt, 0, 0, 1);
      const cv::Matx33d m = cams[j] * shift;
      cv::warpAffine(canvas, frame_bgr, cv::Matx23d(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2)), {W_, H_},
                     cv::INTER_CUBIC, cv::BORDER_REPLICATE);
      Frame out = Frame::alloc(W_, H_, last_.format());
      out.copy_props_from(last_);
      conv.from_bgr(frame_bgr, out);
      out.set_pts(last_.pts() == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : last_.pts() + step * (j + 1));
      out.av()->pkt_duration = step;
      emit(std::move(out));
    }
    av_log(nullptr, AV_LOG_VERBOSE,
           "next-shot: continue: %d frames after the last, from the last second's mean step (zoom %.5f, turn %.4f deg, pan %.2f, "
           "%.2f px a frame), eased to a stop; %d,%d,%d,%d px of border invented\n",
           frames, mean.scale, mean.angle * 180 / M_PI, mean.shift.x, mean.shift.y, ml, mt, mr, mb);
  }

  struct Held {
    Frame frame;
    Obs obs;
  };

  const int shot_;
  const bool salient_;
  std::string model_;
  BgrConverter conv_;  // model=: the network's picture back to the frame's YUV (this thread)
  const std::string who_;
  const bool pad_;
  const double every_, duration_, lookahead_, maxzoom_, sharpen_;
  double aspect_ = 0;
  std::vector<int> shots_;
  int out_w_ = 0, out_h_ = 0;
  int W_ = 0, H_ = 0, sub_x_ = 2, sub_y_ = 2;
  double fps_ = 30, crop_aspect_ = 1, max_h_ = 0, min_h_ = 0;
  AVRational time_base_{1, 30}, frame_rate_{0, 1};
  int look_ = 60, step_ = 15, detect_every_ = 6;
  FILE* path_file_ = nullptr;
  const Emit* emit_ = nullptr;

  // the worker's
  std::unique_ptr<ObjectTracker> tracker_;
  std::unique_ptr<SalientTracker> salient_tracker_;
  cv::Mat prev_thumb_;
  int64_t analysed_ = 0;
  int segment_ = 0, shot_index_ = 0, locked_ = -1, scene_cuts_ = 0;
  double seg_start_ = 0;
  std::optional<cv::Rect2d> rel_face_;
  int64_t last_detect_ = -1, measured_at_ = -1;  // frames of the last detector run, of the last measured subject
  cv::Point2d measured_centre_;
  bool fast_ = true;  // the subject moved more than a third of its height a second between the last two

  // this thread's
  std::deque<Held> held_;
  std::deque<Crop> shown_;
  int last_segment_ = -1, segments_ = 0;
  int64_t emitted_ = 0, seen_ = 0;
  std::vector<double> crop_heights_;

  // continue
  CameraMotion motion_;
  std::deque<Similarity> steps_;
  Frame last_;
  bool have_last_ = false;
  int64_t last_step_pts_ = 1;

  // last: its worker is joined before the trackers it uses are destroyed
  FramePipeline<Obs> pipe_{[this](Frame& f, Obs& o) { analyse(f, o); }, [this](Frame& f, Obs& o) { analysed(f, o); }};
};

}  // namespace

extern const FilterDesc next_shot_filter = {
    "next-shot", "A virtual camera: closer, wider or re-framed shots of the subject, cuts between them, or the shot carried on.",
    options, [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<NextShot>(o); },
    "A virtual camera over the pixels the video already has, not a generated shot: no new angle, no detail the camera\n"
    "did not record. A close-up is a crop drawn larger: a 4x zoom of a 720p clip has the detail of a 320x180 picture\n"
    "(Lanczos-3 and a mild unsharp mask make it look less soft, not sharper); -loglevel verbose prints the zoom and the\n"
    "effective size of the source for each run. The subject is a person found by the object detector (NanoDet every\n"
    "second, every half second while they move; between two detections the line between them), their face by\n"
    "MediaPipe's face detector, or the salient object (ISNet). The camera's path is L1-optimal over lookahead= seconds: still, steady pans, eased starts\n"
    "and stops; the subject's head kept in the middle half of the picture where it can be, and the crop inside the\n"
    "picture (pad=1 lets it leave). A new path starts at each cut in the clip. continue adds duration= seconds after\n"
    "the last frame: the last frame moved on by the last second's mean camera motion (zoom, roll, pan), eased to a\n"
    "stop; what comes into view past its edges is inpainted (smooth colour, no detail), nothing moves in it, and the\n"
    "sound is not extended (it ends where the clip does). model=NAME runs a super-resolution network named in the\n"
    "model manifest on the crop (omni ships none: it adds detail a network has learnt to invent, which is a choice\n"
    "the user makes). Works in 8 bits per component."};

}  // namespace omni

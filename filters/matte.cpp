// matte: automatic green screen / alpha cut-out of the subject, on footage that was not shot on
// green. The subject's probability comes from core/perception (person segmenter, pose mask, or
// the salient-object segmenter carried along optical flow); MatteRefiner aligns it to the frame's
// edges and steadies it; then it is composited here, in the frame's own YUV planes (no RGB round
// trip), over a colour, a blurred copy of the background, an image or a video, or written as alpha.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <sys/stat.h>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/media/media_reader.h"
#include "core/model/hub.h"
#include "core/perception/perception.h"
#include "core/worker.h"

extern "C" {
#include <libavutil/parseutils.h>
}

namespace omni {

namespace {

const OptionDef options[] = {
    {"keep", "what to keep: person (people, by the person segmenter), salient (the most salient object), auto (people when the "
             "detector finds one, else the salient object), or any of the object detector's 80 classes by name (car, dog, "
             "sports ball, potted plant, 狗, 盆栽...: presets/objects.toml)",
     OptType::String, "person"},
    {"who", "keep=CLASS: which of several: all, largest, left, right, center, a rank by size (1 = largest) or id=N; chosen "
            "once and kept while that object is tracked", OptType::String, "all"},
    {"bg", "new background: green, blue, a colour (name, #RRGGBB), transparent, blur[=RADIUS], or an image or video file",
     OptType::String, "green"},
    {"model", "segmenter: auto, selfie, selfie-landscape, pose, or rvm (a video matting network: soft alpha, hair; GPL-3.0, "
              "optional) for people; isnet for salient objects", OptType::String, "auto"},
    {"refine", "edge refinement radius in pixels (guided filter on the frame; 0 = off, -1 = 8 for people, 0 for isnet)",
     OptType::Int, "-1", -1, 64},
    {"feather", "extra softening of the edge, in pixels", OptType::Float, "0", 0, 50},
    {"threshold", "subject probability at which alpha is one half", OptType::Float, "0.5", 0.05, 0.95},
    {"smooth", "temporal smoothing where the picture is still (0 = none)", OptType::Float, "0.6", 0, 0.95},
    {"despill", "remove the old background's colour from the subject's edges (0 = keep the edge pixels as they are)",
     OptType::Float, "1", 0, 1},
    {"out", "composite, mask (the matte as a grey picture) or alpha (the picture, matte as its alpha)", OptType::Enum,
     "composite", 0, 0, "composite|mask|alpha"},
    {"tiles", "people: also look at an NxN grid of zoomed tiles, for people far from the camera (N*N+1 model runs)",
     OptType::Int, "1", 1, 4},
    {"fit", "an image or video background: cover (fill, crop the overflow), contain (whole, black bars) or stretch",
     OptType::Enum, "cover", 0, 0, "cover|contain|stretch"},
    {"keyint", "salient/auto: run the salient segmenter and the person detector at least every N frames", OptType::Int, "30", 1,
     100000},
};

enum Keep { kPerson, kSalient, kAuto, kObject };
enum Out { kComposite, kMask, kAlpha };
enum BgKind { kColour, kTransparent, kBlur, kMedia };

bool is_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

AVPixelFormat with_alpha(AVPixelFormat f) {
  switch (f) {
    case AV_PIX_FMT_YUV420P: return AV_PIX_FMT_YUVA420P;
    case AV_PIX_FMT_YUV422P: return AV_PIX_FMT_YUVA422P;
    default: return AV_PIX_FMT_YUVA444P;
  }
}

class Matte : public Filter {
 public:
  explicit Matte(const OptionValues& o)
      : keep_(keep_of(o.s("keep"))), out_(Out(o.i("out"))), despill_(float(o.f("despill"))), keyint_(int(o.i("keyint"))), tiles_(int(o.i("tiles"))),
        refiner_(MatteOptions{float(o.f("threshold")), 0.25f, int(o.i("refine") < 0 ? 8 : o.i("refine")), float(o.f("smooth")),
                              float(o.f("feather"))}),
        salient_refiner_(MatteOptions{float(o.f("threshold")), 0.25f, int(o.i("refine") < 0 ? 0 : o.i("refine")), float(o.f("smooth")),
                                      float(o.f("feather"))}) {
    parse_bg(o.s("bg"), Fit(o.i("fit")));
    if (bg_ == kTransparent) {
      if (o.was_set("out") && out_ != kAlpha) fail("matte: bg=transparent makes an alpha cut-out; it cannot go with out={}", o.s("out"));
      out_ = kAlpha;
    }
    // Models are checked now, before any frame: a missing one names its fetch command.
    std::string model = o.s("model");
    bool salient_model = model != "auto" && model != "pose" && find_model(model).task == "salient-segmentation";
    if (keep_ == kObject) {
      if (model != "auto") fail("matte: keep={} finds the object with the detector and cuts it out with its own models; model= does not apply", o.s("keep"));
      for (const auto& m : TargetMasker::models_for(o.s("keep"))) require_model(m);
      TargetOptions to;
      to.who = o.s("who");
      to.tiles = tiles_;
      to.keyint = keyint_;
      target_ = std::make_unique<TargetMasker>(o.s("keep"), to);
      return;
    }
    if (o.was_set("who")) fail("matte: who= chooses among objects of a class; it goes with keep=CLASS (keep=dog:who=largest)");
    if (keep_ != kSalient) {
      person_model_ = salient_model ? "auto" : model;
      if (person_model_ == "pose") pose_ = std::make_unique<PoseTracker>("pose-full", true);
      else if (person_model_ == "rvm") {
        require_model("rvm");
        rvm_ = std::make_unique<VideoMatter>("rvm");
      } else {
        if (person_model_ != "auto" && find_model(person_model_).task != "person-segmentation")
          fail("matte: model={} is not a person segmenter; use auto, selfie, selfie-landscape, pose or rvm", model);
        for (const char* m : {"selfie", "selfie-landscape"})
          if (person_model_ == "auto" || person_model_ == m) require_model(m);
      }
    }
    if (keep_ != kPerson) {
      std::string sm = salient_model ? model : "isnet";
      if (keep_ == kSalient && model != "auto" && !salient_model)
        fail("matte: model={} is not a salient-object segmenter; keep=salient uses isnet", model);
      require_model(sm);
      salient_name_ = sm;
      salient_ = std::make_unique<SalientTracker>(keyint_, sm);
    }
    if (keep_ == kAuto) require_model("pose-detector");
  }

  ~Matte() override {
    if (salient_ && frames_)
      av_log(nullptr, AV_LOG_VERBOSE, "matte: %s ran %d times for %lld frames (flow carried the mask in between)\n",
             salient_name_.c_str(), salient_->model_runs(), (long long)frames_);
    if (rvm_ && frames_)
      av_log(nullptr, AV_LOG_VERBOSE, "matte: rvm at downsample ratio %.3f, state reset %d times over %lld frames\n",
             rvm_->downsample_ratio(), rvm_->resets(), (long long)frames_);
    if (target_ && frames_)
      av_log(nullptr, AV_LOG_VERBOSE, "matte: keep=CLASS: %d detector runs, %d segmenter runs, %d tracks over %lld frames\n",
             target_->detector_runs(), target_->segmenter_runs(), target_->tracks_seen(), (long long)frames_);
    if (keep_ == kAuto && frames_) av_log(nullptr, AV_LOG_VERBOSE, "matte: keep=auto kept %s\n", auto_person_ ? "people" : "the salient object");
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    StreamInfo out = in;
    if (out_ == kAlpha) out.format = with_alpha(in.format);
    clock_.set_time_base(in.time_base);
    return out;
  }

  // Frame N is analysed on a worker thread while frame N-1 is refined, composited and encoded on
  // this one (2 cores: the model's ~11 ms and the rest of the pipeline overlap). One frame held.
  int window() const override { return 1; }

  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    pipe_.push(std::move(in));
  }

  void flush(const Emit& emit) override {
    emit_ = &emit;
    pipe_.flush();
  }

 private:
  struct Result {
    cv::Mat prob;
    bool person = true;
  };

  void finish(Frame& in, Result& r) {
    // The 256-px person masks need edge refinement; ISNet's 1024-px mask is sharper than what a
    // guided filter makes of it (measured on the disc clip: alpha error 0.0023 without, 0.0063 with).
    cv::Mat alpha;
    if (rvm_ && r.person) {
      // The video matting network's alpha is soft and temporally steady already: used as it is
      // (no threshold ramp, no guided filter), only scaled to the frame.
      cv::Mat up;
      cv::resize(r.prob, up, cv::Size(in.width(), in.height()), 0, 0, cv::INTER_LINEAR);
      up.convertTo(alpha, CV_8U, 255.0);
    } else {
      alpha = (r.person ? refiner_ : salient_refiner_).refine(r.prob, in);
    }
    Frame out = Frame::alloc(in.width(), in.height(), out_ == kAlpha ? with_alpha(in.format()) : in.format());
    out.copy_props_from(in);
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(in.format());
    for (int p = 0; p < 3; ++p) {
      cv::Mat a = alpha;
      if (p > 0) cv::resize(alpha, a, in.mat(p).size(), 0, 0, cv::INTER_AREA);
      plane(in, out, p, a, d);
    }
    if (out_ == kAlpha) alpha.copyTo(out.alpha());
    out.side_mut().set("matte", alpha);  // for later filters (replace=background, remove=...)
    ++frames_;
    (*emit_)(std::move(out));
  }

  void parse_bg(const std::string& bg, Fit fit) {
    if (bg == "transparent" || bg == "none") {
      bg_ = kTransparent;
      return;
    }
    if (bg == "blur" || bg.rfind("blur=", 0) == 0) {
      bg_ = kBlur;
      if (bg.size() > 5) {
        char* end = nullptr;
        blur_ = std::strtod(bg.c_str() + 5, &end);
        if (*end || !(blur_ >= 1 && blur_ <= 500)) fail("matte: bg={}: the blur radius must be a number in [1, 500]", bg);
      }
      return;
    }
    if (is_file(bg)) {
      bg_ = kMedia;
      try {
        media_ = std::make_unique<MediaReader>(bg, fit);
      } catch (const Error& e) {
        fail("matte: bg={}: {}", bg, e.what());
      }
      return;
    }
    // Keying colours rather than FFmpeg's named web colours (whose "green" is #008000).
    std::string c = bg == "green" ? "0x00B140" : bg == "blue" ? "0x0047BB" : bg;
    if (av_parse_color(rgb_, c.c_str(), -1, nullptr) < 0)
      fail("matte: bg={}: not a colour, transparent, blur[=RADIUS], or an existing image or video file", bg);
    bg_ = kColour;
  }

  static Keep keep_of(const std::string& k) {
    if (k == "person" || k == "people") return kPerson;
    if (k == "salient") return kSalient;
    if (k == "auto") return kAuto;
    if (find_object_class(k) < 0) {
      try {
        object_class(k);
      } catch (const Error& e) {
        fail("matte: keep={}: not person, salient, auto or an object class: {}", k, e.what());
      }
    }
    return kObject;
  }

  cv::Mat probability(Frame& f, bool& person) {
    if (keep_ == kObject) {
      person = false;  // crops' masks are already at the object's resolution: no guided filter
      return target_->probability(f);
    }
    person = keep_ == kPerson;
    if (keep_ == kAuto) {
      // Decided at key frames only, so the matte does not flip between segmenters frame to frame.
      if (analysed_++ % keyint_ == 0) auto_person_ = !detect_people(f).empty();
      person = auto_person_;
    }
    if (!person) return salient_->probability(f);
    if (rvm_) return rvm_->alpha(f);
    if (pose_) {
      const Pose& p = pose_->track(f);
      return p.found ? p.mask : cv::Mat::zeros(f.height(), f.width(), CV_32F);
    }
    return person_probability(f, person_model_, tiles_);
  }

  // The backdrop colour in the frame's YUV (matrix and range as tagged).
  void colour_yuv(const Frame& f, double yuv[3]) const {
    double kr = 0.299, kb = 0.114;
    if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
    double r = rgb_[0] / 255.0, g = rgb_[1] / 255.0, b = rgb_[2] / 255.0;
    double y = kr * r + (1 - kr - kb) * g + kb * b, u = (b - y) / (2 * (1 - kb)), v = (r - y) / (2 * (1 - kr));
    bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
    yuv[0] = full ? y * 255 : 16 + y * 219;
    yuv[1] = 128 + u * (full ? 255 : 224);
    yuv[2] = 128 + v * (full ? 255 : 224);
  }

  void plane(const Frame& in, Frame& out, int p, const cv::Mat& a, const AVPixFmtDescriptor* d) {
    cv::Mat src = in.mat(p), dst = out.mat(p);
    if (out_ == kMask) {
      bool full = in.av()->color_range == AVCOL_RANGE_JPEG;
      if (p == 0) a.convertTo(dst, CV_8U, full ? 1.0 : 219.0 / 255, full ? 0 : 16);
      else dst.setTo(128);
      return;
    }
    double scale = p == 0 ? 1.0 : 1.0 / (1 << d->log2_chroma_w);
    cv::Mat old_bg;  // the old background next to the edge, small (for decontamination)
    if (despill_ > 0) old_bg = blurred_small(src, a, 12 * scale);
    const cv::Mat* bg = nullptr;
    cv::Mat bg_plane;
    int colour = 0;
    if (out_ == kAlpha) {
      // the picture itself, edges decontaminated
    } else if (bg_ == kColour) {
      double yuv[3];
      colour_yuv(in, yuv);
      colour = int(std::lround(yuv[p]));
    } else {
      if (p == 0) bg_frame_ = bg_ == kMedia ? media_->at(clock_.seconds(in), in) : Frame();
      bg_plane = bg_ == kMedia ? bg_frame_.mat(p) : upsample(blurred_small(src, a, blur_ * scale), src.size());
      bg = &bg_plane;
    }
    composite(src, a, old_bg, bg, colour, out_ == kAlpha, dst);
  }

  // out = a f + (1 - a) bg per pixel, 8-bit. An edge pixel the matte calls partly subject is a mix
  // of the subject and the old background (c = a f + (1 - a) b): green grass or a green wall shows
  // as a halo around the subject on any new backdrop. With b estimated from the old background
  // next to the edge (`old_bg`, small), the subject's own colour f = (c - (1 - a) b) / a is used
  // there instead of c (despill = how much). Solid parts are untouched. keep_alpha: out = f.
  void composite(const cv::Mat& src, const cv::Mat& a, const cv::Mat& old_bg, const cv::Mat* bg, int colour, bool keep_alpha,
                 cv::Mat& dst) const {
    const bool decontaminate = !old_bg.empty();
    const float sx = decontaminate ? float(old_bg.cols) / src.cols : 0, sy = decontaminate ? float(old_bg.rows) / src.rows : 0;
    const int W = dst.cols;
    for (int y = 0; y < dst.rows; ++y) {
      const uint8_t *c = src.ptr(y), *al = a.ptr(y), *b = bg ? bg->ptr(y) : nullptr;
      uint8_t* o = dst.ptr(y);
      // The plain mix first (vectorised), then the few edge pixels again with decontamination.
      if (keep_alpha) std::memcpy(o, c, W);
      else if (b)
        for (int x = 0; x < W; ++x) o[x] = uint8_t((c[x] * al[x] + b[x] * (255 - al[x]) + 127) / 255);
      else
        for (int x = 0; x < W; ++x) o[x] = uint8_t((c[x] * al[x] + colour * (255 - al[x]) + 127) / 255);
      if (!decontaminate) continue;
      for (int x = 0; x < W; ++x) {
        if (al[x] == 0 || al[x] == 255) continue;
        float ob = sample(old_bg, (x + 0.5f) * sx - 0.5f, (y + 0.5f) * sy - 0.5f);
        float af = std::max(al[x] / 255.f, 0.15f);
        int v = c[x];
        v = cv::saturate_cast<uint8_t>(v + despill_ * ((v - (1 - af) * ob) / af - v));
        o[x] = keep_alpha ? uint8_t(v) : uint8_t((v * al[x] + (b ? b[x] : colour) * (255 - al[x]) + 127) / 255);
      }
    }
  }

  static float sample(const cv::Mat& m, float x, float y) {
    x = std::clamp(x, 0.f, float(m.cols - 1)), y = std::clamp(y, 0.f, float(m.rows - 1));
    int x0 = int(x), y0 = int(y), x1 = std::min(x0 + 1, m.cols - 1), y1 = std::min(y0 + 1, m.rows - 1);
    float fx = x - x0, fy = y - y0;
    const float *r0 = m.ptr<float>(y0), *r1 = m.ptr<float>(y1);
    return (r0[x0] * (1 - fx) + r0[x1] * fx) * (1 - fy) + (r1[x0] * (1 - fx) + r1[x1] * fx) * fy;
  }

  // The background blurred without the subject: a normalised convolution weighted by
  // (1 - alpha), so the subject's colours do not smear into the blur around it.
  static cv::Mat blurred_small(const cv::Mat& src, const cv::Mat& a, double radius) {
    double f = std::max(1.0, radius / 4);
    cv::Size small(std::max(1, int(src.cols / f)), std::max(1, int(src.rows / f)));
    cv::Mat s, w;
    // Interpolated, not averaged: the Gaussian below smooths anyway, and OpenCV's area resize at
    // odd ratios is slow (it was most of the compositing time at 720p).
    cv::resize(src, s, small, 0, 0, cv::INTER_LINEAR);
    cv::resize(a, w, small, 0, 0, cv::INTER_LINEAR);
    s.convertTo(s, CV_32F);
    w.convertTo(w, CV_32F, -1 / 255.0, 1.0);
    cv::Mat num = s.mul(w), den = w.clone(), plain;
    double sigma = std::max(0.5, radius / f / 2);
    cv::GaussianBlur(num, num, {0, 0}, sigma);
    cv::GaussianBlur(den, den, {0, 0}, sigma);
    cv::GaussianBlur(s, plain, {0, 0}, sigma);
    cv::Mat out = num / cv::max(den, 1e-3);
    plain.copyTo(out, den < 0.02);  // all subject around here: nothing to take from
    return out;
  }

  static cv::Mat upsample(const cv::Mat& small, cv::Size size) {
    cv::Mat up;
    cv::resize(small, up, size, 0, 0, cv::INTER_LINEAR);
    up.convertTo(up, CV_8U);
    return up;
  }

  Keep keep_;
  Out out_;
  float despill_;
  int keyint_, tiles_;
  MatteRefiner refiner_, salient_refiner_;
  BgKind bg_ = kColour;
  uint8_t rgb_[4] = {0, 0, 0, 255};
  double blur_ = 30;
  std::unique_ptr<MediaReader> media_;
  ClipClock clock_;  // where in the background clip each frame is
  Frame bg_frame_;
  std::string person_model_ = "auto";
  std::unique_ptr<PoseTracker> pose_;
  std::unique_ptr<SalientTracker> salient_;
  std::unique_ptr<TargetMasker> target_;
  std::unique_ptr<VideoMatter> rvm_;
  std::string salient_name_;
  bool auto_person_ = true;
  int64_t frames_ = 0;     // composited (this thread)
  int64_t analysed_ = 0;   // analysed (the worker)
  const Emit* emit_ = nullptr;
  // last: its worker is joined before the trackers it uses are destroyed
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { r.prob = probability(f, r.person); },
                              [this](Frame& f, Result& r) { finish(f, r); }};
};

}  // namespace

extern const FilterDesc matte_filter = {
    "matte", "Cut out the subject: automatic green screen, alpha, blurred or replaced background.", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Matte>(o); },
    "The subject is found by a segmentation network, not by a key colour, so footage need not be shot on green.\n"
    "keep=person uses MediaPipe's selfie segmenter (model=pose: the pose model's mask, on a tracked region);\n"
    "keep=salient uses ISNet, which costs seconds per frame on a CPU: it runs every keyint frames, at cuts and\n"
    "when the carried mask stops matching the picture, and optical flow carries the mask in between.\n"
    "Alpha output (bg=transparent or out=alpha) needs a container that holds it: .mov with -c:v prores_ks\n"
    "-profile:v 4444 or -c:v qtrle, .webm (VP9), .mkv with -c:v ffv1, or .png. Hair and fine detail are\n"
    "approximated by the edge refinement; the segmenters work at 256x256 (selfie) and 1024x1024 (ISNet).\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit)."};

}  // namespace omni

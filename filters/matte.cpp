// matte: automatic green screen / alpha cut-out of the subject, on footage that was not shot on
// green. The subject and its alpha come from core/perception's Subject (person segmenter, pose
// mask, video matting, the salient object carried along optical flow, or a named class; its
// MatteRefiner aligns the mask to the frame's edges and steadies it); core/image's Backdrop
// composites it in the frame's own YUV planes (no RGB round trip) over a colour, a blurred copy of
// the background, an image or a video, or writes it as alpha. replace=background shares both.
#include <memory>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/image/backdrop.h"
#include "core/perception/perception.h"
#include "core/perception/subject.h"
#include "core/worker.h"

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
    {"every", "model=rvm: run the network on every Nth frame (and at cuts); the frames between take its alpha moved along "
              "the optical flow. 0: the network ten times a second (fps/10 rounded down: 2 at 24 fps, 3 at 30, 1 below 20; "
              "small people move too far in a longer gap)",
     OptType::Int, "0", 0, 10},
};

enum Out { kComposite, kMask, kAlpha };

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
      : out_(Out(o.i("out"))), despill_(float(o.f("despill"))),
        backdrop_(o.s("bg"), Fit(o.i("fit")), true, "matte: bg") {
    if (backdrop_.transparent()) {
      if (o.was_set("out") && out_ != kAlpha) fail("matte: bg=transparent makes an alpha cut-out; it cannot go with out={}", o.s("out"));
      out_ = kAlpha;
    }
    SubjectOptions so;
    so.keep = o.s("keep"), so.who = o.s("who"), so.who_set = o.was_set("who"), so.model = o.s("model");
    so.tiles = int(o.i("tiles")), so.keyint = int(o.i("keyint")), so.every = int(o.i("every"));
    if (o.was_set("every") && o.s("model") != "rvm") fail("matte: every= paces the video matting network; it goes with model=rvm");
    so.edges = MatteOptions{float(o.f("threshold")), 0.25f, int(o.i("refine")), float(o.f("smooth")), float(o.f("feather"))};
    subject_ = std::make_unique<Subject>(so, "matte");
  }

  ~Matte() override { subject_->log_summary(frames_); }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    StreamInfo out = in;
    if (out_ == kAlpha) out.format = with_alpha(in.format);
    backdrop_.set_time_base(in.time_base);
    subject_->set_frame_rate(in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 0);
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
    cv::Mat alpha = subject_->alpha(r.prob, r.person, in);
    Frame out = Frame::alloc(in.width(), in.height(), out_ == kAlpha ? with_alpha(in.format()) : in.format());
    out.copy_props_from(in);
    if (out_ == kMask) {
      const bool full = in.av()->color_range == AVCOL_RANGE_JPEG;
      alpha.convertTo(out.mat(0), CV_8U, full ? 1.0 : 219.0 / 255, full ? 0 : 16);
      out.mat(1).setTo(128);
      out.mat(2).setTo(128);
    } else if (out_ == kAlpha) {
      backdrop_.decontaminate(in, alpha, despill_, out);
      alpha.copyTo(out.alpha());
    } else {
      backdrop_.composite(in, alpha, despill_, 0, out);
    }
    out.side_mut().set("matte", alpha);  // for later filters (replace=background, remove=...)
    ++frames_;
    (*emit_)(std::move(out));
  }

  Out out_;
  float despill_;
  Backdrop backdrop_;
  std::unique_ptr<Subject> subject_;
  int64_t frames_ = 0;  // composited (this thread)
  const Emit* emit_ = nullptr;
  // last: its worker is joined before the trackers it uses are destroyed
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { r.prob = subject_->probability(f, r.person); },
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

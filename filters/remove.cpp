// remove: erase people, a salient object, a box (a logo, a boom mic) or a painted mask, and fill
// in what was behind it.
//
// The fill is core/image's VideoFill (other frames aligned to this one, a still camera's plate,
// the carried fill, then inpainting): remove finds what to take out and hands it the holes.
#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "core/image/box_follow.h"
#include "core/image/convert.h"
#include "core/image/video_fill.h"
#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/media/media_reader.h"
#include "core/model/hub.h"
#include "core/perception/perception.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"what", "what to remove: people, salient (the most salient object), box (x, y, w, h), mask (a mask file), matte (the mask "
             "an earlier matte filter left), or any of the object detector's 80 classes by name (car, dog, sports ball, 汽车...)",
     OptType::String, "people"},
    {"target", "the same as what= (remove=target=sports ball)", OptType::String, ""},
    {"who", "what=CLASS or people: which of several: all, largest, left, right, center, a rank by size (1 = largest) or id=N",
     OptType::String, "all"},
    {"find", "people: detector (people found by the object detector, tracked, each cut out by the person segmenter on its box) "
             "or segmenter (the person segmenter on the whole frame, as before)", OptType::Enum, "detector", 0, 0, "detector|segmenter"},
    {"x", "box: left edge in pixels", OptType::Int, "0", 0, 100000},
    {"y", "box: top edge in pixels", OptType::Int, "0", 0, 100000},
    {"w", "box: width in pixels", OptType::Int, "0", 0, 100000},
    {"h", "box: height in pixels", OptType::Int, "0", 0, 100000},
    {"track", "box: follow what is inside the box as it moves", OptType::Bool, "0"},
    {"mask", "a mask image or video: white where to remove (implies what=mask)", OptType::String, ""},
    {"dilate", "grow the mask by this many pixels (-1: 1/60 of the height for people, salient and matte; 2 otherwise)", OptType::Int,
     "-1", -1, 256},
    {"feather", "soften the fill's edge over this many pixels", OptType::Int, "4", 0, 64},
    {"method", "fill: auto (other frames, then inpainting), frames (other frames aligned by one homography for the frame), "
               "local (aligned by a homography fitted around the hole: parallax), plate (still camera: background plate), "
               "inpaint (spatial only)",
     OptType::Enum, "auto", 0, 0, "auto|frames|local|plate|inpaint"},
    {"window", "frames before and after the current one that may lend their pixels", OptType::Int, "12", 1, 60},
    {"memory", "a moving camera: also fill from what frames older than the window saw (a mosaic of the background in the "
               "scene's coordinates, at most 3 frames' worth of pixels); 0: the window and the carried fill only",
     OptType::Bool, "1"},
    {"shadow", "also remove the shadow attached to the lower part of what is removed (darker ground of the "
               "same colour, in one piece with it); -1: on for people, off otherwise", OptType::Int, "-1", -1, 1},
    {"pass", "2: read the whole input once before writing (a file, not a pipe; the masks are found twice), so the first "
             "frames also get what only later frames see", OptType::Int, "1", 1, 2},
    {"show", "show the mask (red) instead of filling, for tuning", OptType::Bool, "0"},
    {"model", "spatial inpainting network from the model manifest (task inpainting); empty: OpenCV's Telea", OptType::String, ""},
    {"tiles", "people: also look at an NxN grid of zoomed tiles, for people far from the camera", OptType::Int, "1", 1, 4},
    {"keyint", "salient: run the salient segmenter at least every N frames", OptType::Int, "30", 1, 100000},
};

enum What { kPeople, kSalient, kBox, kMask, kMatte, kObject };
class Remove : public Filter {
 public:
  explicit Remove(const OptionValues& o)
      : what_(what_of(o.s("target").empty() ? o.s("what") : o.s("target"))), track_(o.b("track")), tiles_(int(o.i("tiles"))) {
    if (!o.s("mask").empty()) {
      if (o.was_set("what") && what_ != kMask) fail("remove: mask= goes with what=mask, not what={}", o.s("what"));
      what_ = kMask;
    }
    if (o.i("w") > 0 || o.i("h") > 0) {
      if (o.was_set("what") && what_ != kBox) fail("remove: x, y, w, h describe a box; they do not go with what={}", o.s("what"));
      what_ = kBox;
    }
    box_ = cv::Rect2d(double(o.i("x")), double(o.i("y")), double(o.i("w")), double(o.i("h")));
    if ((o.was_set("w") || o.was_set("h")) && (o.i("w") <= 0 || o.i("h") <= 0))
      fail("remove: a box of {}x{} covers nothing; w and h must be at least 1: remove=x=620:y=40:w=180:h=90", o.i("w"), o.i("h"));
    if (what_ == kBox && (box_.width <= 0 || box_.height <= 0)) fail("remove: what=box needs w and h (and x, y): remove=x=620:y=40:w=180:h=90");
    if (track_ && what_ != kBox) fail("remove: track=1 follows a box; give x, y, w, h");
    box0_ = box_;
    dilate_ = int(o.i("dilate"));
    if (what_ == kMask) {
      if (o.s("mask").empty()) fail("remove: what=mask needs mask=FILE (an image or video, white where to remove)");
      try {
        mask_media_ = std::make_unique<MediaReader>(o.s("mask"), Fit::Stretch);  // a mask maps onto the whole frame
      } catch (const Error& e) {
        fail("remove: mask={}: {}", o.s("mask"), e.what());
      }
    }
    if (!o.s("target").empty() && o.was_set("what")) fail("remove: what= and target= say the same thing; give one");
    const std::string target = o.s("target").empty() ? o.s("what") : o.s("target");
    by_detector_ = o.i("find") == 0;
    if (o.was_set("who") && what_ != kObject && !(what_ == kPeople && by_detector_))
      fail("remove: who= chooses among detected objects; it goes with people or a class name (remove=car:who=largest)");
    if (what_ == kObject || (what_ == kPeople && by_detector_)) {
      std::string cls = what_ == kPeople ? "person" : target;
      for (const auto& m : TargetMasker::models_for(cls)) require_model(m);
      check_who(o.s("who"));
      target_cls_ = cls;
      target_opts_.who = o.s("who");
      target_opts_.tiles = tiles_;
      target_opts_.keyint = int(o.i("keyint"));
      // People: a detection of 0.35 or more (a cone's box costs nothing: the segmenter on its crop
      // finds no person in it). How often the models run is set from the frame rate (configure).
      if (what_ == kPeople) target_opts_.min_score = 0.35f;
    } else if (what_ == kPeople) {
      for (const char* m : {"selfie", "selfie-landscape"}) require_model(m);
    }
    if (what_ == kSalient) require_model("isnet");
    keyint_ = int(o.i("keyint"));
    fill_opts_.method = FillMethod(o.i("method"));
    fill_opts_.window = int(o.i("window"));
    fill_opts_.feather = int(o.i("feather"));
    fill_opts_.show = o.b("show");
    fill_opts_.memory = o.b("memory");
    fill_opts_.shadow = o.i("shadow") < 0 ? what_ == kPeople : o.i("shadow") == 1;
    two_pass_ = o.i("pass") == 2;
    if (two_pass_ && (!fill_opts_.memory || (fill_opts_.method != FillMethod::Auto && fill_opts_.method != FillMethod::Frames) || fill_opts_.show))
      fail("remove: pass=2 fills from the scene memory; it goes with method=auto or frames and memory=1, not show=1");
    fill_opts_.join = what_ == kPeople || what_ == kSalient || what_ == kMatte || what_ == kObject;
    fill_opts_.model = o.s("model");
    if (!fill_opts_.model.empty()) {
      if (find_model(fill_opts_.model).task != "inpainting")
        fail("remove: model={} is a {} model, not inpainting", fill_opts_.model, find_model(fill_opts_.model).task);
      require_model(fill_opts_.model);
    }
  }

  ~Remove() override {
    if (fill_ && !fill_->summary().empty()) av_log(nullptr, AV_LOG_VERBOSE, "remove: %s\n", fill_->summary().c_str());
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P,  AV_PIX_FMT_YUV422P,  AV_PIX_FMT_YUV444P,  AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P,
            AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};  // alpha passes through
  }

  StreamInfo configure(const StreamInfo& in) override {
    if (what_ == kBox) {
      if (box_.x >= in.width || box_.y >= in.height)
        fail("remove: the box at {},{} is outside the {}x{} picture", int(box_.x), int(box_.y), in.width, in.height);
    }
    if (dilate_ < 0) dilate_ = (what_ == kBox || what_ == kMask) ? 2 : std::max(2, in.height / 60);
    if (!target_cls_.empty()) {
      // People: the detector and each person's segmenter every fifth of a second (every 6th
      // frame at 30 fps, every 2nd at 10 fps), the pose network every second detector run; the
      // boxes move with their tracks' velocity in between, and the fill hides a mask that lags
      // a frame or two (a still camera's masks are joined over 5 frames). Measured on vtest's
      // marked people at 10 fps: all found, 3.3 % of their pixels left (2.4 % with the models
      // every third frame there, at twice the cost).
      if (target_cls_ == "person") {
        double fps = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 25;
        set_people_cadence(target_opts_, fps);
      }
      // Analysed up to 4 frames ahead of the fill: a detector frame costs several times the
      // others (a box or a mask file gains nothing from it: 10 % slower there).
      pipe_.set_depth(4);
    }
    fill_opts_.ring = std::max(4, dilate_ + 2);
    fill_ = std::make_unique<VideoFill>(fill_opts_);
    start_finding(in);
    if (two_pass_) {
      if (!in.first_pass)
        fail("remove: pass=2 reads the input twice: it needs a file (not a pipe) and remove in a -vf chain (not -filter_complex)");
      // The same frames, through the same filters before this one: masks found as they will be
      // found again below, and the fill's memory primed with them.
      av_log(nullptr, AV_LOG_VERBOSE, "remove: pass=2: reading the input once to remember the scene\n");
      in.first_pass([this](Frame f) {
        cv::Mat bgr = conv_in_.to_bgr(f);
        fill_->prime(bgr, mask_of(f, bgr));
      });
      fill_->end_prime();
      start_finding(in);
    }
    StreamInfo out = in;
    out.first_pass = nullptr;
    return out;
  }

  // The window's future half waits here until the frame in the middle can be filled.
  int window() const override { return (fill_ ? fill_->latency() : fill_opts_.window) + pipe_.depth(); }  // + the frames being analysed

  // Frame N's picture and mask (the models) are made on a worker thread while frame N-1 (N-4
  // with a detector) is aligned and earlier ones filled here: on 2 cores the two overlap.
  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    pipe_.push(std::move(in));
  }

  void flush(const Emit& emit) override {
    emit_ = &emit;
    pipe_.flush();
    fill_->finish();
    while (fill_->ready()) emit_one(emit);
  }

  struct Analysed {
    cv::Mat bgr, mask;
  };
  void accept(Frame& in, Analysed& a) {
    fill_->push(std::move(a.bgr), std::move(a.mask));
    frames_.push_back(std::move(in));
    while (fill_->ready()) emit_one(*emit_);
  }

 private:
  // ---- masks ----------------------------------------------------------------------------------

  // The mask finders from the first frame on (again, after a first pass).
  void start_finding(const StreamInfo& in) {
    mask_clock_ = ClipClock();
    mask_clock_.set_time_base(in.time_base);
    box_ = box0_;
    if (track_) follow_ = std::make_unique<BoxFollower>(box_);
    if (what_ == kSalient) salient_ = std::make_unique<SalientTracker>(keyint_, "isnet", true);
    if (!target_cls_.empty()) target_ = std::make_unique<TargetMasker>(target_cls_, target_opts_);
  }

  cv::Mat mask_of(Frame& f, const cv::Mat& bgr) {
    cv::Mat m;
    cv::Size size(f.width(), f.height());
    switch (what_) {
      case kObject:
        return hole_mask(target_->probability(f), size, dilate_, false);
      case kPeople:
        // The selfie segmenter, trained on people near the camera, often stops short of a distant
        // walker's head and feet: people are upright, so the mask grows up and down as well.
        return hole_mask(target_ ? target_->probability(f) : person_probability(f, "auto", tiles_), size, dilate_, true);
      case kSalient:
        return hole_mask(salient_->probability(f), size, dilate_, false);
      case kMatte: {
        const cv::Mat* a = f.side().get<cv::Mat>("matte");
        if (!a) fail("remove: what=matte: the frame carries no matte; put a matte filter before remove (matte=out=alpha,remove=matte)");
        if (a->size() != size) cv::resize(*a, m, size, 0, 0, cv::INTER_LINEAR);
        else m = *a;
        m = m > 127;
        break;
      }
      case kMask: {
        Frame mf = mask_media_->at(mask_clock_.seconds(f), f);
        m = mf.mat(0) > 127;
        break;
      }
      case kBox: {
        if (follow_) box_ = follow_->update(bgr);
        m = cv::Mat::zeros(size, CV_8U);
        cv::Rect r = cv::Rect(cv::Rect2d(box_)) & cv::Rect(0, 0, size.width, size.height);
        m(r).setTo(255);
        break;
      }
    }
    if (dilate_ > 0) cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * dilate_ + 1, 2 * dilate_ + 1}));
    return m;
  }

  void emit_one(const Emit& emit) {
    cv::Mat changed;
    cv::Mat out = fill_->pop(&changed);
    Frame in = std::move(frames_.front());
    frames_.pop_front();
    Frame f = Frame::alloc(in.width(), in.height(), in.format());
    f.copy_props_from(in);
    conv_out_.from_bgr(out, f);
    keep_unchanged(in, changed, f);
    if (cv::Mat a = f.alpha(); !a.empty()) in.alpha().copyTo(a);
    emit(std::move(f));
  }

  What what_;
  int dilate_ = -1;
  bool track_;
  int tiles_;
  bool by_detector_ = true;
  std::string target_cls_;  // people by the detector, or an object class: target_ is made in configure
  TargetOptions target_opts_;
  std::unique_ptr<TargetMasker> target_;

  static What what_of(const std::string& w) {
    static const char* words[] = {"people", "salient", "box", "mask", "matte"};
    for (int k = 0; k < 5; ++k)
      if (w == words[k]) return What(k);
    if (find_object_class(w) >= 0) return find_object_class(w) == 0 ? kPeople : kObject;
    try {
      object_class(w);
    } catch (const Error& e) {
      fail("remove: what={}: not people, salient, box, mask, matte or an object class: {}", w, e.what());
    }
    return kObject;
  }
  cv::Rect2d box_, box0_;  // the box now (track=1 moves it) and as given
  std::unique_ptr<BoxFollower> follow_;  // track=1
  int keyint_ = 30;
  bool two_pass_ = false;
  std::unique_ptr<MediaReader> mask_media_;
  ClipClock mask_clock_;
  std::unique_ptr<SalientTracker> salient_;
  BgrConverter conv_in_, conv_out_;
  FillOptions fill_opts_;
  std::unique_ptr<VideoFill> fill_;  // made in configure (the ring follows dilate)
  std::deque<Frame> frames_;         // the frames in the fill, for their properties and alpha
  const Emit* emit_ = nullptr;
  // Last: its worker finishes queued analyses before the members they use go.
  FramePipeline<Analysed> pipe_{[this](Frame& f, Analysed& a) {
                                  a.bgr = conv_in_.to_bgr(f);
                                  a.mask = mask_of(f, a.bgr);
                                },
                                [this](Frame& f, Analysed& a) { accept(f, a); }};
};

}  // namespace

extern const FilterDesc remove_filter = {
    "remove", "Erase people, an object, a box or a painted mask, and fill in what was behind it.", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Remove>(o); },
    "The fill comes from other frames first: frames before and after (window=N each side) that saw the\n"
    "background there, aligned to this one by a homography fitted to tracked background points (right for a\n"
    "still camera, pans, tilts and zooms, and distant backgrounds); where near and far things move differently\n"
    "(parallax) by homographies fitted around the hole, frame by frame, which follow the background next to the\n"
    "object but not a scene of many depths; for a still camera also a background plate that remembers every\n"
    "pixel ever seen, and for a moving one a memory of the scene (memory=1: a mosaic of what frames older than\n"
    "the window saw, at most 3 frames' pixels, registered by the background next to the hole). pass=2 reads a file once\n"
    "before writing, so the first frames also get what only later frames see (the masks are found twice).\n"
    "What no frame saw is inpainted spatially (OpenCV's Telea, smooth rather than textured, or a network named\n"
    "with model=). shadow=1 (on for people) also takes the shadow attached to the lower part of what is removed\n"
    "(ground darker than the window shows it, of the same colour; not across parallax); reflections stay. what=salient removes one object, ISNet's largest piece, followed whole\n"
    "between its key frames (the network may see half of it, or more than it, at the next). Box syntax follows delogo: remove=x=620:y=40:w=180:h=90 (track=1 follows it).\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit). An alpha plane passes through."};

}  // namespace omni

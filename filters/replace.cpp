// replace: change one part of the picture and keep the rest. replace=background keeps the
// subject and puts a new background behind it (core/perception's Subject and core/image's
// Backdrop, the pieces matte is made of, plus a light wrap). replace=color moves the hue of the
// pixels near one colour to another's, inside a target (people, a named object, the salient
// object, a box) or everywhere, in the frame's own chroma planes: lightness (luma) is not touched
// and nothing outside the target changes.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
}

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/image/backdrop.h"
#include "core/model/hub.h"
#include "core/perception/perception.h"
#include "core/perception/subject.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"what", "what to replace: background (everything but the subject) or color (a colour by another, shading kept)",
     OptType::Enum, "background", 0, 0, "background|color"},
    {"with", "background: what goes behind the subject: a colour (name, #RRGGBB), blur[=RADIUS], or an image or video file",
     OptType::String, ""},
    {"keep", "background: the subject kept: person, salient, auto, or an object class (as matte's keep=)", OptType::String,
     "person"},
    {"model", "background: the person segmenter (auto, selfie, selfie-landscape, pose, rvm) or isnet", OptType::String, "auto"},
    {"fit", "background: an image or video: cover, contain or stretch", OptType::Enum, "cover", 0, 0, "cover|contain|stretch"},
    {"loop", "background: a video background loops (0: it holds its last picture)", OptType::Bool, "1"},
    {"wrap", "background: how much of the new background's light wraps round the subject's edge", OptType::Float, "0.3", 0, 1},
    {"despill", "background: take the old background's colour out of the subject's edge pixels", OptType::Float, "1", 0, 1},
    {"from", "color: the colour to change (a name or #RRGGBB)", OptType::Color, "red"},
    {"to", "color: the colour it becomes", OptType::Color, "blue"},
    {"target", "color: where: all (the whole picture), person (people), salient (the most salient object), or any of the "
               "object detector's 80 classes by name (car, sports ball, 汽车...); x, y, w, h give a box instead",
     OptType::String, "all"},
    {"who", "target=CLASS or keep=CLASS: which of several: all, largest, left, right, center, a rank by size or id=N",
     OptType::String, "all"},
    {"x", "a box instead of a target: left edge", OptType::Int, "0", 0, 100000},
    {"y", "a box instead of a target: top edge", OptType::Int, "0", 0, 100000},
    {"w", "a box instead of a target: width", OptType::Int, "0", 0, 100000},
    {"h", "a box instead of a target: height", OptType::Int, "0", 0, 100000},
    {"tolerance", "color: how far in hue (HSV degrees) from `from` a pixel may be and still change (softly toward the limit)",
     OptType::Float, "25", 1, 180},
    {"saturation", "color: pixels greyer than this (max - min of R, G, B, 0..1) keep their colour: greys have no hue to move",
     OptType::Float, "0.12", 0, 1},
};

enum Target { kAll, kPeople, kSalient, kObject, kBox };

constexpr double kPi = 3.14159265358979323846;

class Replace : public Filter {
 public:
  explicit Replace(const OptionValues& o) : tol_(float(o.f("tolerance") * kPi / 180)), sat_(float(o.f("saturation"))) {
    auto only = [&](std::initializer_list<const char*> names, const char* what) {
      for (const char* n : names)
        if (o.was_set(n)) fail("replace: {}= is for replace={}, not replace={}", n, what, o.s("what"));
    };
    if (o.i("what") == 0) {  // background
      only({"from", "to", "target", "x", "y", "w", "h", "tolerance", "saturation"}, "color");
      if (o.s("with").empty()) fail("replace: background needs with=: a picture, a video, a colour or blur (replace=background:with=beach.jpg)");
      backdrop_ = std::make_unique<Backdrop>(o.s("with"), Fit(o.i("fit")), o.b("loop"), "replace: with");
      if (backdrop_->transparent()) fail("replace: with={}: a transparent background is matte=bg=transparent (an alpha cut-out)", o.s("with"));
      SubjectOptions so;
      so.keep = o.s("keep"), so.who = o.s("who"), so.who_set = o.was_set("who"), so.model = o.s("model");
      so.edges.refine = -1;
      subject_ = std::make_unique<Subject>(so, "replace");
      wrap_ = float(o.f("wrap")), despill_ = float(o.f("despill"));
      return;
    }
    only({"with", "keep", "model", "fit", "loop", "wrap", "despill"}, "background");
    const uint8_t* f = o.at("from").rgba;
    const uint8_t* t = o.at("to").rgba;
    std::copy(f, f + 3, from_), std::copy(t, t + 3, to_);
    const bool box = o.was_set("x") || o.was_set("y") || o.was_set("w") || o.was_set("h");
    const std::string& tg = o.s("target");
    if (box) {
      if (o.was_set("target")) fail("replace: x, y, w, h give a box; they do not go with target={}", tg);
      if (o.i("w") <= 0 || o.i("h") <= 0) fail("replace: a box needs w and h (and x, y): replace=color:x=100:y=50:w=200:h=120");
      target_ = kBox;
      box_ = cv::Rect(int(o.i("x")), int(o.i("y")), int(o.i("w")), int(o.i("h")));
    } else if (tg == "all") {
      target_ = kAll;
    } else if (tg == "salient") {
      target_ = kSalient;
      require_model("isnet");
      salient_ = std::make_unique<SalientTracker>(30, "isnet");
    } else {
      if (find_object_class(tg) < 0 && tg != "people") {
        try {
          object_class(tg);
        } catch (const Error& e) {
          fail("replace: target={}: not all, person, salient or an object class: {}", tg, e.what());
        }
      }
      target_ = find_object_class(tg) == 0 || tg == "people" ? kPeople : kObject;
      std::string cls = tg == "people" ? "person" : tg;
      for (const auto& m : TargetMasker::models_for(cls)) require_model(m);
      target_name_ = cls;
      who_ = o.s("who");
    }
    if (o.was_set("who") && target_ != kObject && target_ != kPeople) fail("replace: who= chooses among objects of a class (target=car:who=largest)");
    // The two colours' hue as an angle in the chroma plane, and how saturated `to` is against `from`.
    if (chroma_of(from_) < 0.03) fail("replace: from= is a grey; a grey has no hue to replace (pick a colour)");
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    if (backdrop_) {
      backdrop_->set_time_base(in.time_base);
      return in;
    }
    if (target_ == kBox && (box_.x >= in.width || box_.y >= in.height))
      fail("replace: the box at {},{} is outside the {}x{} picture", box_.x, box_.y, in.width, in.height);
    if (target_ == kPeople || target_ == kObject) {
      TargetOptions to;
      to.who = who_;
      if (target_ == kPeople) {
        double fps = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 25;
        set_people_cadence(to, fps);
      }
      masker_ = std::make_unique<TargetMasker>(target_name_, to);
      // A detector frame costs several times the others: analysed up to 4 frames ahead (as remove=people).
      pipe_.set_depth(4);
    }
    return in;
  }

  int window() const override { return pipe_.depth(); }
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
    cv::Mat where;  // CV_32F target (or subject) probability at any size; empty: everywhere (or the box)
    bool person = true;
  };

  static double chroma_of(const uint8_t rgb[3]) {
    double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0, y = 0.299 * r + 0.587 * g + 0.114 * b;
    return std::hypot((b - y) / 1.772, (r - y) / 1.402);
  }

  // The colour's chroma (U, V) in the frame's matrix, in 8-bit steps around 128.
  static cv::Point2f uv_of(const Frame& f, const uint8_t rgb[3]) {
    double kr = 0.299, kb = 0.114;
    if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
    else if (f.av()->colorspace == AVCOL_SPC_BT2020_NCL || f.av()->colorspace == AVCOL_SPC_BT2020_CL) kr = 0.2627, kb = 0.0593;
    double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0;
    double y = kr * r + (1 - kr - kb) * g + kb * b;
    double s = f.av()->color_range == AVCOL_RANGE_JPEG ? 255 : 224;
    return {float((b - y) / (2 * (1 - kb)) * s), float((r - y) / (2 * (1 - kr)) * s)};
  }

  void analyse(Frame& f, Result& r) {
    if (subject_) r.where = subject_->probability(f, r.person);
    else if (masker_) r.where = masker_->probability(f);
    else if (salient_) r.where = salient_->probability(f);
  }

  // HSV hue (radians) and chroma (max - min, 0..1) of an RGB colour in 0..1.
  static void hue_chroma(float r, float g, float b, float& hue, float& chroma) {
    float mx = std::max({r, g, b}), mn = std::min({r, g, b});
    chroma = mx - mn;
    if (chroma <= 1e-6f) {
      hue = 0;
      return;
    }
    float h = mx == r ? std::fmod((g - b) / chroma + 6.f, 6.f) : mx == g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
    hue = h * float(kPi) / 3;
  }

  // Per chroma pixel: its hue (HSV, from the luma and chroma there: the chroma plane's own angle
  // crowds orange and yellow together) against from's decides how much of the turn it gets (all
  // of it within half the tolerance, none beyond it); greys keep their colour; the chroma's
  // length moves toward to's saturation by the same amount. The turn itself is made in the chroma
  // plane, from from's angle there to to's. Luma is not touched.
  void finish(Frame& f, Result& r) {
    if (subject_) {
      // The subject kept, everything else the new background: matte's alpha and compositing.
      cv::Mat alpha = subject_->alpha(r.where, r.person, f);
      Frame out = Frame::alloc(f.width(), f.height(), f.format());
      out.copy_props_from(f);
      backdrop_->composite(f, alpha, despill_, wrap_, out);
      if (f.has_alpha()) f.alpha().copyTo(out.alpha());
      out.side_mut().set("matte", alpha);
      ++frames_;
      (*emit_)(std::move(out));
      return;
    }
    f.make_writable();
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f.format());
    cv::Mat U = f.mat(1), V = f.mat(2), Y = f.mat(0), Yc;
    if (Y.size() == U.size()) Yc = Y;
    else cv::resize(Y, Yc, U.size(), 0, 0, cv::INTER_AREA);
    const cv::Point2f a = uv_of(f, from_), b = uv_of(f, to_);
    const float turn = std::atan2(b.y, b.x) - std::atan2(a.y, a.x);
    const float gain = std::hypot(b.x, b.y) / std::max(1.f, std::hypot(a.x, a.y));
    float hf, cf;
    hue_chroma(from_[0] / 255.f, from_[1] / 255.f, from_[2] / 255.f, hf, cf);
    double kr = 0.299, kb = 0.114;
    if (f.av()->colorspace == AVCOL_SPC_BT709) kr = 0.2126, kb = 0.0722;
    else if (f.av()->colorspace == AVCOL_SPC_BT2020_NCL || f.av()->colorspace == AVCOL_SPC_BT2020_CL) kr = 0.2627, kb = 0.0593;
    const bool full = f.av()->color_range == AVCOL_RANGE_JPEG;
    const float y0 = full ? 0.f : 16.f, ys = full ? 255.f : 219.f, cs = full ? 255.f : 224.f;
    const float rv = float(2 * (1 - kr)), bu = float(2 * (1 - kb)), gk = float(1 - kr - kb);
    cv::Rect area(0, 0, U.cols, U.rows);
    cv::Mat where;
    if (target_ == kBox) {
      area = cv::Rect(box_.x >> d->log2_chroma_w, box_.y >> d->log2_chroma_h, (box_.width + (1 << d->log2_chroma_w) - 1) >> d->log2_chroma_w,
                      (box_.height + (1 << d->log2_chroma_h) - 1) >> d->log2_chroma_h) &
             area;
    } else if (!r.where.empty()) {
      cv::resize(r.where, where, U.size(), 0, 0, cv::INTER_LINEAR);
    } else if (target_ != kAll) {
      (*emit_)(std::move(f));
      return;
    }
    for (int y = area.y; y < area.br().y; ++y) {
      uint8_t *u = U.ptr<uint8_t>(y), *v = V.ptr<uint8_t>(y);
      const uint8_t* l = Yc.ptr<uint8_t>(y);
      const float* m = where.empty() ? nullptr : where.ptr<float>(y);
      for (int x = area.x; x < area.br().x; ++x) {
        float k = m ? std::clamp(m[x], 0.f, 1.f) : 1.f;
        if (k <= 0.01f) continue;
        float cu = float(u[x]) - 128, cv_ = float(v[x]) - 128;
        float Yn = (float(l[x]) - y0) / ys, Un = cu / cs, Vn = cv_ / cs;
        float R = Yn + rv * Vn, B = Yn + bu * Un, G = (Yn - float(kr) * R - float(kb) * B) / gk;
        float hue, chroma;
        hue_chroma(std::clamp(R, 0.f, 1.f), std::clamp(G, 0.f, 1.f), std::clamp(B, 0.f, 1.f), hue, chroma);
        if (chroma <= sat_) continue;
        float dh = std::abs(std::remainder(hue - hf, float(2 * kPi)));
        if (dh >= tol_) continue;
        // Full weight within half the tolerance, falling to none at it; greyish pixels fade in.
        float w = k * std::clamp(2 - 2 * dh / tol_, 0.f, 1.f) * std::clamp((chroma - sat_) / std::max(0.01f, sat_), 0.f, 1.f);
        float c = std::cos(turn * w), s = std::sin(turn * w), g = 1 + (gain - 1) * w;
        u[x] = cv::saturate_cast<uint8_t>(128 + g * (c * cu - s * cv_));
        v[x] = cv::saturate_cast<uint8_t>(128 + g * (s * cu + c * cv_));
      }
    }
    ++frames_;
    (*emit_)(std::move(f));
  }

  uint8_t from_[3] = {255, 0, 0}, to_[3] = {0, 0, 255};
  float tol_, sat_;
  Target target_ = kAll;
  cv::Rect box_;
  std::string target_name_, who_ = "all";
  std::unique_ptr<TargetMasker> masker_;
  std::unique_ptr<SalientTracker> salient_;
  std::unique_ptr<Backdrop> backdrop_;
  std::unique_ptr<Subject> subject_;
  float wrap_ = 0, despill_ = 1;
  int64_t frames_ = 0;
  const Emit* emit_ = nullptr;
  // last: its worker is joined before the trackers it uses are destroyed
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { analyse(f, r); }, [this](Frame& f, Result& r) { finish(f, r); }};
};

}  // namespace

extern const FilterDesc replace_filter = {
    "replace", "Replace one part of the picture and keep the rest: the background, or a colour by another.", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Replace>(o); },
    "replace=background keeps the subject (keep=, as matte's) and puts with= behind it: matte=bg='s alpha and\n"
    "compositing (edge decontamination), plus wrap= of the new background's light round the subject's edge; a video\n"
    "loops (loop=0: holds its last picture).\n"
    "replace=color turns the hue of the pixels near from= (within tolerance= HSV degrees) in the frame's chroma plane\n"
    "toward to=, and their chroma toward to='s saturation; the luma is not touched, so shading and texture stay, and\n"
    "greys (below saturation=) keep their colour. target= limits it to people, a named object or the salient object\n"
    "(their masks as matte and remove find them), or x, y, w, h to a box; outside it nothing changes.\n"
    "Not yet here: object, sky, season and time.\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit)."};

}  // namespace omni

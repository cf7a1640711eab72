// replace: change one part of the picture and keep the rest. replace=background keeps the
// subject and puts a new background behind it (core/perception's Subject and core/image's
// Backdrop, the pieces matte is made of, plus a light wrap). replace=color moves the hue of the
// pixels near one colour to another's, inside a target (people, a named object, the salient
// object, a box) or everywhere, in the frame's own chroma planes: lightness (luma) is not touched
// and nothing outside the target changes.
#include <algorithm>
#include <cmath>
#include <deque>
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
#include "core/image/box_follow.h"
#include "core/image/convert.h"
#include "core/image/grade.h"
#include "core/image/hue_turn.h"
#include "core/image/mask_shape.h"
#include "core/image/particles.h"
#include "core/image/scene_pin.h"
#include "core/image/sprite.h"
#include "core/image/video_fill.h"
#include "core/model/hub.h"
#include "core/perception/perception.h"
#include "core/perception/ground.h"
#include "core/perception/sky.h"
#include "core/perception/subject.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"what", "what to replace: background (everything but the subject), color (a colour by another, shading kept), sky, "
             "season or time (a named grade), object (one object by a picture)",
     OptType::Enum, "background", 0, 0, "background|color|sky|season|time|object"},
    {"season", "season: the grade by name: winter (with snow), autumn, spring, summer (presets/grades.toml)", OptType::String, ""},
    {"time", "time: the grade by name: night, dusk, golden, noon (presets/grades.toml)", OptType::String, ""},
    {"amount", "season, time: how much of the grade (0..1)", OptType::Float, "1", 0, 1},
    {"with", "background, sky: what goes there: a colour (name, #RRGGBB), blur[=RADIUS] (background), or an image or video file; "
             "object: the new object's picture (PNG/WebP with alpha, or any picture with key=)",
     OptType::String, ""},
    {"key", "object: a picture without alpha: white or black cuts that plain background, none pastes it as it is", OptType::String, ""},
    {"scale", "object: the new object's size against the old one's (by area)", OptType::Float, "1", 0.05, 20},
    {"harmonize", "object: match the new picture's light and colour cast to the scene around it (0 = as it is)", OptType::Float,
     "0.5", 0, 1},
    {"occlude", "object: people in front of the old object (the hands that hold it) stay in front of the new one", OptType::Bool, "1"},
    {"keep", "background: the subject kept: person, salient, auto, or an object class (as matte's keep=)", OptType::String,
     "person"},
    {"model", "background: the person segmenter (auto, selfie, selfie-landscape, pose, rvm) or isnet", OptType::String, "auto"},
    {"fit", "background, sky: an image or video: cover, contain or stretch", OptType::Enum, "cover", 0, 0, "cover|contain|stretch"},
    {"loop", "background, sky: a video background loops (0: it holds its last picture)", OptType::Bool, "1"},
    {"wrap", "background, sky: how much of the new background's light wraps round the subject's edge", OptType::Float, "0.3", 0, 1},
    {"despill", "background, sky: take the old background's colour out of the subject's edge pixels", OptType::Float, "1", 0, 1},
    {"relight", "background, sky: move the kept picture's brightness and colour this far toward the new background's "
                "(-1: 0.3 for the sky, 0 for a background)", OptType::Float, "-1", -1, 1},
    {"follow", "sky: move the new sky with the camera (the homography of the scene along the skyline)", OptType::Bool, "1"},
    {"from", "color: the colour to change (a name or #RRGGBB)", OptType::Color, "red"},
    {"to", "color: the colour it becomes", OptType::Color, "blue"},
    {"target", "color: where: all (the whole picture), person (people), salient (the most salient object), or any of the "
               "object detector's 80 classes by name (car, sports ball, 汽车...); x, y, w, h give a box instead. object: the class of the "
               "object replaced (one: who=largest unless who= says which), or x, y, w, h a box around it, followed as it moves",
     OptType::String, "all"},
    {"who", "target=CLASS or keep=CLASS: which of several: all, largest, left, right, center, a rank by size or id=N "
            "(replace=object: largest)",
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

enum What { kBackground, kColor, kSky, kSeason, kTime, kObject };
enum Target { kAll, kPeople, kSalient, kClass, kBox };

constexpr double kPi = 3.14159265358979323846;

class Replace : public Filter {
 public:
  explicit Replace(const OptionValues& o) {
    hue_.tolerance = float(o.f("tolerance") * kPi / 180), hue_.saturation = float(o.f("saturation"));
    auto only = [&](std::initializer_list<const char*> names, const char* what) {
      for (const char* n : names)
        if (o.was_set(n)) fail("replace: {}= is for replace={}, not replace={}", n, what, o.s("what"));
    };
    what_ = What(o.i("what"));
    // replace=season=winter: the grade's name alone says what.
    if (!o.was_set("what") && (o.was_set("season") || o.was_set("time"))) {
      if (o.was_set("season") && o.was_set("time")) fail("replace: season= or time=, one grade per replace (chain two for both)");
      what_ = o.was_set("season") ? kSeason : kTime;
    }
    if (what_ == kSeason || what_ == kTime) {
      const std::string kind = what_ == kSeason ? "season" : "time";
      for (const OptionDef& d : options)
        if (o.was_set(d.name) && d.name != std::string("what") && d.name != kind && d.name != std::string("amount"))
          fail("replace: {}= is not for replace={} (only {}= and amount=)", d.name, kind, kind);
      if (o.s(kind).empty())
        fail("replace: {} needs a name: replace={}={} ({}s: {})", kind, kind, kind == "season" ? "winter" : "night", kind, fmt::join(grade_names(kind), ", "));
      grade_ = &find_grade(kind, o.s(kind), "replace");
      amount_ = float(o.f("amount"));
      if (grade_->whiten > 0) {
        sky_ = std::make_unique<SkyFinder>();
        for (const auto& m : TargetMasker::models_for("person")) require_model(m);
      }
      if (grade_->snow > 0) {
        WeatherOptions w;
        w.kind = "snow", w.density = grade_->snow;
        weather_ = std::make_unique<Weather>(w);
        for (const auto& m : TargetMasker::models_for("person")) require_model(m);
      }
      return;
    }
    for (const char* n : {"season", "time", "amount"})
      if (o.was_set(n)) fail("replace: {}= is for replace=season or replace=time", n);
    if (what_ == kObject) {
      object_setup(o);
      return;
    }
    for (const char* n : {"key", "scale", "harmonize", "occlude"})
      if (o.was_set(n)) fail("replace: {}= is for replace=object, not replace={}", n, o.s("what"));
    if (what_ != kColor) {  // background or sky: something new behind what is kept
      only({"from", "to", "target", "x", "y", "w", "h", "tolerance", "saturation"}, "color");
      const char* example = what_ == kSky ? "replace=sky:with=sunset.jpg" : "replace=background:with=beach.jpg";
      if (o.s("with").empty()) fail("replace: {} needs with=: a picture, a video or a colour ({})", o.s("what"), example);
      backdrop_ = std::make_unique<Backdrop>(o.s("with"), Fit(o.i("fit")), o.b("loop"), "replace: with");
      if (backdrop_->transparent()) fail("replace: with={}: a transparent background is matte=bg=transparent (an alpha cut-out)", o.s("with"));
      wrap_ = float(o.f("wrap")), despill_ = float(o.f("despill"));
      relight_ = o.f("relight") >= 0 ? float(o.f("relight")) : what_ == kSky ? 0.3f : 0.f;
      if (what_ == kSky) {
        if (o.s("with") == "blur" || o.s("with").rfind("blur=", 0) == 0) fail("replace: sky: with=blur blurs a background; the sky needs a picture, a video or a colour");
        for (const char* n : {"keep", "model", "who"})
          if (o.was_set(n)) fail("replace: {}= is for replace=background; the sky is found without a model", n);
        follow_ = o.b("follow");
        sky_ = std::make_unique<SkyFinder>();
        MatteOptions mo;
        mo.threshold = 0.5f, mo.softness = 0.4f;
        sky_edges_ = std::make_unique<MatteRefiner>(mo);
        return;
      }
      if (o.was_set("follow")) fail("replace: follow= is for replace=sky");
      SubjectOptions so;
      so.keep = o.s("keep"), so.who = o.s("who"), so.who_set = o.was_set("who"), so.model = o.s("model");
      so.edges.refine = -1;
      subject_ = std::make_unique<Subject>(so, "replace");
      return;
    }
    only({"with"}, "background, replace=sky or replace=object");
    only({"keep", "model", "fit", "loop", "wrap", "despill", "relight", "follow"}, "background or replace=sky");
    const uint8_t* f = o.at("from").rgba;
    const uint8_t* t = o.at("to").rgba;
    std::copy(f, f + 3, hue_.from), std::copy(t, t + 3, hue_.to);
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
      target_ = find_object_class(tg) == 0 || tg == "people" ? kPeople : kClass;
      std::string cls = tg == "people" ? "person" : tg;
      for (const auto& m : TargetMasker::models_for(cls)) require_model(m);
      target_name_ = cls;
      who_ = o.s("who");
    }
    if (o.was_set("who") && target_ != kClass && target_ != kPeople) fail("replace: who= chooses among objects of a class (target=car:who=largest)");
    if (chroma_of(hue_.from) < 0.03) fail("replace: from= is a grey; a grey has no hue to replace (pick a colour)");
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    double fps = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 25;
    if (grade_) {
      dt_ = 1 / fps;
      if (grade_->whiten > 0 || grade_->snow > 0) {
        // Never whitened, and in front of the far snow: people, at remove=people's cadence.
        TargetOptions to;
        set_people_cadence(to, fps);
        masker_ = std::make_unique<TargetMasker>("person", to);
        pipe_.set_depth(4);
      }
      return in;
    }
    if (backdrop_) {
      backdrop_->set_time_base(in.time_base);
      if (subject_) subject_->set_frame_rate(in.frame_rate.num > 0 && in.frame_rate.den > 0 ? fps : 0);
      return in;
    }
    if (what_ == kObject) return object_configure(in, fps);
    if (target_ == kBox && (box_.x >= in.width || box_.y >= in.height))
      fail("replace: the box at {},{} is outside the {}x{} picture", box_.x, box_.y, in.width, in.height);
    if (target_ == kPeople || target_ == kClass) {
      TargetOptions to;
      to.who = who_;
      if (target_ == kPeople) set_people_cadence(to, fps);
      masker_ = std::make_unique<TargetMasker>(target_name_, to);
      // A detector frame costs several times the others: analysed up to 4 frames ahead (as remove=people).
      pipe_.set_depth(4);
    }
    return in;
  }

  int window() const override { return pipe_.depth() + (fill_ ? fill_->latency() : 0); }
  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    pipe_.push(std::move(in));
  }
  void flush(const Emit& emit) override {
    emit_ = &emit;
    pipe_.flush();
    if (fill_) {
      fill_->finish();
      while (fill_->ready()) emit_object();
    }
  }

 private:
  struct Result {
    cv::Mat where;  // CV_32F target (or subject, or sky) probability at any size; empty: everywhere (or the box)
    bool person = true;
    cv::Matx33d camera = cv::Matx33d::eye();  // sky: the first frame's pixels to this frame's
    cv::Mat people;                           // season, time, object: person probability, or empty
    cv::Mat bgr, hole;                        // object: the picture and what is filled (frame size)
    MaskShape shape;                          // object: where the old one is, in frame pixels
  };

  void analyse(Frame& f, Result& r) {
    if (what_ == kObject) return object_analyse(f, r);
    if (grade_) {
      if (masker_) r.people = masker_->probability(f);
      if (sky_) r.where = ground_likeness(f, sky_->probability(f), r.people);
      return;
    }
    if (sky_) {
      r.where = sky_->probability(f);
      if (follow_) r.camera = track_camera(f, r.where);
      return;
    }
    if (subject_) r.where = subject_->probability(f, r.person);
    else if (masker_) r.where = masker_->probability(f);
    else if (salient_) r.where = salient_->probability(f);
  }

  // The camera's motion as the scene along the skyline shows it: corners in a band under the
  // sky's edge (the sky itself has none worth following, and its clouds drift), followed from a
  // key frame (ScenePin). The sky at infinity moves by the camera's rotation alone, which the
  // distant skyline shares; the foreground near the camera does not, so it is left out.
  cv::Matx33d track_camera(const Frame& f, const cv::Mat& sky) {
    cv::Mat in_sky = sky > 0.25f, band, near;
    int r = std::max(2, sky.rows / 5);
    cv::dilate(in_sky, band, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    cv::dilate(in_sky, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    cv::Mat exclude = ~(band & ~near);
    if (!camera_) camera_ = std::make_unique<ScenePin>(cv::Point2f(f.width() / 2.f, f.height() / 2.f), float(std::hypot(f.width(), f.height())));
    return camera_->update(f.mat(0), exclude);
  }

  void finish(Frame& f, Result& r) {
    if (what_ == kObject) {
      fill_->push(std::move(r.bgr), std::move(r.hole));
      waiting_.push_back({std::move(f), r.shape, std::move(r.people), std::move(r.where)});
      while (fill_->ready()) emit_object();
      return;
    }
    if (grade_) {
      f.make_writable();
      apply_grade(f, *grade_, amount_, r.where);
      if (weather_) weather_->draw(f, dt_, r.people);
      ++frames_;
      (*emit_)(std::move(f));
      return;
    }
    if (sky_) {
      // The sky's alpha at frame size, edges on the frame's own (the guided filter); what is kept
      // is the rest.
      cv::Mat keep = 255 - sky_edges_->refine(r.where, f);
      if (follow_) backdrop_->set_camera(r.camera, 1.25);
      Frame out = Frame::alloc(f.width(), f.height(), f.format());
      out.copy_props_from(f);
      backdrop_->composite(f, keep, despill_, wrap_, out, relight_);
      if (f.has_alpha()) f.alpha().copyTo(out.alpha());
      if (sky_->coverage() == 0) av_log(nullptr, AV_LOG_VERBOSE, "replace: sky: none found in frame %lld\n", (long long)frames_);
      ++frames_;
      (*emit_)(std::move(out));
      return;
    }
    if (subject_) {
      // The subject kept, everything else the new background: matte's alpha and compositing.
      cv::Mat alpha = subject_->alpha(r.where, r.person, f);
      Frame out = Frame::alloc(f.width(), f.height(), f.format());
      out.copy_props_from(f);
      backdrop_->composite(f, alpha, despill_, wrap_, out, relight_);
      if (f.has_alpha()) f.alpha().copyTo(out.alpha());
      out.side_mut().set("matte", alpha);
      ++frames_;
      (*emit_)(std::move(out));
      return;
    }
    if (target_ != kAll && target_ != kBox && r.where.empty()) {
      (*emit_)(std::move(f));
      return;
    }
    f.make_writable();
    turn_hue(f, hue_, r.where, target_ == kBox ? box_ : cv::Rect());
    ++frames_;
    (*emit_)(std::move(f));
  }

  // ---- replace=object ------------------------------------------------------------------------

  void object_setup(const OptionValues& o) {
    for (const char* n : {"fit", "loop", "wrap", "despill", "relight", "follow", "from", "to", "tolerance", "saturation", "keep", "model"})
      if (o.was_set(n)) fail("replace: {}= is not for replace=object", n);
    if (o.s("with").empty()) fail("replace: object needs with=: the new object's picture (replace=object:target=sports ball:with=football.png)");
    const std::string& key = o.s("key");
    if (!key.empty() && key != "white" && key != "black" && key != "none")
      fail("replace: key={}: white, black (the plain background to cut) or none (paste as it is)", key);
    sprite_ = std::make_unique<Sprite>(Sprite::load(o.s("with"), key, "replace: with"));
    scale_ = float(o.f("scale"));
    light_ = Harmonizer(float(o.f("harmonize")));
    const bool box = o.was_set("x") || o.was_set("y") || o.was_set("w") || o.was_set("h");
    const std::string& tg = o.s("target");
    if (box) {
      if (o.was_set("target")) fail("replace: x, y, w, h give a box; they do not go with target={}", tg);
      if (o.i("w") <= 0 || o.i("h") <= 0) fail("replace: a box needs w and h (and x, y): replace=object:x=300:y=200:w=80:h=80:with=cup.png");
      if (o.was_set("who")) fail("replace: who= chooses among objects of a class; a box is one place");
      target_ = kBox;
      box_ = cv::Rect(int(o.i("x")), int(o.i("y")), int(o.i("w")), int(o.i("h")));
      follow_box_ = std::make_unique<BoxFollower>(cv::Rect2d(box_));
    } else {
      if (!o.was_set("target") || tg == "all")
        fail("replace: object needs target=CLASS (target=sports ball) or a box (x, y, w, h) to say which object");
      if (tg == "salient") fail("replace: object: target=salient is not here; name the class (target=cup) or give a box");
      check_who(o.s("who"));
      object_class(tg);  // a clear error for an unknown class (the nearest names)
      target_ = kClass;
      target_name_ = find_object_class(tg) == 0 || tg == "people" ? "person" : tg;
      who_ = o.was_set("who") ? o.s("who") : "largest";
      for (const auto& m : TargetMasker::models_for(target_name_)) require_model(m);
    }
    occlude_ = o.b("occlude") && target_name_ != "person";
    if (occlude_)
      for (const auto& m : TargetMasker::models_for("person")) require_model(m);
  }

  StreamInfo object_configure(const StreamInfo& in, double fps) {
    if (target_ == kBox && (box_.x >= in.width || box_.y >= in.height))
      fail("replace: the box at {},{} is outside the {}x{} picture", box_.x, box_.y, in.width, in.height);
    if (target_ == kClass) {
      TargetOptions to;
      to.who = who_;
      if (target_name_ == "person") set_people_cadence(to, fps);
      masker_ = std::make_unique<TargetMasker>(target_name_, to);
    }
    if (occlude_) {
      TargetOptions to;
      set_people_cadence(to, fps);
      people_ = std::make_unique<TargetMasker>("person", to);
    }
    if (masker_ || people_) pipe_.set_depth(4);  // a detector frame costs several times the others
    // The hole: the object's mask grown as remove grows an object's (1/60 of the height), a box
    // by 2 pixels (it is already drawn round the object).
    grow_ = target_ == kBox ? 2 : std::max(2, in.height / 60);
    FillOptions fo;
    fo.ring = std::max(4, grow_ + 2);
    fo.join = target_ == kClass;
    fill_ = std::make_unique<VideoFill>(fo);
    return in;
  }

  // Worker thread, frames in order: the old object's mask, the hole to fill, and its shape.
  void object_analyse(Frame& f, Result& r) {
    r.bgr = conv_in_.to_bgr(f);
    const cv::Size size(f.width(), f.height());
    if (follow_box_) {
      const cv::Rect2d b = follow_box_->update(r.bgr);
      const double k = std::min(1.0, 640.0 / std::max(size.width, size.height));
      r.where = cv::Mat::zeros(std::max(1, int(size.height * k)), std::max(1, int(size.width * k)), CV_32F);
      cv::Rect rb(cv::Point(int(std::floor(b.x * k)), int(std::floor(b.y * k))), cv::Point(int(std::ceil(b.br().x * k)), int(std::ceil(b.br().y * k))));
      r.where(rb & cv::Rect(0, 0, r.where.cols, r.where.rows)).setTo(1.f);
    } else {
      r.where = masker_->probability(f);
    }
    if (people_) r.people = people_->probability(f);
    // Placed by the whole box (the user drew it round the object); but hands that hold the
    // object are people, not object: they are not filled over, and they stay in front.
    const cv::Mat placed = r.where;
    if (follow_box_ && !r.people.empty()) {
      cv::Mat p;
      cv::resize(r.people, p, r.where.size(), 0, 0, cv::INTER_LINEAR);
      r.where = r.where.clone();
      r.where.setTo(0.f, p > 0.5f);
    }
    r.hole = hole_mask(r.where, size, grow_, false);
    // Its turn against the first frame it was seen in: followed when it is long enough for its
    // main axis to mean something (a ball has none).
    MaskShape m = mask_shape(placed, turn_);
    if (m.found && m.elongation >= 1.4f) {
      if (!have_axis_) axis0_ = m.axis, have_axis_ = true;
      float d = m.axis - axis0_;
      while (d > float(kPi) / 2) d -= float(kPi);
      while (d <= -float(kPi) / 2) d += float(kPi);
      // The axis has no head: of d and d - pi the one nearer the last turn (no sudden half turn).
      if (std::abs(d - turn_) > float(kPi) / 2) d += d > turn_ ? -float(kPi) : float(kPi);
      if (std::abs(d - turn_) > 1e-3f) turn_ = d, m = mask_shape(placed, turn_);
    }
    if (m.found) {
      const float sx = float(size.width) / float(r.where.cols), sy = float(size.height) / float(r.where.rows);
      m.centre = cv::Point2f(m.centre.x * sx - 0.5f, m.centre.y * sy - 0.5f);
      m.width *= sx, m.height *= sy;  // near enough for the small anisotropy of the working size
      m.axis = turn_;
    }
    r.shape = m;
  }

  // Main thread: the oldest frame filled, and the new object drawn where the old one was.
  void emit_object() {
    cv::Mat changed;
    cv::Mat filled = fill_->pop(&changed);
    Waiting w = std::move(waiting_.front());
    waiting_.pop_front();
    Frame f = Frame::alloc(w.frame.width(), w.frame.height(), w.frame.format());
    f.copy_props_from(w.frame);
    conv_out_.from_bgr(filled, f);
    keep_unchanged(w.frame, changed, f);
    if (cv::Mat a = f.alpha(); !a.empty()) w.frame.alpha().copyTo(a);
    // Its place: the median of this frame's shape and its neighbours' that saw it, as many each
    // side (the fill's window keeps the next frames here already): steady on a still object, and
    // no lag on a moving one, at the ends of the clip too (a one-sided window would trail).
    const size_t k = std::min({seen_.size(), waiting_.size(), size_t(2)});
    std::vector<const MaskShape*> near;
    for (size_t i = seen_.size() - k; i < seen_.size(); ++i) near.push_back(&seen_[i]);
    near.push_back(&w.shape);
    for (size_t i = 0; i < k; ++i) near.push_back(&waiting_[i].shape);
    std::vector<float> cx, cy, sw, sh;
    for (const MaskShape* s : near)
      if (s->found) cx.push_back(s->centre.x), cy.push_back(s->centre.y), sw.push_back(s->width), sh.push_back(s->height);
    seen_.push_back(w.shape);
    if (seen_.size() > 2) seen_.pop_front();
    auto median = [](std::vector<float>& v) {
      std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
      return v[v.size() / 2];
    };
    if (w.shape.found) {
      place_ = w.shape;
      place_.centre = {median(cx), median(cy)};
      place_.width = median(sw), place_.height = median(sh);
    } else {
      av_log(nullptr, AV_LOG_VERBOSE, "replace: object: not found in frame %lld\n", (long long)frames_);
    }
    // Lost: it fades out where it was last seen, and back in when found (over 6 frames).
    shown_ = frames_ == 0 && w.shape.found ? 1.f : std::clamp(shown_ + (w.shape.found ? 1.f : -1.f) / 6, 0.f, 1.f);
    if (shown_ > 0 && place_.found) {
      const cv::Rect c = sprite_->content();
      const float k = scale_ * std::sqrt(place_.width * place_.height / float(c.area()));
      const float ca = std::cos(place_.axis) * k, sa = std::sin(place_.axis) * k;
      const float px = float(c.x) + float(c.width) / 2 - 0.5f, py = float(c.y) + float(c.height) / 2 - 0.5f;
      const cv::Matx23d A(ca, -sa, place_.centre.x - (ca * px - sa * py), sa, ca, place_.centre.y - (sa * px + ca * py));
      // Hands that held the old object stay in front of the new one: people, less the object.
      cv::Mat cover;
      if (!w.people.empty()) {
        cv::Mat obj;
        cv::resize(w.where, obj, w.people.size(), 0, 0, cv::INTER_LINEAR);
        cover = cv::max(w.people - obj, 0);
      }
      const cv::Point2f motion = have_prev_ ? (place_.centre - prev_centre_) * 0.5f : cv::Point2f(0, 0);
      sprite_->draw(f, A, shown_, light_.update(f, sprite_->bounds(A, {f.width(), f.height()}), *sprite_), cover, motion);
      prev_centre_ = place_.centre, have_prev_ = w.shape.found;
    }
    ++frames_;
    (*emit_)(std::move(f));
  }

  struct Waiting {
    Frame frame;
    MaskShape shape;
    cv::Mat people, where;
  };
  std::unique_ptr<Sprite> sprite_;
  float scale_ = 1;
  Harmonizer light_{0};
  bool occlude_ = false;
  std::unique_ptr<TargetMasker> people_;
  std::unique_ptr<BoxFollower> follow_box_;
  std::unique_ptr<VideoFill> fill_;
  int grow_ = 2;
  BgrConverter conv_in_, conv_out_;
  std::deque<Waiting> waiting_;  // frames in the fill, with what is drawn on them
  std::deque<MaskShape> seen_;   // the last two frames' shapes
  MaskShape place_;              // where it was drawn last
  float shown_ = 0, turn_ = 0, axis0_ = 0;
  bool have_axis_ = false, have_prev_ = false;
  cv::Point2f prev_centre_;

  HueTurn hue_;
  Target target_ = kAll;
  cv::Rect box_;
  std::string target_name_, who_ = "all";
  std::unique_ptr<TargetMasker> masker_;
  std::unique_ptr<SalientTracker> salient_;
  std::unique_ptr<Backdrop> backdrop_;
  std::unique_ptr<Subject> subject_;
  float wrap_ = 0, despill_ = 1, relight_ = 0;
  What what_ = kBackground;
  bool follow_ = true;
  std::unique_ptr<SkyFinder> sky_;
  std::unique_ptr<MatteRefiner> sky_edges_;
  std::unique_ptr<ScenePin> camera_;
  const Grade* grade_ = nullptr;
  float amount_ = 1;
  std::unique_ptr<Weather> weather_;
  double dt_ = 1.0 / 25;
  int64_t frames_ = 0;
  const Emit* emit_ = nullptr;
  // last: its worker is joined before the trackers it uses are destroyed
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { analyse(f, r); }, [this](Frame& f, Result& r) { finish(f, r); }};
};

}  // namespace

extern const FilterDesc replace_filter = {
    "replace", "Replace one part of the picture and keep the rest: the background, a colour, the sky, the season, the time of day or an object.",
    options, [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Replace>(o); },
    "replace=background keeps the subject (keep=, as matte's) and puts with= behind it: matte=bg='s alpha and\n"
    "compositing (edge decontamination), plus wrap= of the new background's light round the subject's edge; a video\n"
    "loops (loop=0: holds its last picture).\n"
    "replace=color turns the hue of the pixels near from= (within tolerance= HSV degrees) in the frame's chroma plane\n"
    "toward to=, and their chroma toward to='s saturation; the luma is not touched, so shading and texture stay, and\n"
    "greys (below saturation=) keep their colour. target= limits it to people, a named object or the salient object\n"
    "(their masks as matte and remove find them), or x, y, w, h to a box; outside it nothing changes.\n"
    "replace=sky finds the sky without a network (bright, smooth, open to the top of the picture, in the colours\n"
    "of the part that is surely sky), edges on the frame's own (a guided filter), the old sky's colour taken out of\n"
    "the skyline's edge pixels; with= moves with the camera (follow=: corners along the skyline tracked, a\n"
    "homography), drawn 1.25x the frame so a pan has sky to show; the rest is relit toward it (relight=). It fails\n"
    "where the sky shows through fine texture (the gaps between branches stay old sky), under a night sky, and on a\n"
    "smooth bright wall that meets the top of the picture in the sky's own colour; a picture with no sky is passed\n"
    "through untouched (-loglevel verbose says which frames).\n"
    "replace=season=winter|autumn|spring|summer and replace=time=night|dusk|golden|noon are classical colour\n"
    "grades named in presets/grades.toml (add your own in ~/.config/omni/grades.toml or $OMNI_GRADES): a luma\n"
    "curve, colour that follows it, temperature, tint, a vignette and hue turns (autumn turns greens orange);\n"
    "winter also whitens smooth ground-coloured regions low in the picture a little (a guess from position,\n"
    "smoothness and colour: there is no depth or surface model here), never people, and lets snow fall (add=snow's\n"
    "particles, behind and in front of people). No generative model: the light's direction and the shadows stay\n"
    "those of the day the video was shot.\n"
    "replace=object:target=CLASS:with=PICTURE (or x, y, w, h: a box round it, followed as it moves) takes the old\n"
    "object out as remove does (what other frames saw behind it, then inpainting) and draws the picture where it\n"
    "was: centred on it, its area matched (scale=), turned as the old one turns when it is long enough to show it\n"
    "(a ball is not), its light matched to the scene round it (harmonize=); people in front of the old object (the\n"
    "hands that hold it, inside a box too) stay in front (occlude=); the rest of the picture comes out bit for bit.\n"
    "One object a replace: who=largest unless who= says which. The picture is flat: it does not turn in depth or\n"
    "take the old object's shading, and a frame where the object is not found shows it fading where it was last\n"
    "seen (-loglevel verbose says which frames).\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit)."};

}  // namespace omni

// add: put a picture into the scene and keep it where it belongs — on a body (eyes, head, a
// hand...: core/perception's body anchors, from the tracked pose and face mesh) or on a point of
// the scene (core/image's ScenePin follows the background around it through camera motion, and
// people who walk in front of it cover it). The picture is drawn in the frame's own YUV
// (core/image's Sprite: premultiplied, antialiased), its light matched to the scene around it.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
}

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/image/particles.h"
#include "core/image/scene_pin.h"
#include "core/image/sprite.h"
#include "core/media/media_reader.h"
#include "core/model/hub.h"
#include "core/perception/ground_plane.h"
#include "core/perception/perception.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"weather", "weather or atmosphere over the whole picture instead of a picture: snow, rain, leaves, petals, embers, fog, "
                "haze (add=snow)", OptType::String, ""},
    {"image", "the picture to add: PNG/WebP with alpha, or any picture with key=", OptType::String, ""},
    {"video", "a clip to add, looped from the first frame: with alpha (WebM VP8/VP9, PNG or ProRes 4444 in MOV, FFV1, GIF), "
              "or any video with key=", OptType::String, ""},
    {"text", "a line of text to add instead of a picture (UTF-8)", OptType::String, ""},
    {"fontfile", "text: the font (TrueType/OpenType; default DejaVu Sans Bold, or WenQuanYi Micro Hei for text with Chinese, "
                 "Japanese or Korean)", OptType::String, ""},
    {"fontsize", "text: height of its letters in pixels, before scale", OptType::Int, "64", 4, 1024},
    {"fontcolor", "text: colour", OptType::Color, "white"},
    {"borderw", "text: width of the dark border around the letters", OptType::Int, "2", 0, 64},
    {"anchor", "a body point it follows: eyes, head, face, nose, mouth, left_ear, right_ear, shoulders, chest, left_hand, "
               "right_hand, hips, left_foot, right_foot (the person's own left and right); without it, x and y pin it to the scene",
     OptType::String, ""},
    {"x", "scene point (pixels of the first frame) the picture's centre is pinned to", OptType::Float, "0", 0, 100000},
    {"y", "scene point (pixels of the first frame) the picture's centre is pinned to", OptType::Float, "0", 0, 100000},
    {"size", "width in pixels at the pinned point in the first frame (0 = the picture's own)", OptType::Int, "0", 0, 16384},
    {"scale", "size relative to the anchor's natural size (or to size=)", OptType::Float, "1", 0.01, 100},
    {"rotate", "extra rotation in degrees, clockwise (on=ground: turned on the ground, seen from above)", OptType::Float, "0", -360, 360},
    {"dx", "shift from the anchor, in the picture's widths (turns with it)", OptType::Float, "0", -20, 20},
    {"dy", "shift from the anchor, in the picture's heights (turns with it; positive is down)", OptType::Float, "0", -20, 20},
    {"key", "a picture without alpha: white or black cuts that plain background, none pastes it as it is", OptType::String, ""},
    {"opacity", "how opaque the picture is drawn", OptType::Float, "1", 0, 1},
    {"harmonize", "match the picture's light and colour cast to the scene around it (0 = as it is; -1 = 0.5 for pictures, 0 for "
                  "text, whose colour is meant as given)", OptType::Float, "-1", -1, 1},
    {"track", "scene pins: follow the camera's motion (0 = stay at the same place on screen)", OptType::Bool, "1"},
    {"occlude", "scene pins: people who pass in front of the picture cover it", OptType::Bool, "1"},
    {"on", "scene pins: upright (facing the camera, like a sign) or ground (lying flat on the ground plane at the point, "
           "in perspective: a crack, a rug, a puddle)", OptType::Enum, "upright", 0, 0, "upright|ground"},
    {"horizon", "on=ground: the horizon's row in pixels of the first frame (negative: above the picture), or auto: where "
                "the ground's receding edges meet", OptType::String, "auto"},
    {"who", "body anchors: the person followed when there are several: largest, left, right, center, or a rank by size "
            "(1 = largest); default the pose detector's most confident", OptType::String, ""},
    {"layer", "body anchors: front (over the person) or behind (people cover it: wings, a halo, a sign held behind)",
     OptType::Enum, "front", 0, 0, "front|behind"},
    {"fade", "frames to fade out when the anchor is lost and back in when it is found", OptType::Int, "6", 0, 300},
    {"shadow", "a soft contact shadow under the picture, how dark (-1 = 0.4 for scene pins, none on a body or for text)",
     OptType::Float, "-1", -1, 1},
    {"shutter", "motion blur: the part of a frame's motion the picture is smeared over (0 = none; 0.5 is a 180-degree shutter)",
     OptType::Float, "0.5", 0, 1},
    {"density", "weather: how much, relative to the usual (particles, or fog's thickness)", OptType::Float, "1", 0, 10},
    {"wind", "weather: sideways drift in picture widths a second (negative: to the left)", OptType::Float, "0", -5, 5},
    {"speed", "weather: how fast it falls (embers: rise), relative to the usual", OptType::Float, "1", 0, 10},
    {"front", "weather: how many of its 3 depth layers (nearest first) fall in front of people; the others go behind them",
     OptType::Int, "1", 0, 3},
    {"seed", "weather: the random seed (the same seed gives the same frames)", OptType::Int, "1", 0, 2147483647},
};

// Chinese, Japanese or Korean characters (DejaVu has none of them: they came out as boxes).
bool has_cjk(const std::string& utf8) {
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (n > 1) {
      cp = c & (0x7F >> n);
      for (int k = 1; k < n && i + size_t(k) < utf8.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + size_t(k)]) & 0x3F);
    }
    if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF))
      return true;
    i += size_t(n);
  }
  return false;
}

class Add : public Filter {
 public:
  explicit Add(const OptionValues& o)
      : anchor_name_(o.s("anchor")), at_(float(o.f("x")), float(o.f("y"))), size_(int(o.i("size"))), scale_(float(o.f("scale"))),
        rotate_(float(o.f("rotate") * M_PI / 180)), dx_(float(o.f("dx"))), dy_(float(o.f("dy"))), opacity_(float(o.f("opacity"))),
        harmonize_(float(o.f("harmonize"))), track_(o.b("track")), occlude_(o.b("occlude")), fade_(int(o.i("fade"))),
        shadow_(float(o.f("shadow"))), shutter_(float(o.f("shutter"))) {
    const int given = !o.s("weather").empty() + !o.s("image").empty() + !o.s("video").empty() + !o.s("text").empty();
    if (given == 0) fail("add: say what to add: image=PICTURE, video=CLIP, text='...' or a weather (add=snow)");
    if (given > 1) fail("add: one thing per add: weather, image=, video= or text= (chain two adds for two)");
    if (!o.s("weather").empty()) {
      for (const char* k : {"anchor", "x", "y", "size", "scale", "rotate", "dx", "dy", "key", "track", "layer", "who", "on", "horizon"})
        if (o.was_set(k)) fail("add: weather={} covers the whole picture; {}= is for pictures and text", o.s("weather"), k);
      if (std::find(weather_kinds().begin(), weather_kinds().end(), o.s("weather")) == weather_kinds().end() &&
          std::ifstream(o.s("weather")).good())
        fail("add: {} is a file, not a weather; a picture goes in image= (add=image={}:anchor=eyes)", o.s("weather"), o.s("weather"));
      if (std::find(weather_kinds().begin(), weather_kinds().end(), o.s("weather")) == weather_kinds().end())
        fail("add: weather={}: not a weather{}; weathers: {}", o.s("weather"), did_you_mean(o.s("weather"), weather_kinds()),
             fmt::join(weather_kinds(), ", "));
      WeatherOptions w;
      w.kind = o.s("weather");
      w.density = float(o.f("density")), w.wind = float(o.f("wind")), w.speed = float(o.f("speed"));
      w.seed = uint64_t(o.i("seed")), w.in_front = int(o.i("front"));
      weather_ = std::make_unique<Weather>(w);
      // People in front of the far layers need the people masks (not fog: it is everywhere).
      occlude_ = occlude_ && w.in_front < 3 && w.kind != "fog" && w.kind != "haze";
      if (occlude_)
        for (const auto& m : TargetMasker::models_for("person")) require_model(m);
      return;
    }
    for (const char* k : {"density", "wind", "speed", "front", "seed"})
      if (o.was_set(k)) fail("add: {}= is for weather (add=snow:{}=...)", k, k);
    ground_ = o.s("on") == "ground";
    if (o.was_set("horizon") && !ground_) fail("add: horizon= is for on=ground (a picture lying on the ground)");
    if (ground_) {
      if (!o.s("anchor").empty()) fail("add: on=ground lays the picture on the ground at x=:y=; anchor={} follows a body", o.s("anchor"));
      if (o.was_set("shadow") && o.f("shadow") > 0) fail("add: on=ground lies flat on the ground: it casts no contact shadow (shadow=0)");
      if (o.was_set("dx") || o.was_set("dy")) fail("add: on=ground: x= and y= say where on the ground its centre lies; dx= and dy= are for anchors");
      if (o.s("horizon") != "auto") {
        const std::string& t = o.s("horizon");
        char* end = nullptr;
        double row = std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(row) || std::abs(row) > 100000)
          fail("add: horizon={}: auto, or the horizon's row in pixels of the first frame (negative: above the picture)", t);
        horizon_given_ = true, horizon_row_ = float(row);
      }
      shadow_ = 0;
    }
    if (shadow_ < 0) shadow_ = o.s("anchor").empty() && o.s("text").empty() ? 0.4f : 0.f;
    if (!o.s("text").empty()) {
      if (o.was_set("key")) fail("add: key= cuts a picture's background; text has none");
      std::string font = o.s("fontfile");
      if (font.empty())
        font = has_cjk(o.s("text")) ? "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" : "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
      sprite_ = Sprite::text(o.s("text"), font, int(o.i("fontsize")), o.at("fontcolor").rgba, int(o.i("borderw")), "add: text");
      if (harmonize_ < 0) harmonize_ = 0;
    } else {
      for (const char* k : {"fontfile", "fontsize", "fontcolor", "borderw"})
        if (o.was_set(k)) fail("add: {}= is for text= (add=text='...':{}=...)", k, k);
      const std::string& key = o.s("key");
      if (!key.empty() && key != "white" && key != "black" && key != "none")
        fail("add: key={}: white, black (the plain background to cut) or none (paste as it is)", key);
      if (!o.s("video").empty()) {
        clip_path_ = o.s("video"), key_ = key;
        clip_ = std::make_unique<MediaReader>(clip_path_);
        clip_picture_ = clip_->bgra_at(0);
        sprite_ = clip_sprite(clip_picture_);
      } else {
        sprite_ = Sprite::load(o.s("image"), key, "add: image");
      }
      if (harmonize_ < 0) harmonize_ = 0.5f;
    }
    picture_size_ = sprite_.size();  // a clip's every picture is drawn at its first one's size
    const bool scene = o.was_set("x") || o.was_set("y");
    if (!anchor_name_.empty()) {
      if (scene) fail("add: anchor={} follows a body; x= and y= pin to the scene: give one or the other", anchor_name_);
      if (o.was_set("size")) fail("add: anchor={} sizes the picture by the body (scale= makes it larger or smaller); size= is for scene pins", anchor_name_);
      if (o.was_set("track") || o.was_set("occlude")) fail("add: track= and occlude= are for scene pins (x=:y=), not anchor={}", anchor_name_);
      behind_ = o.s("layer") == "behind";
      if (behind_)
        for (const auto& m : TargetMasker::models_for("person")) require_model(m);
      if (!is_body_anchor(anchor_name_))
        fail("add: anchor={}: no such body point{}; anchors: {}", anchor_name_, did_you_mean(anchor_name_, body_anchor_names()),
             fmt::join(body_anchor_names(), ", "));
      for (const auto& m : BodyAnchor::models_for(anchor_name_)) require_model(m);
      body_ = std::make_unique<BodyAnchor>(anchor_name_, o.s("who"));
    } else {
      if (!o.was_set("x") || !o.was_set("y")) fail("add: say where: anchor=NAME (a body point) or x= and y= (a point of the scene)");
      if (o.was_set("layer")) fail("add: layer= is for body anchors; people cover a scene pin by occlude=");
      if (o.was_set("who")) fail("add: who= picks the person a body anchor follows; a scene pin is a place");
      if (occlude_)
        for (const auto& m : TargetMasker::models_for("person")) require_model(m);
    }
  }

  ~Add() override {
    if (frames_ > 0 && lost_ > 0)
      av_log(nullptr, AV_LOG_VERBOSE, "add: the %s was not found in %lld of %lld frames (first at frame %lld)\n",
             body_ ? ("anchor " + anchor_name_).c_str() : "pinned point", (long long)lost_, (long long)frames_, (long long)first_lost_);
    if (pin_) av_log(nullptr, AV_LOG_VERBOSE, "add: the scene pin took %d key frames\n", pin_->key_frames());
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    double fps = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 25;
    dt_ = 1 / fps;
    clip_clock_.set_time_base(in.time_base);
    light_ = Harmonizer(harmonize_);
    if (weather_) {
      if (occlude_) people_ = people_masker(fps);
      // A detector frame costs several times the others: analysed up to 4 frames ahead (as remove=people).
      if (people_) pipe_.set_depth(4);
      return in;
    }
    if (behind_) people_ = people_masker(fps);
    if (!body_) {
      if (at_.x >= float(in.width) || at_.y >= float(in.height))
        fail("add: the point {},{} is outside the {}x{} picture", at_.x, at_.y, in.width, in.height);
      width0_ = float(size_ > 0 ? size_ : sprite_.size().width) * scale_;
      if (track_) {
        // The background within a few picture sizes around the point, at least a third of the frame.
        float radius = std::max(2.f * width0_, float(std::min(in.width, in.height)) / 3);
        pin_ = std::make_unique<ScenePin>(at_, radius);
      }
      if (occlude_) people_ = people_masker(fps);
    }
    if (people_) pipe_.set_depth(4);
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
    Placement place;
    cv::Matx33d ground;  // on=ground: picture pixels -> frame pixels
    cv::Mat cover;  // people in front of a scene pin (or of a body's layer=behind), CV_32F at the masker's size
  };

  // People at remove=people's cadence: the detector and each person's segmenter every fifth of a second.
  static std::unique_ptr<TargetMasker> people_masker(double fps) {
    TargetOptions to;
    set_people_cadence(to, fps);
    return std::make_unique<TargetMasker>("person", to);
  }

  // Worker thread: where the picture goes in this frame, and what covers it.
  void analyse(Frame& f, Result& r) {
    if (weather_) {
      if (people_) r.cover = people_->probability(f);
      return;
    }
    if (body_) {
      if (people_) r.cover = people_->probability(f);  // layer=behind
      r.place = body_->place(f);
      r.place.width *= scale_;
      return;
    }
    if (people_) r.cover = people_->probability(f);
    r.place.found = true, r.place.at = at_, r.place.width = width0_;
    if (ground_ && frames_in_ == 0) lay_down(f);
    ++frames_in_;
    cv::Matx33d H = cv::Matx33d::eye();
    if (pin_) {
      cv::Mat exclude;
      if (!r.cover.empty()) exclude = r.cover > 0.3f;
      if (ground_) exclude = above_horizon(f, exclude, H_);
      H = H_ = pin_->update(f.mat(0), exclude);
      LocalMotion m = local_motion(H, at_);
      r.place.at = m.at, r.place.width = width0_ * m.scale, r.place.angle = m.angle;
      // Lost: it stays where it was last seen, drawn (the scene did not go away).
    }
    // On the ground: the plane's own homography carries it (a plane's points move by one
    // homography, so the picture keeps its perspective as the camera moves).
    if (ground_) r.ground = H * ground0_;
  }

  // The first frame: where the horizon is and how the picture lies on the ground at the point.
  void lay_down(const Frame& f) {
    Horizon h;
    if (horizon_given_) h.row = horizon_row_, h.found = true;
    else h = find_horizon(f.mat(0), at_);
    GroundView v{{f.width(), f.height()}, h.row, default_focal({f.width(), f.height()})};
    if (horizon_given_)
      av_log(nullptr, AV_LOG_VERBOSE, "add: on=ground: horizon at row %.1f (given)\n", double(h.row));
    else if (h.found)
      av_log(nullptr, AV_LOG_VERBOSE, "add: on=ground: horizon at row %.1f, where %d receding edges meet\n", double(h.row), h.lines);
    else
      av_log(nullptr, AV_LOG_VERBOSE, "add: on=ground: no receding edges agree on a horizon; guessed at row %.1f (horizon= sets it)\n",
             double(h.row));
    if (at_.y <= h.row + 1)
      fail("add: on=ground: the point {},{} is not below the horizon (row {:.0f}{}); the ground is below it", at_.x, at_.y, h.row,
           horizon_given_ ? "" : h.found ? ", found from the picture's receding edges; horizon= sets it" : ", a guess; horizon= sets it");
    if (!lay_on_ground(picture_size_, at_, width0_, rotate_, v, ground0_))
      fail("add: on=ground: a {:.0f} px wide picture is too large to lie on the ground at {},{}: its near edge would reach under "
           "the camera; make it smaller (size=)",
           width0_, at_.x, at_.y);
    horizon0_ = h.row;
  }

  // Corners above the horizon (and a little under it, where the ground is seen edge on) are not
  // on the ground: the pin follows the ground alone. The horizon moves with the plane's homography.
  cv::Mat above_horizon(const Frame& f, const cv::Mat& exclude, const cv::Matx33d& H) const {
    cv::Vec3d m = H * cv::Vec3d(f.width() / 2.0, horizon0_, 1);
    double row = std::abs(m[2]) > 1e-9 ? m[1] / m[2] : horizon0_;
    row += 0.1 * std::max(0.0, double(at_.y) - horizon0_);
    cv::Mat out = exclude.empty() ? cv::Mat::zeros(f.height(), f.width(), CV_8U) : exclude.clone();
    int rows = std::clamp(int(std::ceil(row * out.rows / f.height())), 0, out.rows);
    if (rows > 0) out.rowRange(0, rows).setTo(255);
    return out;
  }

  // A clip's picture as the sprite: its alpha, or its key's cut. Every picture at the first
  // one's size (its placement was sized by it).
  Sprite clip_sprite(cv::Mat pic) {
    if (!clip_->has_alpha()) cv::cvtColor(pic, pic, cv::COLOR_BGRA2BGR);
    if (clip_size_.area() == 0) clip_size_ = pic.size();
    if (pic.size() != clip_size_) cv::resize(pic, pic, clip_size_, 0, 0, cv::INTER_AREA);
    return Sprite::picture(pic, key_, "add: video", clip_path_, true);  // a clip may start or pass through empty
  }

  // This thread: draw it (faded while the anchor is missing).
  void finish(Frame& f, Result& r) {
    if (clip_) {
      // A new sprite only when the clip shows a new picture (bgra_at gives the same one back
      // while its frame lasts: a 10 fps clip on 30 fps video, or a still).
      cv::Mat pic = clip_->bgra_at(clip_clock_.seconds(f));
      if (pic.data != clip_picture_.data) clip_picture_ = pic, sprite_ = clip_sprite(pic);
    }
    ++frames_;
    if (weather_) {
      f.make_writable();
      weather_->draw(f, dt_, r.cover);
      (*emit_)(std::move(f));
      return;
    }
    if (r.place.found) last_ = r.place;
    else if (lost_++ == 0) first_lost_ = frames_ - 1;
    const float step = fade_ > 0 ? 1.f / float(fade_) : 1.f;
    // Found from the first frame: shown from the first frame (fading in is for coming back).
    shown_ = frames_ == 1 && r.place.found ? 1.f : std::clamp(shown_ + (r.place.found ? step : -step), 0.f, 1.f);
    if (!r.place.found && fade_ == 0) shown_ = 0;
    if (r.place.found && fade_ == 0) shown_ = 1;
    if (shown_ > 0 && ground_) {
      f.make_writable();
      cv::Point2f motion = have_prev_ ? (r.place.at - prev_at_) * shutter_ : cv::Point2f(0, 0);
      sprite_.draw(f, r.ground, opacity_ * shown_, light_.update(f, sprite_.bounds(r.ground, {f.width(), f.height()}), sprite_), r.cover,
                   motion);
    } else if (shown_ > 0 && last_.found && last_.width > 0) {
      f.make_writable();
      const Placement& p = last_;
      const cv::Size s = sprite_.size();
      const float k = p.width / float(s.width), a = p.angle + rotate_;
      const float ca = std::cos(a) * k, sa = std::sin(a) * k;
      // Sprite point (pivot + shift) lands on the anchor point.
      const float px = (p.pivot.x + dx_) * float(s.width), py = (p.pivot.y + dy_) * float(s.height);
      cv::Matx23d A(ca, -sa, p.at.x - (ca * px - sa * py), sa, ca, p.at.y - (sa * px + ca * py));
      // Motion since the last frame it was found in, over the shutter.
      cv::Point2f motion = have_prev_ && r.place.found ? (p.at - prev_at_) * shutter_ : cv::Point2f(0, 0);
      if (shadow_ > 0) sprite_.shadow(f, A, shadow_ * opacity_ * shown_, r.cover);
      sprite_.draw(f, A, opacity_ * shown_, light_.update(f, sprite_.bounds(A, {f.width(), f.height()}), sprite_), r.cover, motion);
    }
    if (r.place.found) prev_at_ = r.place.at, have_prev_ = true;
    else have_prev_ = false;
    (*emit_)(std::move(f));
  }

  std::string anchor_name_;
  cv::Point2f at_;
  int size_;
  float scale_, rotate_, dx_, dy_, opacity_, harmonize_;
  bool track_, occlude_, behind_ = false, ground_ = false, horizon_given_ = false;
  float horizon_row_ = 0, horizon0_ = 0;
  cv::Size picture_size_;
  cv::Matx33d ground0_ = cv::Matx33d::eye(), H_ = cv::Matx33d::eye();  // worker thread's
  int64_t frames_in_ = 0;                                               // worker thread's
  int fade_;
  float shadow_, shutter_;
  cv::Point2f prev_at_;
  bool have_prev_ = false;
  float width0_ = 0;
  double dt_ = 1.0 / 25;
  std::unique_ptr<Weather> weather_;
  Sprite sprite_;
  std::unique_ptr<MediaReader> clip_;  // video=: the sprite is its picture at the frame's time
  ClipClock clip_clock_;
  cv::Size clip_size_;
  cv::Mat clip_picture_;  // the picture the sprite was made from (held, so its address is not reused)
  std::string clip_path_, key_;
  std::unique_ptr<BodyAnchor> body_;
  std::unique_ptr<ScenePin> pin_;
  std::unique_ptr<TargetMasker> people_;
  Placement last_;
  float shown_ = 0;
  Harmonizer light_{0};
  int64_t frames_ = 0, lost_ = 0, first_lost_ = -1;
  const Emit* emit_ = nullptr;
  // last: its worker is joined before the trackers it uses are destroyed
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { analyse(f, r); }, [this](Frame& f, Result& r) { finish(f, r); }};
};

}  // namespace

extern const FilterDesc add_filter = {
    "add", "Add a picture, text or weather to the scene, kept on a body point or pinned to a place in the scene.", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Add>(o); },
    "anchor=NAME follows a person's body (MediaPipe's pose; the face's anchors use the 468-point face mesh when a face\n"
    "is tracked): the picture moves, scales and turns with the eyes' or shoulders' line. One person is followed: who=\n"
    "picks which when the pose detector finds several (chosen when tracking starts, then followed). Without anchor, x= and y= pin the picture to that point of the scene: the background around it is\n"
    "tracked (a homography of its corners), so it stays on the table through a pan or a zoom; a person passing in front\n"
    "covers it (the people detector's masks). The picture is drawn antialiased in the frame's own YUV, its brightness\n"
    "and colour cast moved toward the scene around it (harmonize). It is not relit: no shadows, no reflections.\n"
    "on=ground lays a pinned picture flat on the ground (a crack, a rug, a puddle) in perspective: the horizon is where\n"
    "the ground's receding edges meet (tiles, kerbs, road lines; a third of the way down when none agree: horizon= sets\n"
    "it), the lens is guessed (70 degrees across), and the ground's own homography carries it as the camera moves. A\n"
    "flat ground is assumed: no depth is measured, so on a slope or steps it floats.\n"
    "layer=behind puts a body-anchored picture behind people (the people detector's masks cover it): wings, a halo.\n"
    "An anchor that is not found fades the picture out (fade= frames) and back in; -loglevel verbose says how often.\n"
    "text= is set with FreeType in fontfile= (DejaVu Sans Bold by default) and placed like a picture. video= is a\n"
    "clip placed like a picture, its frame at the video's time, looped from its first frame (alpha from WebM VP8/VP9,\n"
    "MOV PNG or ProRes 4444, FFV1, GIF; an opaque clip needs key=).\n"
    "Weather (add=snow, rain, leaves, petals, embers) is particles in 3 depth layers; the far ones pass behind people\n"
    "(front= says how many are in front); it lies on nothing, it does not build up. fog and haze are overlays,\n"
    "thicker toward the top of the picture (a guess at depth: no depth is measured). Same seed, same frames.\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit). A frame with alpha gets the picture over its alpha too."};

}  // namespace omni

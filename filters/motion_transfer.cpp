// motion-transfer: a character picture performs the motion of the person in the video. A 2D
// puppet, honestly: the performer's tracked pose (core/perception) is retargeted onto the
// character's skeleton (core/puppet: bone directions from the performer, lengths from the
// character), its silhouette's mesh bent as rigidly as possible and drawn piece by piece, nearest
// part last. In place, the performer is taken out first by remove's fill engine (core/image's
// VideoFill) and the character is drawn where they were, lit toward the scene, with a soft
// contact shadow; or it goes over a backdrop (matte's: a colour, transparent, a picture or a
// video), or beside the performer (keep=1).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/image/backdrop.h"
#include "core/image/convert.h"
#include "core/image/sprite.h"
#include "core/image/video_fill.h"
#include "core/model/hub.h"
#include "core/perception/one_euro.h"
#include "core/perception/perception.h"
#include "core/puppet/character.h"
#include "core/puppet/deform.h"
#include "core/puppet/draw.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"character", "the character picture: PNG/WebP with alpha, or a plain white or black background with key=", OptType::String, ""},
    {"rig", "the character's skeleton as a rig file (omni rig PICTURE -o FILE writes one); default: found by the pose model "
            "when the character looks like a person", OptType::String, ""},
    {"key", "a character picture without alpha: white or black cuts that plain background", OptType::String, ""},
    {"bg", "what the character performs on: empty (in place: the performer is removed and the background filled), green, blue, "
           "a colour (name, #RRGGBB), transparent, or an image or video file", OptType::String, ""},
    {"keep", "keep the performer and draw the character beside them", OptType::Bool, "0"},
    {"who", "the performer when there are several: largest, left, right, center, or a rank by size (1 = largest)",
     OptType::String, "largest"},
    {"scale", "match (the character's torso as long as the performer's, frame by frame) or keep (the character at its picture's own "
              "size)",
     OptType::Enum, "match", 0, 0, "match|keep"},
    {"size", "the character's size relative to scale=", OptType::Float, "1", 0.05, 20},
    {"dx", "shift from the performer in the character's widths (positive: to the right); keep=1 without it: beside them, "
           "on the side with more room", OptType::Float, "0", -20, 20},
    {"ground", "feet on the performer's ground line (the lower ankle where theirs is)", OptType::Bool, "1"},
    {"triangles", "the character's mesh: about this many triangles", OptType::Int, "400", 32, 5000},
    {"harmonize", "match the character's light and colour cast to the scene around it (-1: 0.5 in the scene, 0 on a backdrop)",
     OptType::Float, "-1", -1, 1},
    {"shadow", "a soft contact shadow under the character, how dark (-1: 0.35 in the scene, none on a backdrop)", OptType::Float,
     "-1", -1, 1},
    {"window", "in place: frames before and after that may lend their pixels to fill where the performer was", OptType::Int, "12",
     1, 60},
    {"flip", "mirror the character to face the way the performer faces (a 2D puppet cannot turn round): auto (when the "
             "performer's head has pointed the other way for a third of a second and the character's own head is turned to a "
             "side), off",
     OptType::Enum, "auto", 0, 0, "auto|off"},
    {"pose", "the performer's pose model: full, or lite (faster, its points less precise)", OptType::Enum, "full", 0, 0, "full|lite"},
    {"show", "draw the mesh and skeleton over the character, for tuning", OptType::Bool, "0"},
};

AVPixelFormat with_alpha(AVPixelFormat f) {
  switch (f) {
    case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVA422P: return AV_PIX_FMT_YUVA422P;
    case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVA444P: return AV_PIX_FMT_YUVA444P;
    default: return AV_PIX_FMT_YUVA420P;
  }
}

class MotionTransfer : public Filter {
 public:
  explicit MotionTransfer(const OptionValues& o)
      : keep_(o.b("keep")), match_(o.i("scale") == 0), size_(float(o.f("size"))), dx_(float(o.f("dx"))), dx_given_(o.was_set("dx")),
        ground_(o.b("ground")), harmonize_(float(o.f("harmonize"))), shadow_(float(o.f("shadow"))), show_(o.b("show")),
        who_(o.s("who")), pose_{o.i("pose") == 0 ? "pose-full" : "pose-lite", false, true, o.s("who")} {
    const std::string& ch = o.s("character");
    if (ch.empty()) fail("motion-transfer: say who performs: character=PICTURE (motion-transfer=character=hero.png)");
    if (ch.find('|') != std::string::npos)
      fail("motion-transfer: character={}: one character a filter for now; chain two filters with who= (who=left, who=right)", ch);
    const std::string& key = o.s("key");
    if (!key.empty() && key != "white" && key != "black") fail("motion-transfer: key={}: white or black (the plain background to cut)", key);
    check_who(who_);
    for (const char* m : {"pose-detector", o.i("pose") == 0 ? "pose-full" : "pose-lite", "movenet-multipose"}) require_model(m);
    pose_.also_far_people();
    bg_ = o.s("bg");
    if (keep_ && !bg_.empty()) fail("motion-transfer: keep=1 keeps the performer in their scene; bg={} replaces the scene: give one", bg_);
    if (!bg_.empty()) backdrop_ = std::make_unique<Backdrop>(bg_, Fit::Cover, true, "motion-transfer: bg");
    in_place_ = bg_.empty() && !keep_;
    if (in_place_)
      for (const auto& m : TargetMasker::models_for("person")) require_model(m);
    if (o.was_set("window") && !in_place_) fail("motion-transfer: window= is for the fill in place (no bg=, no keep=1)");
    const bool scene = bg_.empty() || (backdrop_ && !backdrop_->transparent());
    if (harmonize_ < 0) harmonize_ = bg_.empty() ? 0.5f : 0.f;
    if (shadow_ < 0) shadow_ = bg_.empty() ? 0.35f : 0.f;
    if (o.was_set("shadow") && shadow_ > 0 && !scene) fail("motion-transfer: bg=transparent has no ground for a shadow (shadow=0)");
    Character c = load_character(ch, key, o.s("rig"), "motion-transfer");
    cv::Rect b = cv::boundingRect(c.alpha > 0.1f);
    width_ = float(std::max(b.width, 1));
    torso_ = std::max(torso_length(c.rig.joint), 1.f);
    // A character whose head is turned to a side gets a mirrored twin to turn to the other; a
    // frontal one (its nose within 0.06 torso of its neck's middle) looks the same both ways.
    const float own = facing(c.rig.joint);
    const int triangles = int(o.i("triangles"));
    if (o.i("flip") == 0 && std::fabs(own) > 0.06f) {
      shown_ = own_ = own > 0 ? 1 : -1;
      puppet_[1] = Puppet(mirrored(c), triangles);
    }
    puppet_[0] = Puppet(std::move(c), triangles);
    fill_opts_.window = int(o.i("window"));
    fill_opts_.join = true;
    av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: %s: skeleton from %s, mesh of %zu triangles, %zu vertices; %s\n", ch.c_str(),
           puppet_[0].character.rig.source.c_str(), puppet_[0].mesh.tris.size(), puppet_[0].mesh.rest.size(),
           shown_ == 0 ? "it faces the camera or flip=off: never mirrored" : own > 0 ? "it faces right" : "it faces left");
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P,  AV_PIX_FMT_YUV422P,  AV_PIX_FMT_YUV444P,  AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P,
            AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};
  }

  StreamInfo configure(const StreamInfo& in) override {
    StreamInfo out = in;
    if (backdrop_) {
      backdrop_->set_time_base(in.time_base);
      if (backdrop_->transparent()) out.format = with_alpha(in.format);
    }
    out_format_ = out.format;
    light_ = Harmonizer(harmonize_);
    dt_ = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? float(av_q2d(av_inv_q(in.frame_rate))) : 1 / 25.f;
    if (in_place_) {
      double fps = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 25;
      TargetOptions to;
      set_people_cadence(to, fps);
      to.min_score = 0.35f;
      people_ = std::make_unique<TargetMasker>("person", to);
      fill_opts_.ring = fill_opts_.feather = std::max(4, in.height / 60 + 2);
      dilate_ = std::max(2, in.height / 60);
      fill_ = std::make_unique<VideoFill>(fill_opts_);
      pipe_.set_depth(4);
    }
    return out;
  }

  int window() const override { return (fill_ ? fill_opts_.window : 0) + pipe_.depth(); }

  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    pipe_.push(std::move(in));
  }
  void flush(const Emit& emit) override {
    emit_ = &emit;
    pipe_.flush();
    if (fill_) {
      fill_->finish();
      while (fill_->ready()) emit_filled(emit);
    }
  }

  ~MotionTransfer() override {
    if (frames_ > 0)
      av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: the performer was found in %lld of %lld frames\n", (long long)found_,
             (long long)frames_);
    if (puppets_ > 0)
      av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: the puppet (deform and draw, %zu triangles) took %.2f ms a frame\n",
             puppet_[0].mesh.tris.size(), puppet_ms_ / double(puppets_));
    if (flips_ > 0) av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: mirrored to face the performer's way %lld times\n", (long long)flips_);
  }

 private:
  // The character made ready to perform: its picture, mesh and solver.
  struct Puppet {
    Character character;
    PuppetMesh mesh;
    std::unique_ptr<PuppetDeformer> deformer;
    cv::Mat picture;  // premultiplied BGRA
    Puppet() = default;
    Puppet(Character c, int triangles)
        : character(std::move(c)), mesh(build_mesh(character.alpha, character.rig, triangles)),
          deformer(std::make_unique<PuppetDeformer>(mesh)), picture(premultiplied(character.bgr, character.alpha)) {}
  };

  // Which of the two puppets to show: the one facing the performer's way, at once when the
  // character appears, else once their head has pointed the other way for a third of a second
  // (frames in between, a head passing through the front, neither count nor reset; a frame facing
  // the shown way does).
  const Puppet& facing_puppet(const Skeleton& s, bool appears) {
    if (shown_ == 0) return puppet_[0];
    const float agree = facing(s.at) * float(shown_);
    if (appears) {
      if (agree < -0.05f) shown_ = -shown_;
      against_ = 0;
    } else if (agree < -0.05f) {
      if (++against_ * dt_ >= 0.33f) shown_ = -shown_, against_ = 0, ++flips_;
    } else if (agree > 0.05f) {
      against_ = 0;
    }
    return puppet_[shown_ == own_ ? 0 : 1];
  }

  struct Result {
    bool found = false;
    const Puppet* puppet = nullptr;
    DrawnPuppet drawn;
    std::vector<cv::Point2f> verts;
    Joints joints{};
    cv::Mat bgr, hole;  // in place: the picture and where the performer was
  };

  // Worker thread: the performer's pose, the character posed and drawn; in place, the hole.
  void analyse(Frame& f, Result& r) {
    const Pose& p = pose_.track(f);
    Skeleton s;
    if (p.found) s = skeleton_of(p);
    if (in_place_) {
      r.bgr = conv_in_.to_bgr(f);
      // Every person's mask, kept around the performer only (the people detector's choice of
      // `who` and the pose tracker's could differ): their joints' box, grown for the head and feet.
      cv::Mat prob = people_->probability(f);
      cv::Mat keep = cv::Mat::zeros(prob.size(), CV_32F);
      if (p.found) {
        cv::Rect2f b = cv::boundingRect(std::vector<cv::Point2f>(s.at.begin(), s.at.end()));
        const float grow = 0.3f * std::max(b.height, b.width), sx = float(prob.cols) / f.width(), sy = float(prob.rows) / f.height();
        cv::Rect2f g(b.x - grow, b.y - grow, b.width + 2 * grow, b.height + 2 * grow);
        cv::Rect area = cv::Rect(cv::Rect2f(g.x * sx, g.y * sy, g.width * sx, g.height * sy)) & cv::Rect(0, 0, prob.cols, prob.rows);
        keep(area).setTo(1);
      }
      r.hole = hole_mask(prob.mul(keep), {f.width(), f.height()}, dilate_, true);
    }
    if (!p.found) {
      last_found_ = false;
      for (auto& e : smooth_) e.init = false;
      return;
    }
    // Smoothed once more, in the torso's units, as add smooths an anchor: a still performer's
    // pose still trembles by a pixel, and a textured character shows every tenth of one.
    const float unit = std::max(torso_length(s.at), 1.f);
    for (int k = 0; k < kJoints; ++k) {
      s.at[k].x = smooth_[size_t(2 * k)](s.at[k].x, dt_, unit);
      s.at[k].y = smooth_[size_t(2 * k + 1)](s.at[k].y, dt_, unit);
    }
    const float torso = smooth_.back()(torso_length(s.at), dt_, unit);
    float scale = (match_ ? torso / torso_ : 1.f) * size_;
    float dx = dx_;
    if (keep_ && !dx_given_) {
      // Beside the performer, on the side with more room: a character's width and a little more.
      dx = s.at[kRoot].x < f.width() / 2.f ? 1.1f : -1.1f;
      if (side_ == 0) side_ = dx;  // chosen once, so it does not jump sides as they cross the middle
      dx = side_;
    }
    const Puppet& pup = facing_puppet(s, !last_found_);
    last_found_ = true;
    r.puppet = &pup;
    r.joints = retarget(pup.character.rig, s, scale, {dx * width_ * scale, 0}, ground_);
    float moved = 0;  // the character's joints' largest move since the frame before
    for (int k = 0; k < kJoints; ++k) moved = std::max(moved, float(cv::norm(r.joints[k] - last_joints_[k])));
    last_joints_ = r.joints;
    av_log(nullptr, AV_LOG_DEBUG,
           "motion-transfer: performer at %.1f,%.1f, torso %.1f px, facing %.2f, character scale %.3f, joints moved %.3f px\n",
           double(s.at[kRoot].x), double(s.at[kRoot].y), double(torso), double(facing(s.at)), double(scale), double(moved));
    const auto t0 = std::chrono::steady_clock::now();
    r.verts = pup.deformer->solve(r.joints, scale);
    std::array<float, kBones> depth{};
    for (int b = 0; b < kBones; ++b) {
      const Bone& bn = skeleton_bones()[size_t(b)];
      depth[size_t(b)] = (s.depth[bn.parent] + s.depth[bn.child]) / 2;
    }
    r.drawn = draw_puppet(pup.picture, pup.mesh, r.verts, depth, {f.width(), f.height()});
    puppet_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++puppets_;
    r.found = !r.drawn.bgr.empty();
    if (show_ && r.found) draw_mesh(r);
  }

  // The mesh's edges and the bones over the drawn character (show=1).
  void draw_mesh(Result& r) const {
    cv::Mat& b = r.drawn.bgr;
    cv::Point2f o(r.drawn.origin);
    for (const auto& t : r.puppet->mesh.tris)
      for (int e = 0; e < 3; ++e)
        cv::line(b, r.verts[size_t(t[e])] - o, r.verts[size_t(t[(e + 1) % 3])] - o, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    for (const Bone& bn : skeleton_bones()) cv::line(b, r.joints[bn.parent] - o, r.joints[bn.child] - o, cv::Scalar(0, 0, 255), 2, cv::LINE_AA);
    cv::max(r.drawn.alpha, 0.f, r.drawn.alpha);
  }

  void finish(Frame& f, Result& r) {
    ++frames_;
    found_ += r.found;
    if (in_place_) {
      fill_->push(std::move(r.bgr), std::move(r.hole));
      waiting_.push_back({std::move(f), std::move(r)});
      while (fill_->ready()) emit_filled(*emit_);
      return;
    }
    Frame out = std::move(f);
    if (backdrop_) {
      Frame in = std::move(out);
      out = Frame::alloc(in.width(), in.height(), out_format_);
      out.copy_props_from(in);
      cv::Mat none = cv::Mat::zeros(in.height(), in.width(), CV_8U);
      if (backdrop_->transparent()) {
        // Nothing but the character: black and clear around it.
        bool full = in.av()->color_range == AVCOL_RANGE_JPEG;
        out.mat(0).setTo(full ? 0 : 16);
        out.mat(1).setTo(128), out.mat(2).setTo(128);
        out.alpha().setTo(0);
      } else {
        backdrop_->composite(in, none, 0, 0, out);
      }
    } else {
      out.make_writable();
    }
    draw(out, r);
    (*emit_)(std::move(out));
  }

  void emit_filled(const Emit& emit) {
    cv::Mat changed;
    cv::Mat filled = fill_->pop(&changed);
    auto [in, r] = std::move(waiting_.front());
    waiting_.pop_front();
    Frame out = Frame::alloc(in.width(), in.height(), in.format());
    out.copy_props_from(in);
    conv_out_.from_bgr(filled, out);
    keep_unchanged(in, changed, out);
    if (cv::Mat a = out.alpha(); !a.empty()) in.alpha().copyTo(a);
    draw(out, r);
    emit(std::move(out));
  }

  void draw(Frame& out, const Result& r) {
    if (!r.found) return;
    Sprite s = Sprite::cut_out(r.drawn.bgr, r.drawn.alpha);
    cv::Matx23d A(1, 0, r.drawn.origin.x, 0, 1, r.drawn.origin.y);
    if (shadow_ > 0) s.shadow(out, A, shadow_, cv::Mat());
    Tint t = harmonize_ > 0 ? light_.update(out, s.bounds(A, {out.width(), out.height()}), s) : Tint{};
    s.draw(out, A, 1.f, t, cv::Mat());
  }

  bool keep_, match_;
  float size_, dx_;
  bool dx_given_, ground_;
  float harmonize_, shadow_;
  bool show_;
  std::string who_, bg_;
  bool in_place_ = false;
  Puppet puppet_[2];  // the character as drawn, and mirrored (only when it may turn)
  int shown_ = 0;     // the way the character shown faces: 1 right, -1 left, 0 never mirrored
  int own_ = 0;       // the way the character's picture faces
  int against_ = 0;   // frames the performer has faced the other way
  bool last_found_ = false;  // the performer was found in the frame before
  int64_t flips_ = 0;
  float width_ = 1;  // the character's width in its picture
  float torso_ = 1;  // its torso's length there (scale=match divides the performer's by it)
  float side_ = 0;   // keep=1: which side of the performer, once chosen
  Joints last_joints_{};
  std::unique_ptr<Backdrop> backdrop_;
  AVPixelFormat out_format_ = AV_PIX_FMT_NONE;
  Harmonizer light_{0};
  std::array<OneEuro, 2 * kJoints + 1> smooth_ = make_smoothers();  // the joints' x, y and the torso
  float dt_ = 1 / 25.f;
  static std::array<OneEuro, 2 * kJoints + 1> make_smoothers() {
    std::array<OneEuro, 2 * kJoints + 1> a;
    for (auto& e : a) e.min_cutoff = 0.3f, e.beta = 20.f;
    return a;
  }
  PoseTracker pose_;
  std::unique_ptr<TargetMasker> people_;
  int dilate_ = 2;
  FillOptions fill_opts_;
  std::unique_ptr<VideoFill> fill_;
  std::deque<std::pair<Frame, Result>> waiting_;  // in place: frames in the fill, with their character
  BgrConverter conv_in_, conv_out_;
  int64_t frames_ = 0, found_ = 0, puppets_ = 0;
  double puppet_ms_ = 0;
  const Emit* emit_ = nullptr;
  // Last: its worker finishes queued analyses before the members they use go.
  FramePipeline<Result> pipe_{[this](Frame& f, Result& r) { analyse(f, r); }, [this](Frame& f, Result& r) { finish(f, r); }};
};

}  // namespace

extern const FilterDesc motion_transfer_filter = {
    "motion-transfer", "Make a character picture perform the motion of the person in the video.", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<MotionTransfer>(o); },
    "A 2D puppet, not a generated video. The performer's pose (MediaPipe's pose model, tracked and smoothed; for people\n"
    "too small for it, MoveNet's multi-pose, which gives no depth) is carried onto the character's skeleton: each bone\n"
    "turned as the performer's, kept at the character's own length, the character's torso as long as the performer's\n"
    "(scale=match) with its feet on their ground line. A limb drawn foreshortened in the picture stays short. The character's skeleton comes\n"
    "from the pose model when the picture looks like a person (photo or illustration), else from a rig file that\n"
    "`omni rig PICTURE -o rig.json` writes for you to check and edit. Its silhouette is meshed (about triangles=\n"
    "triangles), bound to the bones near it and bent as rigidly as possible, so limbs bend at the joints without\n"
    "tearing or shrinking; the face moves as one piece; the parts nearest the camera (the pose's depth) are drawn last.\n"
    "Limits: there are no new views of the character (turning round shows the same side; a character whose head is\n"
    "turned to a side is mirrored when the performer faces the other way, flip=auto), clothes and hair do not\n"
    "swing by themselves, and limbs that touch the body in the picture bend the body with them. In place (no bg=) the\n"
    "performer is removed as remove=people:who=... does (its notes say where that fill is weak) and the character drawn\n"
    "there, its light matched to the scene, with a soft contact shadow. One character a filter: chain two with who=.\n"
    "Alpha output (bg=transparent) needs a container that holds it (.mov with -c:v prores_ks -pix_fmt yuva444p10le,\n"
    "or .webm with -c:v libvpx-vp9, or .mkv with -c:v ffv1)."};

}  // namespace omni

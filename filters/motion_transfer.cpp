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
#include "core/puppet/squash.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"character", "the character picture: PNG/WebP with alpha, a plain white or black background with key=, or any picture "
                  "(its person, else its salient object, cut out as matte does); several, one a performer: a.png|b.png",
     OptType::String, ""},
    {"rig", "the character's skeleton as a rig file (omni rig PICTURE -o FILE writes one); default: found by the pose model "
            "when the character looks like a person; several characters: one a character, a.json|b.json (empty: found)",
     OptType::String, ""},
    {"key", "a character picture without alpha: white or black cuts that plain background (default: matte's cut-out)",
     OptType::String, ""},
    {"bg", "what the character performs on: empty (in place: the performer is removed and the background filled), green, blue, "
           "a colour (name, #RRGGBB), transparent, or an image or video file", OptType::String, ""},
    {"keep", "keep the performer and draw the character beside them", OptType::Bool, "0"},
    {"who", "the performer when there are several: largest, left, right, center, or a rank by size (1 = largest); with several "
            "characters, the order they are given performers in (largest, left, right, center)",
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
    {"squash", "squash and stretch, how much: the character stretched along fast motion (up to 25 %) and squashed as a fall "
               "stops (up to 20 %), its area kept; 0: off",
     OptType::Float, "0", 0, 1},
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

// The parts of a '|'-separated list ("a.png|b.png"); an empty list is one empty part.
std::vector<std::string> split_bar(const std::string& v) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t bar; (bar = v.find('|', at)) != std::string::npos; at = bar + 1) out.push_back(v.substr(at, bar - at));
  out.push_back(v.substr(at));
  return out;
}

class MotionTransfer : public Filter {
 public:
  explicit MotionTransfer(const OptionValues& o)
      : keep_(o.b("keep")), match_(o.i("scale") == 0), size_(float(o.f("size"))), dx_(float(o.f("dx"))), dx_given_(o.was_set("dx")),
        ground_(o.b("ground")), squash_(float(o.f("squash"))), harmonize_(float(o.f("harmonize"))), shadow_(float(o.f("shadow"))), show_(o.b("show")),
        who_(o.s("who")) {
    const std::string& ch = o.s("character");
    if (ch.empty()) fail("motion-transfer: say who performs: character=PICTURE (motion-transfer=character=hero.png)");
    const std::vector<std::string> pictures = split_bar(ch);
    std::vector<std::string> rigs = split_bar(o.s("rig"));
    if (o.s("rig").empty()) rigs.assign(pictures.size(), "");
    if (rigs.size() != pictures.size())
      fail("motion-transfer: rig={}: {} rigs for {} characters (one a character, in order; empty where the pose model finds it: "
           "rig=|b.json)",
           o.s("rig"), rigs.size(), pictures.size());
    if (pictures.size() > 6) fail("motion-transfer: character={}: {} characters; the pose models follow 6 people at most", ch, pictures.size());
    for (const auto& pic : pictures)
      if (pic.empty()) fail("motion-transfer: character={}: an empty name in the list (a.png|b.png)", ch);
    const std::string& key = o.s("key");
    if (!key.empty() && key != "white" && key != "black") fail("motion-transfer: key={}: white or black (the plain background to cut)", key);
    check_who(who_);
    if (pictures.size() > 1 && who_ != "largest" && who_ != "left" && who_ != "right" && who_ != "center")
      fail("motion-transfer: who={} names one performer; with several characters who= orders them: largest (the first "
           "character to the largest person, the next to the largest of the others, ...), left, right or center",
           who_);
    const std::string pose_model = o.i("pose") == 0 ? "pose-full" : "pose-lite";
    for (const std::string& m : {std::string("pose-detector"), pose_model, std::string("movenet-multipose")}) require_model(m);
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
    const int triangles = int(o.i("triangles"));
    for (size_t i = 0; i < pictures.size(); ++i) {
      auto a = std::make_unique<Act>();
      Character c = load_character(pictures[i], key, rigs[i], "motion-transfer");
      cv::Rect b = cv::boundingRect(c.alpha > 0.1f);
      a->width = float(std::max(b.width, 1));
      a->torso = std::max(torso_length(c.rig.joint), 1.f);
      // A character whose head is turned to a side gets a mirrored twin to turn to the other; a
      // frontal one (its nose within 0.06 torso of its neck's middle) looks the same both ways.
      const float own = facing(c.rig.joint);
      if (o.i("flip") == 0 && std::fabs(own) > 0.06f) {
        a->shown = a->own = own > 0 ? 1 : -1;
        a->puppet[1] = Puppet(mirrored(c), triangles);
      }
      a->puppet[0] = Puppet(std::move(c), triangles);
      // Several performers: each tracker takes, by who=, the best of the people the others do not follow.
      a->squash = SquashStretch(squash_);
      a->pose = std::make_unique<PoseTracker>(pose_model, in_place_, true, who_);
      a->pose->also_far_people();
      if (pictures.size() > 1) a->pose->set_slot(int(i) + 1);
      const Character& pc = a->puppet[0].character;
      av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: %s: %s%sskeleton from %s, mesh of %zu triangles, %zu vertices; %s\n",
             pictures[i].c_str(), pc.cut_out.empty() ? "" : ("cut out by " + pc.cut_out + ", ").c_str(), "", pc.rig.source.c_str(), a->puppet[0].mesh.tris.size(),
             a->puppet[0].mesh.rest.size(),
             a->shown == 0 ? "it faces the camera or flip=off: never mirrored" : own > 0 ? "it faces right" : "it faces left");
      acts_.push_back(std::move(a));
    }
    fill_opts_.window = int(o.i("window"));
    fill_opts_.join = true;
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
    for (auto& a : acts_) a->light = Harmonizer(harmonize_);
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

  int window() const override { return (fill_ ? fill_->latency() : 0) + pipe_.depth(); }

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
      if (!fill_->summary().empty()) av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: the fill in place: %s\n", fill_->summary().c_str());
    }
  }

  ~MotionTransfer() override {
    for (const auto& a : acts_) {
      const std::string& name = a->puppet[0].character.path;
      if (frames_ > 0)
        av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: %s: the performer was found in %lld of %lld frames\n", name.c_str(),
               (long long)a->found, (long long)frames_);
      if (a->flips > 0)
        av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: %s: mirrored to face the performer's way %lld times\n", name.c_str(),
               (long long)a->flips);
    }
    if (puppets_ > 0)
      av_log(nullptr, AV_LOG_VERBOSE, "motion-transfer: the puppet (deform and draw, %zu triangles) took %.2f ms a frame\n",
             acts_[0]->puppet[0].mesh.tris.size(), puppet_ms_ / double(puppets_));
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

  static std::array<OneEuro, 2 * kJoints + 1> make_smoothers() {
    std::array<OneEuro, 2 * kJoints + 1> a;
    for (auto& e : a) e.min_cutoff = 0.3f, e.beta = 20.f;
    return a;
  }

  // One character and the performer it follows.
  struct Act {
    Puppet puppet[2];  // the character as drawn, and mirrored (only when it may turn)
    int shown = 0;     // the way the character shown faces: 1 right, -1 left, 0 never mirrored
    int own = 0;       // the way the character's picture faces
    int against = 0;   // frames the performer has faced the other way
    bool last_found = false;  // the performer was found in the frame before
    cv::Rect2f body;   // the performer's joints' box this frame (empty: not found)
    int64_t found = 0, flips = 0;
    float width = 1;   // the character's width in its picture
    float torso = 1;   // its torso's length there (scale=match divides the performer's by it)
    float side = 0;    // keep=1: which side of the performer, once chosen
    Joints last_joints{};
    std::array<OneEuro, 2 * kJoints + 1> smooth = make_smoothers();  // the joints' x, y and the torso
    std::unique_ptr<PoseTracker> pose;
    Harmonizer light{0};
    SquashStretch squash{0};

    // Which of the two puppets to show: the one facing the performer's way, at once when the
    // character appears, else once their head has pointed the other way for a third of a second
    // (frames in between, a head passing through the front, neither count nor reset; a frame
    // facing the shown way does).
    const Puppet& facing_puppet(const Skeleton& s, bool appears, float dt) {
      if (shown == 0) return puppet[0];
      const float agree = facing(s.at) * float(shown);
      if (appears) {
        if (agree < -0.05f) shown = -shown;
        against = 0;
      } else if (agree < -0.05f) {
        if (++against * dt >= 0.33f) shown = -shown, against = 0, ++flips;
      } else if (agree > 0.05f) {
        against = 0;
      }
      return puppet[shown == own ? 0 : 1];
    }
  };

  struct Drawn {
    Act* act = nullptr;  // its light is updated on the main thread as the frame is drawn
    const Puppet* puppet = nullptr;
    DrawnPuppet drawn;
    std::vector<cv::Point2f> verts;
    Joints joints{};
  };
  struct Result {
    std::vector<Drawn> drawn;  // farthest first
    cv::Mat bgr, hole;         // in place: the picture and where the performers were
  };

  static cv::Rect2f box_of(const Joints& j) { return cv::boundingRect(std::vector<cv::Point2f>(j.begin(), j.end())); }

  // Worker thread: the performers' poses, the characters posed and drawn; in place, the hole.
  void analyse(Frame& f, Result& r) {
    std::vector<Skeleton> skel(acts_.size());
    std::vector<cv::Mat> masks(acts_.size());  // in place: the pose model's own mask of each performer
    for (size_t i = 0; i < acts_.size(); ++i) {
      Act& a = *acts_[i];
      if (acts_.size() > 1) {
        // The others' bodies: this frame's for those already tracked, the last frame's for the rest.
        std::vector<cv::Rect2f> others;
        for (size_t j = 0; j < acts_.size(); ++j)
          if (j != i && !acts_[j]->body.empty()) others.push_back(acts_[j]->body);
        a.pose->avoid(std::move(others));
      }
      if (in_place_) a.pose->mask_size(hole_work_size(f));  // where hole_of() reads it
      const Pose& p = a.pose->track(f);
      a.body = {};
      if (!p.found) continue;
      skel[i] = skeleton_of(p);
      masks[i] = p.mask;
      cv::Rect2f b = box_of(skel[i].at);
      // Two trackers on one body (people crossing): the later one lets go and looks again.
      bool taken = false;
      for (size_t j = 0; j < i; ++j) {
        const cv::Rect2f& o = acts_[j]->body;
        if (!o.empty() && (b & o).area() > 0.6f * std::min(b.area(), o.area())) taken = true;
      }
      if (taken) a.pose->lose();
      else a.body = b;
    }
    if (in_place_) {
      r.bgr = conv_in_.to_bgr(f);
      r.hole = hole_of(f, masks, skel);
    }
    std::vector<std::pair<float, Drawn>> drawn;  // with the performer's feet's height: nearer is lower
    for (size_t i = 0; i < acts_.size(); ++i) {
      Act& a = *acts_[i];
      if (a.body.empty()) {
        a.last_found = false;
        a.squash.reset();
        for (auto& e : a.smooth) e.init = false;
        continue;
      }
      ++a.found;
      Skeleton& s = skel[i];
      // Smoothed once more, in the torso's units, as add smooths an anchor: a still performer's
      // pose still trembles by a pixel, and a textured character shows every tenth of one.
      const float unit = std::max(torso_length(s.at), 1.f);
      for (int k = 0; k < kJoints; ++k) {
        s.at[k].x = a.smooth[size_t(2 * k)](s.at[k].x, dt_, unit);
        s.at[k].y = a.smooth[size_t(2 * k + 1)](s.at[k].y, dt_, unit);
      }
      const float torso = a.smooth.back()(torso_length(s.at), dt_, unit);
      float scale = (match_ ? torso / a.torso : 1.f) * size_;
      float dx = dx_;
      if (keep_ && !dx_given_) {
        // Beside the performer, on the side with more room: a character's width and a little more.
        dx = s.at[kRoot].x < f.width() / 2.f ? 1.1f : -1.1f;
        if (a.side == 0) a.side = dx;  // chosen once, so it does not jump sides as they cross the middle
        dx = a.side;
      }
      const Puppet& pup = a.facing_puppet(s, !a.last_found, dt_);
      a.last_found = true;
      Drawn d;
      d.act = &a;
      d.puppet = &pup;
      d.joints = retarget(pup.character.rig, s, scale, {dx * a.width * scale, 0}, ground_);
      float moved = 0;  // the character's joints' largest move since the frame before
      for (int k = 0; k < kJoints; ++k) moved = std::max(moved, float(cv::norm(d.joints[k] - a.last_joints[k])));
      a.last_joints = d.joints;
      av_log(nullptr, AV_LOG_DEBUG,
             "motion-transfer: performer %zu at %.1f,%.1f, torso %.1f px, facing %.2f, character scale %.3f, joints moved %.3f px\n",
             i + 1, double(s.at[kRoot].x), double(s.at[kRoot].y), double(torso), double(facing(s.at)), double(scale), double(moved));
      const auto t0 = std::chrono::steady_clock::now();
      d.verts = pup.deformer->solve(d.joints, scale);
      if (squash_ > 0) {
        // About the ground point (the feet stay where they stand), else the root.
        const cv::Matx22f m = a.squash.update(s.at[kRoot], torso, dt_);
        cv::Point2f anchor = d.joints[kRoot];
        if (ground_) anchor = {(d.joints[kLeftAnkle].x + d.joints[kRightAnkle].x) / 2, std::max(d.joints[kLeftAnkle].y, d.joints[kRightAnkle].y)};
        apply_about(d.verts, m, anchor);
        std::vector<cv::Point2f> j(d.joints.begin(), d.joints.end());
        apply_about(j, m, anchor);
        std::copy(j.begin(), j.end(), d.joints.begin());
      }
      std::array<float, kBones> depth{};
      for (int b = 0; b < kBones; ++b) {
        const Bone& bn = skeleton_bones()[size_t(b)];
        depth[size_t(b)] = (s.depth[bn.parent] + s.depth[bn.child]) / 2;
      }
      d.drawn = draw_puppet(pup.picture, pup.mesh, d.verts, depth, {f.width(), f.height()});
      puppet_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ++puppets_;
      if (d.drawn.bgr.empty()) continue;
      if (show_) draw_mesh(d);
      drawn.emplace_back(std::max(s.at[kLeftAnkle].y, s.at[kRightAnkle].y), std::move(d));
    }
    std::stable_sort(drawn.begin(), drawn.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto& d : drawn) r.drawn.push_back(std::move(d.second));
  }

  // In place: where the performers are, to be filled. Where BlazePose follows each of them, its
  // own mask (it comes with the pose: the people detector and segmenter were a tenth of a near
  // performer's time, and they also took whoever stood next to the performer). Where one is
  // followed by the multi-person network (small people: no mask), every person's mask from the
  // people detector, kept around the performers only (its choice of `who` and the pose tracker's
  // could differ): their joints' boxes, grown for head and feet. Nobody followed: no hole.
  // The people masker's working size (the hole is grown there, a fraction of the cost); the pose
  // tracker gives its mask at this size.
  static float hole_work_scale(const Frame& f) { return std::min(1.f, 640.f / float(std::max(f.width(), f.height()))); }
  static cv::Size hole_work_size(const Frame& f) {
    const float sc = hole_work_scale(f);
    return {std::max(1, int(std::lround(f.width() * sc))), std::max(1, int(std::lround(f.height() * sc)))};
  }

  cv::Mat hole_of(Frame& f, const std::vector<cv::Mat>& masks, const std::vector<Skeleton>& skel) {
    const cv::Size size(f.width(), f.height());
    bool any = false, all_masked = true;
    for (size_t i = 0; i < acts_.size(); ++i)
      if (!acts_[i]->body.empty()) any = true, all_masked &= !masks[i].empty();
    if (!any) return cv::Mat::zeros(size, CV_8U);
    cv::Mat prob;
    if (all_masked) {
      const cv::Size work = hole_work_size(f);
      const float sc = hole_work_scale(f);
      prob = cv::Mat::zeros(work, CV_32F);
      for (size_t i = 0; i < acts_.size(); ++i) {
        if (acts_[i]->body.empty()) continue;
        cv::Mat m = masks[i];
        if (m.size() != work) cv::resize(m, m, work, 0, 0, cv::INTER_AREA);
        prob = cv::max(prob, m * 2);  // its edge cut at a quarter, not at a half
        // Its mask fades out along a limb held away from the body (an outstretched forearm was
        // left standing beside the character): each bone it sees is drawn in too, a quarter of the
        // torso thick, the hands a little past the wrists.
        const Joints& j = skel[i].at;
        const float torso = float(cv::norm(j[kNeck] - j[kRoot]));
        const int thick = std::max(1, int(std::lround(0.25f * torso * sc)));
        auto seen = [&](int k) { return skel[i].visible[size_t(k)] >= 0.1f; };
        auto line = [&](cv::Point2f a, cv::Point2f b) { cv::line(prob, a * sc, b * sc, cv::Scalar(1), thick, cv::LINE_8); };
        for (const Bone& bn : skeleton_bones())
          if (seen(bn.parent) && seen(bn.child)) line(j[bn.parent], j[bn.child]);
        for (auto [elbow, wrist] : {std::pair{kLeftElbow, kLeftWrist}, std::pair{kRightElbow, kRightWrist}})
          if (seen(elbow) && seen(wrist)) line(j[wrist], j[wrist] + 0.45f * (j[wrist] - j[elbow]));
      }
    } else {
      prob = people_->probability(f);
      cv::Mat keep = cv::Mat::zeros(prob.size(), CV_32F);
      const float sx = float(prob.cols) / f.width(), sy = float(prob.rows) / f.height();
      for (const auto& a : acts_) {
        const cv::Rect2f& b = a->body;
        if (b.empty()) continue;
        const float grow = 0.3f * std::max(b.height, b.width);
        cv::Rect2f g(b.x - grow, b.y - grow, b.width + 2 * grow, b.height + 2 * grow);
        cv::Rect area = cv::Rect(cv::Rect2f(g.x * sx, g.y * sy, g.width * sx, g.height * sy)) & cv::Rect(0, 0, prob.cols, prob.rows);
        keep(area).setTo(1);
      }
      prob = prob.mul(keep);
    }
    return hole_mask(prob, size, dilate_, true);
  }

  // The mesh's edges and the bones over the drawn character (show=1).
  static void draw_mesh(Drawn& d) {
    cv::Mat& b = d.drawn.bgr;
    cv::Point2f o(d.drawn.origin);
    for (const auto& t : d.puppet->mesh.tris)
      for (int e = 0; e < 3; ++e)
        cv::line(b, d.verts[size_t(t[e])] - o, d.verts[size_t(t[(e + 1) % 3])] - o, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    for (const Bone& bn : skeleton_bones()) cv::line(b, d.joints[bn.parent] - o, d.joints[bn.child] - o, cv::Scalar(0, 0, 255), 2, cv::LINE_AA);
    cv::max(d.drawn.alpha, 0.f, d.drawn.alpha);
  }

  void finish(Frame& f, Result& r) {
    ++frames_;
    if (in_place_) {
      fill_->push(std::move(r.bgr), std::move(r.hole), covered(r, {f.width(), f.height()}));
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
        // Nothing but the characters: black and clear around them.
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

  // In place: where the characters will cover the picture (alpha over 0.99, 2 pixels in from
  // their edge so the chroma's 2x2 blocks are inside too): the fill leaves it alone. A character
  // as large as its performer covers most of the hole, which was most of the fill's time.
  static cv::Mat covered(const Result& r, cv::Size size) {
    if (r.drawn.empty()) return {};
    cv::Mat c = cv::Mat::zeros(size, CV_8U);
    for (const Drawn& d : r.drawn) {
      const cv::Rect at = cv::Rect(d.drawn.origin, d.drawn.alpha.size()) & cv::Rect({}, size);
      if (at.empty()) continue;
      cv::Mat opaque = d.drawn.alpha(at - d.drawn.origin) > 0.99f;
      c(at) |= opaque;
    }
    cv::erode(c, c, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
    return c;
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

  // The characters into the frame, farthest first (the main thread: each act's light is its own).
  void draw(Frame& out, Result& r) {
    for (Drawn& d : r.drawn) {
      Sprite s = Sprite::cut_out(d.drawn.bgr, d.drawn.alpha);
      cv::Matx23d A(1, 0, d.drawn.origin.x, 0, 1, d.drawn.origin.y);
      if (shadow_ > 0) s.shadow(out, A, shadow_, cv::Mat());
      Tint t = harmonize_ > 0 ? d.act->light.update(out, s.bounds(A, {out.width(), out.height()}), s) : Tint{};
      s.draw(out, A, 1.f, t, cv::Mat());
    }
  }

  bool keep_, match_;
  float size_, dx_;
  bool dx_given_, ground_;
  float squash_;
  float harmonize_, shadow_;
  bool show_;
  std::string who_, bg_;
  bool in_place_ = false;
  std::vector<std::unique_ptr<Act>> acts_;  // one a character, in the order given
  std::unique_ptr<Backdrop> backdrop_;
  AVPixelFormat out_format_ = AV_PIX_FMT_NONE;
  float dt_ = 1 / 25.f;
  std::unique_ptr<TargetMasker> people_;
  int dilate_ = 2;
  FillOptions fill_opts_;
  std::unique_ptr<VideoFill> fill_;
  std::deque<std::pair<Frame, Result>> waiting_;  // in place: frames in the fill, with their characters
  BgrConverter conv_in_, conv_out_;
  int64_t frames_ = 0, puppets_ = 0;
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
    "performer alone is removed (the pose model's own mask of them; for people too small for it, the people detector's)\n"
    "and filled as remove=people fills (its notes say where that fill is weak), the character drawn there, its light\n"
    "matched to the scene, with a soft contact shadow. Several characters: character=a.png|b.png\n"
    "(rig=|b.json where one needs a rig file) with who=largest, left, right or center: the first character to the\n"
    "performer who= picks, the next to the one it picks among the others, each followed from then on.\n"
    "Alpha output (bg=transparent) needs a container that holds it (.mov with -c:v prores_ks -pix_fmt yuva444p10le,\n"
    "or .webm with -c:v libvpx-vp9, or .mkv with -c:v ffv1)."};

}  // namespace omni

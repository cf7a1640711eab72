// core/perception: the subject a matte keeps (see subject.h).
#include "core/perception/subject.h"

extern "C" {
#include <libavutil/log.h>
}

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/model/hub.h"
#include "core/perception/objects.h"
#include "core/perception/people.h"
#include "core/perception/pose.h"
#include "core/perception/salient.h"
#include "core/perception/targets.h"
#include "core/perception/video_matte.h"

namespace omni {

namespace {
enum Keep { kPerson, kSalient, kAuto, kObject };

Keep keep_of(const std::string& k, const std::string& filter) {
  if (k == "person" || k == "people") return kPerson;
  if (k == "salient") return kSalient;
  if (k == "auto") return kAuto;
  if (find_object_class(k) < 0) {
    try {
      object_class(k);
    } catch (const Error& e) {
      fail("{}: keep={}: not person, salient, auto or an object class: {}", filter, k, e.what());
    }
  }
  return kObject;
}
}  // namespace

struct Subject::State {
  Keep keep = kPerson;
  int keyint = 30, tiles = 1;
  std::string person_model = "auto", salient_name;
  std::unique_ptr<PoseTracker> pose;
  std::unique_ptr<SalientTracker> salient;
  std::unique_ptr<TargetMasker> target;
  std::unique_ptr<VideoMatter> rvm;
  bool auto_person = true;
  int64_t analysed = 0;
  std::string filter;
  std::unique_ptr<MatteRefiner> people_edges, object_edges;
};

Subject::Subject(const SubjectOptions& o, const std::string& filter) : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.keep = keep_of(o.keep, filter);
  s.keyint = o.keyint, s.tiles = o.tiles;
  s.filter = filter;
  MatteOptions pe = o.edges, oe = o.edges;
  if (pe.refine < 0) pe.refine = 8;
  if (oe.refine < 0) oe.refine = 0;
  s.people_edges = std::make_unique<MatteRefiner>(pe);
  s.object_edges = std::make_unique<MatteRefiner>(oe);
  // Models are checked now, before any frame: a missing one names its fetch command.
  const std::string& model = o.model;
  bool salient_model = model != "auto" && model != "pose" && find_model(model).task == "salient-segmentation";
  if (s.keep == kObject) {
    if (model != "auto") fail("{}: keep={} finds the object with the detector and cuts it out with its own models; model= does not apply", filter, o.keep);
    for (const auto& m : TargetMasker::models_for(o.keep)) require_model(m);
    TargetOptions to;
    to.who = o.who;
    to.tiles = o.tiles;
    to.keyint = o.keyint;
    s.target = std::make_unique<TargetMasker>(o.keep, to);
    return;
  }
  if (o.who_set) fail("{}: who= chooses among objects of a class; it goes with keep=CLASS (keep=dog:who=largest)", filter);
  if (s.keep != kSalient) {
    s.person_model = salient_model ? "auto" : model;
    if (s.person_model == "pose") s.pose = std::make_unique<PoseTracker>("pose-full", true);
    else if (s.person_model == "rvm") {
      require_model("rvm");
      s.rvm = std::make_unique<VideoMatter>("rvm", o.every);
    } else {
      if (s.person_model != "auto" && find_model(s.person_model).task != "person-segmentation")
        fail("{}: model={} is not a person segmenter; use auto, selfie, selfie-landscape, pose or rvm", filter, model);
      for (const char* m : {"selfie", "selfie-landscape"})
        if (s.person_model == "auto" || s.person_model == m) require_model(m);
    }
  }
  if (s.keep != kPerson) {
    std::string sm = salient_model ? model : "isnet";
    if (s.keep == kSalient && model != "auto" && !salient_model)
      fail("{}: model={} is not a salient-object segmenter; keep=salient uses isnet", filter, model);
    require_model(sm);
    s.salient_name = sm;
    s.salient = std::make_unique<SalientTracker>(o.keyint, sm);
  }
  if (s.keep == kAuto) require_model("pose-detector");
}
Subject::~Subject() = default;
void Subject::set_frame_rate(double fps) {
  if (s_->rvm) s_->rvm->set_frame_rate(fps);
}
cv::Mat Subject::alpha(const cv::Mat& probability, bool person, const Frame& f) {
  State& s = *s_;
  if (s.rvm && person) {
    cv::Mat up, a;
    cv::resize(probability, up, cv::Size(f.width(), f.height()), 0, 0, cv::INTER_LINEAR);
    up.convertTo(a, CV_8U, 255.0);
    return a;
  }
  return (person ? *s.people_edges : *s.object_edges).refine(probability, f);
}

void Subject::log_summary(int64_t frames) const {
  const State& s = *s_;
  if (frames <= 0) return;
  if (s.salient)
    av_log(nullptr, AV_LOG_VERBOSE, "%s: %s ran %d times for %lld frames (flow carried the mask in between)\n", s.filter.c_str(), s.salient_name.c_str(),
           s.salient->model_runs(), (long long)frames);
  if (s.rvm)
    av_log(nullptr, AV_LOG_VERBOSE, "%s: rvm at downsample ratio %.3f ran on %d of %lld frames, state reset %d times\n", s.filter.c_str(),
           s.rvm->downsample_ratio(), s.rvm->runs(), (long long)frames, s.rvm->resets());
  if (s.target)
    av_log(nullptr, AV_LOG_VERBOSE, "%s: keep=CLASS: %d detector runs, %d segmenter runs, %d tracks over %lld frames\n",
           s.filter.c_str(), s.target->detector_runs(), s.target->segmenter_runs(), s.target->tracks_seen(), (long long)frames);
  if (s.keep == kAuto) av_log(nullptr, AV_LOG_VERBOSE, "%s: keep=auto kept %s\n", s.filter.c_str(), s.auto_person ? "people" : "the salient object");
}

cv::Mat Subject::probability(Frame& f, bool& person) {
  State& s = *s_;
  if (s.keep == kObject) {
    person = false;  // crops' masks are already at the object's resolution: no guided filter
    return s.target->probability(f);
  }
  person = s.keep == kPerson;
  if (s.keep == kAuto) {
    // Decided at key frames only, so the matte does not flip between segmenters frame to frame.
    if (s.analysed++ % s.keyint == 0) s.auto_person = !detect_people(f).empty();
    person = s.auto_person;
  }
  if (!person) return s.salient->probability(f);
  if (s.rvm) return s.rvm->alpha(f);
  if (s.pose) {
    const Pose& p = s.pose->track(f);
    return p.found ? p.mask : cv::Mat::zeros(f.height(), f.width(), CV_32F);
  }
  return person_probability(f, s.person_model, s.tiles);
}

}  // namespace omni

// core/perception: the subject a matte keeps — people (a person segmenter, the pose model's mask,
// or the video matting network), the salient object, whichever is there (auto), or a named
// object class — chosen from the options matte= and replace=background share.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"
#include "core/perception/mattes.h"

namespace omni {

struct SubjectOptions {
  std::string keep = "person";  // person, people, salient, auto, or an object class (English or Chinese)
  std::string who = "all";      // keep=CLASS: which of several
  bool who_set = false;         // who= was given (an error unless keep is a class)
  std::string model = "auto";   // auto, selfie, selfie-landscape, pose, rvm; isnet (or another salient model)
  int tiles = 1;                // people: also an NxN grid of zoomed tiles
  int keyint = 30;              // salient/auto: the salient model and the people check at least every N frames
  int every = 0;                // model=rvm: the network on every Nth frame, its alpha moved by the flow between (0: by the rate)
  MatteOptions edges;           // the alpha from the probability (refine < 0: 8 for people, 0 for objects)
};

class Subject {
 public:
  // Checks the options and that the models are installed (one-line errors starting "filter: ").
  Subject(const SubjectOptions& o, const std::string& filter);
  ~Subject();
  // The subject's probability (CV_32F in [0,1], at the model's working size) for this frame; on
  // the worker thread, once per frame in order. person: it is a person mask at 256 px that needs
  // edge refinement (false for the salient object's and named objects' masks).
  cv::Mat probability(Frame& f, bool& person);
  void set_frame_rate(double fps);  // the stream's, from configure (0: unknown)
  // The 8-bit alpha at the frame's size from this frame's probability, on the thread that
  // composites, once per frame in order (the refiners keep time). The 256-px person masks get
  // edge refinement; ISNet's 1024-px mask is sharper than what a guided filter makes of it
  // (measured on the disc clip: alpha error 0.0023 without, 0.0063 with); the video matting
  // network's alpha is soft and steady already and is used as it is.
  cv::Mat alpha(const cv::Mat& probability, bool person, const Frame& f);
  // What it did, at -loglevel verbose, after `frames` frames.
  void log_summary(int64_t frames) const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

// core/perception: a named target's mask over a stream ("car", "狗", "person"...): the object
// detector finds and tracks the class (ObjectTracker), `who` picks among several (locked to one
// track id for as long as it lives, so the choice is consistent over the clip), and each chosen
// box gets a mask inside it: people from the person segmenter run on the box's crop (where it
// works for distant people too), other objects from a box-prompted cut-out (GrabCut: colour
// models of the box and its surroundings; the salient network, tried first, picked the pot and a
// clothespin of a potted plant: IoU 0.05-0.20 where GrabCut gives 0.53-0.87; seeded by the
// object's motion against its background where it moves: 0.87-0.91), each every few frames;
// in between a person's mask is carried with the box, an object's with its own flow. Outside
// the chosen boxes the mask is zero: no detection, no mask.
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

struct TargetOptions {
  std::string who = "all";
  int tiles = 1;        // detector tiles (small, distant objects)
  int every = 3;        // detector every N frames
  int keyint = 30;      // an object's cut-out at least every N frames
  int person_every = 1; // person segmenter on a person's crop every N frames (carried between)
  int pose_every = 1;   // people: the multi-person pose network every N detector runs
  float min_score = 0.2f;  // the user named the class: a weaker detection of it still counts
};

// People at a cadence in time, not frames: the detector and each person's segmenter every fifth
// of a second (every 6th frame at 30 fps, every 2nd at 10 fps), the pose network every second
// detector run. remove=people, add's people in front, replace's target=person.
inline void set_people_cadence(TargetOptions& o, double fps) {
  o.every = o.person_every = std::clamp(int(std::lround(fps / 5)), 1, 12);
  o.pose_every = 2;
}

class TargetMasker {
 public:
  TargetMasker(const std::string& target, TargetOptions o);
  ~TargetMasker();
  // Probability (CV_32F in [0,1]) at a working size of the frame (long side <= 640).
  cv::Mat probability(Frame& f);
  int detector_runs() const;
  int segmenter_runs() const;
  int tracks_seen() const;

  // The models a target needs, for a filter to check before any frame.
  static std::vector<std::string> models_for(const std::string& target);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

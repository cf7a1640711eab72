// core/perception: boxes tracked over a stream, in the spirit of SORT: the detector runs every
// few frames; in between, each track moves by its measured velocity. Detections are matched to
// tracks by IoU with the predicted boxes (greedy, best pairs first); unmatched detections start
// tracks, tracks unmatched for `max_age` detector runs end. Ids are stable for a track's life.
#pragma once
#include <vector>

#include "core/perception/objects.h"

namespace omni {

class ObjectTracker {
 public:
  // classes: the class ids to follow (empty: all). every: run the detector every N frames.
  // max_age: detector runs a track outlives without a match. pose_every: people only, the
  // multi-person pose network joins the detector every N of its runs (0: never).
  ObjectTracker(std::vector<int> classes, int every = 3, int tiles = 1, float min_score = 0.3f, int max_age = 3, int pose_every = 1);
  // The tracks alive in this frame (boxes in frame pixels, track ids set).
  std::vector<Detection> track(Frame& f);
  // The same, with the caller deciding whether the detector runs on this frame (it runs anyway
  // when there is no track): a filter that knows how fast its subject moves can space the runs.
  std::vector<Detection> track(Frame& f, bool detect);
  int detector_runs() const { return runs_; }
  void reset() { tracks_.clear(), frame_ = 0; }

 private:
  struct Track {
    Detection d;
    cv::Point2f v;   // centre velocity, pixels per frame
    float vs = 0;    // relative size change per frame
    int misses = 0, hits = 0;
    int64_t last_seen = 0;
  };
  std::vector<int> classes_;
  int every_, tiles_, max_age_, pose_every_;
  float min_score_;
  std::vector<Track> tracks_;
  int next_id_ = 1, runs_ = 0;
  int64_t frame_ = 0;
};

// Which of several tracks a filter means: "all", "largest", "left", "right", "center", a
// 1-based rank by size ("1" = largest), or "id=N" a track id. Throws on anything else.
std::vector<Detection> choose(const std::vector<Detection>& tracks, const std::string& who, int frame_width);
void check_who(const std::string& who);

}  // namespace omni

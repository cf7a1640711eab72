// core/perception: SORT-like box tracking (see tracking.h).
#include "core/perception/tracking.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/perception/people.h"

namespace omni {

ObjectTracker::ObjectTracker(std::vector<int> classes, int every, int tiles, float min_score, int max_age, int pose_every)
    : classes_(std::move(classes)), every_(std::max(1, every)), tiles_(tiles), max_age_(max_age), pose_every_(std::max(0, pose_every)), min_score_(min_score) {}

std::vector<Detection> ObjectTracker::track(Frame& f) { return track(f, frame_ % every_ == 0); }

std::vector<Detection> ObjectTracker::track(Frame& f, bool detect) {
  const int64_t t = frame_++;
  // Predict: move each track by its velocity since the last frame.
  for (auto& tr : tracks_) {
    cv::Rect2f& b = tr.d.box;
    float s = 1 + tr.vs;
    cv::Point2f c(b.x + b.width / 2 + tr.v.x, b.y + b.height / 2 + tr.v.y);
    b = cv::Rect2f(c.x - b.width * s / 2, c.y - b.height * s / 2, b.width * s, b.height * s);
  }
  if (detect || tracks_.empty()) {
    ++runs_;
    std::vector<Detection> dets;
    for (auto& d : detect_objects(f, tiles_, min_score_))
      if (classes_.empty() || std::find(classes_.begin(), classes_.end(), d.cls) != classes_.end()) dets.push_back(d);
    // People: MoveNet's multi-person pose finds people NanoDet misses (basketball1.png's player
    // holding the ball): its confident people join NanoDet's, duplicates merged by NMS.
    if (classes_.size() == 1 && classes_[0] == 0 && pose_every_ > 0 && (runs_ - 1) % pose_every_ == 0) {
      for (const auto& p : detect_poses(f))
        if (p.score >= 0.4f) {
          Detection d;
          d.cls = 0;
          d.score = p.score;
          d.box = p.box & cv::Rect2f(0, 0, float(f.width()), float(f.height()));
          if (d.box.area() > 0) dets.push_back(d);
        }
      dets = nms(std::move(dets), 0.4f);
    }
    // Greedy matching on IoU, best pairs first.
    struct Pair {
      float iou;
      size_t t, d;
    };
    std::vector<Pair> pairs;
    for (size_t i = 0; i < tracks_.size(); ++i)
      for (size_t j = 0; j < dets.size(); ++j)
        if (tracks_[i].d.cls == dets[j].cls) {
          float v = box_iou(tracks_[i].d.box, dets[j].box);
          if (v > 0.2f) pairs.push_back({v, i, j});
        }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
    std::vector<bool> tdone(tracks_.size()), ddone(dets.size());
    for (const auto& p : pairs) {
      if (tdone[p.t] || ddone[p.d]) continue;
      tdone[p.t] = ddone[p.d] = true;
      Track& tr = tracks_[p.t];
      const cv::Rect2f &old = tr.d.box, &nw = dets[p.d].box;
      float dt = float(std::max<int64_t>(1, t - tr.last_seen));
      // Velocity from the correction: the prediction already moved the box by v per frame.
      cv::Point2f dc((nw.x + nw.width / 2) - (old.x + old.width / 2), (nw.y + nw.height / 2) - (old.y + old.height / 2));
      tr.v = 0.5f * tr.v + 0.5f * (tr.v + dc / dt);
      tr.vs = 0.5f * tr.vs + 0.5f * (tr.vs + (nw.height / std::max(1.f, old.height) - 1) / dt);
      tr.vs = std::clamp(tr.vs, -0.05f, 0.05f);
      int id = tr.d.track;
      tr.d = dets[p.d];
      tr.d.track = id;
      tr.misses = 0;
      ++tr.hits;
      tr.last_seen = t;
    }
    for (size_t i = 0; i < tracks_.size(); ++i)
      if (!tdone[i]) ++tracks_[i].misses, tracks_[i].v *= 0.5f;
    tracks_.erase(std::remove_if(tracks_.begin(), tracks_.end(), [&](const Track& tr) { return tr.misses > max_age_; }), tracks_.end());
    // A new person track needs an upright box or a confident detection: NanoDet scores squat
    // things (vtest's bollard, cones, a sign) as people at 0.3-0.4 now and then, where a standing
    // person's box is taller than wide; a track, once born, follows a person who sits or bends.
    auto born = [](const Detection& d) { return d.cls != 0 || d.score >= 0.5f || d.box.height >= 1.3f * d.box.width; };
    for (size_t j = 0; j < dets.size(); ++j)
      if (!ddone[j] && born(dets[j])) {
        Track tr;
        tr.d = dets[j];
        tr.d.track = next_id_++;
        tr.last_seen = t;
        tracks_.push_back(tr);
      }
  }
  std::vector<Detection> out;
  cv::Rect2f frame(0, 0, float(f.width()), float(f.height()));
  for (const auto& tr : tracks_) {
    Detection d = tr.d;
    d.box &= frame;
    if (d.box.area() > 0) out.push_back(d);
  }
  return out;
}

void check_who(const std::string& who) {
  if (who == "all" || who == "largest" || who == "left" || who == "right" || who == "center") return;
  if (who.rfind("id=", 0) == 0 && who.size() > 3 && who.find_first_not_of("0123456789", 3) == std::string::npos) return;
  if (!who.empty() && who.find_first_not_of("0123456789") == std::string::npos && std::stoll(who.substr(0, 9)) >= 1) return;
  fail("who={}: use all, largest, left, right, center, a rank (1 = largest) or id=N (a track id)", who);
}

std::vector<Detection> choose(const std::vector<Detection>& tracks, const std::string& who, int frame_width) {
  if (who == "all" || tracks.empty()) return tracks;
  std::vector<Detection> v = tracks;
  if (who.rfind("id=", 0) == 0) {
    int id = std::atoi(who.c_str() + 3);
    std::vector<Detection> out;
    for (const auto& d : v)
      if (d.track == id) out.push_back(d);
    return out;
  }
  auto cx = [](const Detection& d) { return d.box.x + d.box.width / 2; };
  if (who == "left") return {*std::min_element(v.begin(), v.end(), [&](auto& a, auto& b) { return cx(a) < cx(b); })};
  if (who == "right") return {*std::max_element(v.begin(), v.end(), [&](auto& a, auto& b) { return cx(a) < cx(b); })};
  if (who == "center") {
    float mid = float(frame_width) / 2;
    return {*std::min_element(v.begin(), v.end(), [&](auto& a, auto& b) { return std::abs(cx(a) - mid) < std::abs(cx(b) - mid); })};
  }
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.box.area() > b.box.area(); });
  size_t rank = who == "largest" ? 1 : size_t(std::atoi(who.c_str()));
  if (rank < 1 || rank > v.size()) return {};
  return {v[rank - 1]};
}

}  // namespace omni

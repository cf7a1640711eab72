// core/image: what a moving camera has seen of the background, kept in the scene's own
// coordinates: a mosaic that the frames are registered into (each frame's map to the scene is the
// chain of its frame-to-frame homographies), read wherever a later frame's hole maps into it.
// VideoFill's memory past its window: a followed subject hides what the camera saw tens of frames
// earlier.
//
// Latest wins: a pixel keeps the newest frame that saw it (registration drifts along the chain,
// and the newest frame is the fewest steps from the frame that reads it; light changes too). Each
// pixel carries the index of that frame (its age). Memory is bounded: tiles of the scene, evicted
// oldest and farthest from the current view first, at most `budget` pixels in all.
#pragma once
#include <cstdint>
#include <memory>

#include <opencv2/core.hpp>

namespace omni {

class SceneMemory {
 public:
  // `budget`: pixels the mosaic may hold (tiles included whole).
  explicit SceneMemory(int64_t budget);
  ~SceneMemory();
  SceneMemory(const SceneMemory&) = delete;
  SceneMemory& operator=(const SceneMemory&) = delete;

  // Remembers frame `index` (CV_8UC3) where `hole` (CV_8U, frame size) is 0, within `area` (frame
  // pixels; empty: all of it); `to_scene` maps its pixels into the scene. A view the chain has
  // bent out of shape (over 4 times the frame's area in the scene, or behind the camera) is skipped.
  void remember(const cv::Mat& bgr, const cv::Mat& hole, const cv::Matx33d& to_scene, int64_t index, cv::Rect area = {});
  // Pixel (x, y) of a frame whose map to the scene is `to_scene`, as the mosaic saw it (bilinear
  // where its four neighbours were seen, else the nearest): false where nothing was. `age`, when
  // given, gets the index of the frame it came from.
  bool recall(const cv::Matx33d& to_scene, int x, int y, cv::Vec3b& out, int64_t* age = nullptr) const;
  void clear();
  int64_t pixels() const;  // held, tiles whole

  // The first pass of a two-pass fill keeps only what is wanted: want() marks the scene under
  // `need` (CV_8U, frame size: pixels of a hole nothing had seen yet); remember_wanted() keeps
  // what a later frame sees of the marked pixels, the first sight only (the nearest in time to
  // the frames that hid them), and unmarks them. Marks that would need a tile past the budget are
  // dropped (the earliest frames, which have least else to go on, are served first).
  void want(const cv::Mat& need, const cv::Matx33d& to_scene);
  void remember_wanted(const cv::Mat& bgr, const cv::Mat& hole, const cv::Matx33d& to_scene, int64_t index);
  int64_t wanted() const;  // pixels marked and not yet seen

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
};

}  // namespace omni

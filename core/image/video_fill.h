// core/image: what was behind a hole in a video. remove's fill engine, shared with replace=object
// (the old object goes before the new one is drawn) and whatever else takes something out.
//
// The fill takes, best first: the pixels other frames saw there (frames before and after, in a
// window around the current one, aligned to it by a homography fitted to tracked background
// points, or not moved at all when the camera stands still; the per-pixel median of the nearest
// few that saw the background); for a still camera, a background plate that remembers every
// pixel ever seen; for a moving one, the scene memory (core/image/scene_memory.h: a mosaic of
// what frames older than the window saw, in the scene's coordinates); the previous output carried over, so a fill that had to be invented does not
// change from frame to frame; and only then spatial inpainting (OpenCV's Telea, or a TorchScript
// network named in the manifest). Seams are evened out (the fill's brightness matched to the
// frame's around the hole) and feathered.
//
// Frames go in with their holes and come out filled, in order, `window` frames later (the
// window's future half has to arrive first); finish() lets the last ones out. The filling runs on
// a thread of its own, a frame as soon as its window is in, in the same order and with the same
// result as on the caller's: push() returns at once, and the caller decodes, draws and encodes
// meanwhile, waiting in pop() only when the fill is a few frames behind (latency()).
#pragma once
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace omni {

enum class FillMethod {
  Auto,     // other frames, then the plate, the carried fill, inpainting
  Frames,   // other frames aligned by one homography a frame
  Local,    // other frames aligned by homographies fitted around the hole (parallax)
  Plate,    // still camera: the background plate
  Inpaint,  // spatial only
};

struct FillOptions {
  FillMethod method = FillMethod::Auto;
  int window = 12;     // frames before and after that may lend their pixels
  int feather = 4;     // the fill fades into the frame over this many pixels outside the hole
  int ring = 4;        // width of the ring around the hole the fill's brightness is matched on
  bool join = false;   // still camera: a frame's hole is the union of frames t-2..t+2's (a
                       // segmenter that misses a leg in one frame finds it in the next)
  bool memory = true;  // a moving camera: read what frames older than the window saw (SceneMemory)
  bool shadow = false; // a still camera: a hole takes the shadow attached to its lower part
  bool show = false;   // the hole drawn in red instead of filled (tuning)
  std::string model;   // spatial inpainting network from the manifest; empty: OpenCV's Telea
};

// A model's probability (CV_32F, at its working size) as a hole at `size`: thresholded at one
// half and grown by `grow` frame pixels at the working size (a fraction of the cost at full size:
// 9 ms a 720p frame before), then brought up smoothly. `upright`: also grown up and down by 1/40
// of the picture's height (a segmenter stops short of a distant walker's head and feet).
cv::Mat hole_mask(const cv::Mat& probability, cv::Size size, int grow, bool upright);

class VideoFill {
 public:
  explicit VideoFill(FillOptions o);
  ~VideoFill();
  // The next frame: its picture (CV_8UC3 BGR) and its hole (CV_8U, frame size, 255 = fill).
  // `hidden` (CV_8U, frame size, 255; may be empty): the part of the hole the caller will cover
  // opaquely afterwards (motion-transfer's character). It is not filled, and pop() leaves it as
  // pushed; it still counts as hole where other frames lend their pixels.
  void push(cv::Mat bgr, cv::Mat hole, cv::Mat hidden = cv::Mat());
  // The oldest frame not yet out can be filled (its window's future half is here, or finish()).
  bool ready() const;
  // That frame, filled; `changed`, when given, gets the pixels the fill wrote (CV_8U, 255): the
  // hole and its feathered seam. The rest is the pushed picture. Both are read-only: the fill
  // reads the picture again as the next frame's carried fill. An error in the fill is thrown here.
  cv::Mat pop(cv::Mat* changed = nullptr);
  // No more frames: the ones still in go out with the neighbours there are.
  void finish();
  // A first pass (remove's pass=2), before the first push: every frame and its hole, in order.
  // What a hole hides that no earlier frame saw is kept from the first later frame that sees it
  // (a second scene memory, bounded like the first), and each frame's map into the scene (80
  // bytes a frame), so that the frames pushed next, the same ones, read it where it was written.
  void prime(const cv::Mat& bgr, const cv::Mat& hole);
  void end_prime();
  // Frames between push and pop at most: the window, and the few the fill's thread may lag behind.
  int latency() const;
  // Where the filled pixels came from, for -loglevel verbose; empty before any frame.
  std::string summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
  struct Async;
  std::unique_ptr<Async> a_;  // after p_: its thread stops before the fill it works on goes
};

}  // namespace omni

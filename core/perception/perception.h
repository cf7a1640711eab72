// core/perception: what the models see in a frame, computed once per frame and shared by every
// filter of a chain (matte, remove, replace, add, motion-transfer).
//
// Per-frame results are memoised in the frame's side data under "perception/..." keys, so a
// second filter that asks for the same analysis of the same frame gets it for free (side data
// survives native libavfilter segments; a result whose frame size no longer matches is ignored).
// Results are kept at the model's resolution (cheap to carry); refine_matte() brings a
// probability map to frame resolution, aligned to the frame's edges and steady over time.
//
// Stateful analyses (the salient mask carried along optical flow between sparse ISNet runs, pose
// tracking) are objects a filter owns, one per stream. No LibTorch here: inference goes through
// torch_api().infer (core/model/torch_module.h).
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

struct InferResult;

// -threads and -device for the models, applied when a filter first runs one.
void set_model_options(int threads, const std::string& device);

// The frame (8-bit planar YUV with any chroma subsampling, alpha ignored) as 8-bit BGR at
// `size` (stretched), using the frame's colour matrix and range.
cv::Mat frame_to_bgr(const Frame& f, cv::Size size);

// A network from the manifest on one picture (and a mask, for inpainting networks), with
// -threads/-device applied: for filters whose model is not one of the analyses below
// (restyle=model=, remove's model=).
InferResult run_model(const std::string& name, const cv::Mat& bgr, const cv::Mat& mask = cv::Mat());
// A network's first output read as one picture (3 channels in the manifest's layout, colour
// order and range): 8-bit BGR at the network's output size. Throws when it is not one.
cv::Mat output_picture(const InferResult& r, const std::string& name);

// ---- people -------------------------------------------------------------------------------

// Probability that each pixel shows a person (CV_32F in [0,1], the model's resolution; stretch
// it to the frame). model: "selfie", "selfie-landscape", or "auto" (landscape model for frames
// wider than 4:3). tiles > 1 also runs it on an NxN grid of overlapping tiles, for people far
// from the camera (N*N+1 inferences). Memoised per frame.
cv::Mat person_probability(Frame& f, const std::string& model, int tiles = 1);
std::string resolve_person_model(const std::string& model, int width, int height);

// MediaPipe's pose detector, decoded: SSD anchors, sigmoid scores, weighted non-maximum
// suppression. Boxes and the 4 keypoints (hip centre, full-body scale point, shoulder centre,
// upper-body scale point) are in image pixels.
struct PersonDetection {
  float score = 0;
  cv::Rect2f box;
  std::array<cv::Point2f, 4> keypoints;
};
std::vector<PersonDetection> decode_pose_detections(const InferResult& r, int image_width, int image_height,
                                                    float min_score = 0.5f);
std::vector<PersonDetection> detect_people(Frame& f);  // memoised per frame

// ---- pose ---------------------------------------------------------------------------------

struct Landmark {
  float x = 0, y = 0, z = 0;    // frame pixels (z: depth, same scale as x, hips ≈ 0)
  float visibility = 0, presence = 0;
};
struct Pose {
  bool found = false;
  float score = 0;                 // the landmark model's pose-present probability
  std::array<Landmark, 33> landmarks{};
  cv::Mat mask;                    // person probability, CV_32F, frame size (empty unless asked)
};

// MediaPipe's two stages over a stream: the detector finds a person, the landmark model runs on
// a rotated region of interest that then follows the landmarks frame to frame; the detector runs
// again only when tracking is lost. Landmarks are smoothed with a One-Euro filter (steady when
// still, no lag when moving fast).
class PoseTracker {
 public:
  explicit PoseTracker(std::string model = "pose-full", bool want_mask = false);
  ~PoseTracker();
  const Pose& track(Frame& f);     // memoised per frame ("perception/pose")
  int detector_runs() const;       // how often tracking was (re)started, for tests and stats

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ---- salient objects ----------------------------------------------------------------------

// The salient-object mask (ISNet) over a stream. ISNet costs seconds per frame on a CPU, so it
// runs on key frames only: the first, every `keyint` frames, at scene cuts, and when the carried
// mask degrades (the frame no longer matches the previous one moved along the flow). In between
// the mask is carried along dense optical flow (DIS) at a working resolution.
class SalientTracker {
 public:
  explicit SalientTracker(int keyint, std::string model = "isnet");
  ~SalientTracker();
  cv::Mat probability(Frame& f);   // CV_32F in [0,1] at the working resolution; memoised
  int model_runs() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ---- mattes -------------------------------------------------------------------------------

struct MatteOptions {
  float threshold = 0.5f;  // probability that counts as "subject"
  float softness = 0.25f;  // width of the probability ramp around the threshold
  int refine = 8;          // guided-filter radius in frame pixels (0: plain upscaling)
  float smooth = 0.6f;     // temporal smoothing where the frame is still (0: none)
  float feather = 0;       // extra Gaussian softening of the edge, frame pixels
};

// Probability map (any resolution) → 8-bit alpha at frame resolution: thresholded with a soft
// ramp, aligned to the frame's edges with a guided filter (the frame's luma as guide), smoothed
// over time where the picture is still (no lag where it moves). One per stream: it keeps the
// previous frame.
class MatteRefiner {
 public:
  explicit MatteRefiner(MatteOptions o) : o_(o) {}
  cv::Mat refine(const cv::Mat& probability, const Frame& f);  // CV_8U, frame size
  void reset() { prev_p_.release(); }

 private:
  MatteOptions o_;
  cv::Mat prev_p_, prev_i_;
};

}  // namespace omni

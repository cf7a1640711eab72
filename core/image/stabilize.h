// Flow-guided temporal stabilisation of a per-frame effect (restyle's looks).
//
// A per-frame effect (a stylisation, an inpainting) flickers: each frame is processed without
// knowing what the previous one became. The stabiliser carries the previous *output* forward
// along the *input's* dense optical flow and blends it with the current output where the flow
// can be trusted (the input there looks like the previous input moved along the flow), so static
// regions stay still and moving ones follow the motion; where the flow fails (occlusions, new
// content, lighting) the current output shows through; at a cut it starts over.
//
// Split in two so a filter can pipeline it: motion() (flow and reliability; needs only the
// input) runs on a worker thread, blend() (needs the previous output) on the filter's thread.
// Both must be called once per frame, in frame order.
#pragma once
#include <memory>

#include <opencv2/core/mat.hpp>

namespace omni {

struct Motion {
  cv::Mat flow;    // CV_32FC2 at the working size: current pixel x came from previous x + flow(x)
  cv::Mat weight;  // CV_32F at the working size: how much of the carried output to keep (0..strength)
  bool first = true;  // no previous frame, or a cut: nothing to carry
  double error = 0;   // mean absolute difference, in grey levels, of the input and the previous input moved along the flow
};

class FlowStabilizer {
 public:
  // strength: the most weight the carried output gets (0 = off; 0.8 ≈ a 5-frame memory along the
  // motion). cut: mean motion-compensated difference (grey levels) that counts as a new shot.
  // work_width: flow is computed on the luma scaled down by a whole number to at most this.
  explicit FlowStabilizer(float strength, float cut = 30, int work_width = 480);
  ~FlowStabilizer();
  Motion motion(const cv::Mat& gray);                          // gray: the input's luma, CV_8U, any size
  cv::Mat blend(const cv::Mat& styled, const Motion& m);        // styled: CV_8UC1/3, any size; returns the output and keeps it
  void reset();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

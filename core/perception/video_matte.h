// core/perception: video matting with a recurrent network (RobustVideoMatting). Its state (four
// feature maps) is carried from frame to frame and reset at cuts; the downsample ratio is chosen
// from the frame size so the network's encoder sees about 384 px on the long side, and its own
// guided filter brings the alpha back to the input's size. With `every` > 1 the network runs on
// every Nth frame (and at cuts); the frames between take the last alpha moved along the dense
// optical flow, which costs a few milliseconds against the network's ~80-120 on one core. Measured
// against the network on every frame (IoU of alpha > 0.5 on the frames between): 0.983 with
// every=2 on a 24 fps close shot (Megamind.avi; the network's own key frames agree 0.983 with the
// every-frame run, its state having seen half the frames), 0.977 with 3; 0.79 on vtest.avi's
// small people at 10 fps, where a person moves its own width in a few frames (a 200 ms gap). So
// `every` = 0 (auto) keeps the gap at 100 ms or less: fps / 10 rounded down (1 below 20 fps, 2 at
// 24, 3 at 29.97 and 30; 2 for an unknown rate).
#pragma once
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

class VideoMatter {
 public:
  explicit VideoMatter(std::string model = "rvm", int every = 0);
  void set_frame_rate(double fps);  // settles every = 0 (auto); 0: unknown
  ~VideoMatter();
  // Alpha as a probability (CV_32F in [0,1]) at a working size (long side <= 768); memoised.
  cv::Mat alpha(Frame& f);
  int resets() const;          // cuts (and the first frame): state started from zeros
  int runs() const;            // frames the network ran on
  double downsample_ratio() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

// core/perception: video matting with a recurrent network (RobustVideoMatting). Its state (four
// feature maps) is carried from frame to frame and reset at cuts; the downsample ratio is chosen
// from the frame size so the network's encoder sees about 384 px on the long side, and its own
// guided filter brings the alpha back to the input's size.
#pragma once
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "core/media/frame.h"

namespace omni {

class VideoMatter {
 public:
  explicit VideoMatter(std::string model = "rvm");
  ~VideoMatter();
  // Alpha as a probability (CV_32F in [0,1]) at a working size (long side <= 768); memoised.
  cv::Mat alpha(Frame& f);
  int resets() const;          // cuts (and the first frame): state started from zeros
  double downsample_ratio() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

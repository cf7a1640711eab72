// What goes behind a cut-out subject, and the compositing that puts it there: a colour, a
// blurred copy of the picture's own background, an image or a video (MediaReader), or nothing
// (the picture with the matte as alpha). Composited in the frame's own YUV planes (no RGB round
// trip), with the old background's colour taken out of the subject's edge pixels (despill) and,
// optionally, the new background's light wrapped a little around the subject's edge (wrap).
// matte=bg= and replace=background share it.
#pragma once
#include <memory>
#include <string>

#include <opencv2/core.hpp>

extern "C" {
#include <libavutil/rational.h>
}

#include "core/media/frame.h"
#include "core/media/media_reader.h"

namespace omni {

class Backdrop {
 public:
  // spec: green, blue, a colour (name, #RRGGBB), transparent, blur[=RADIUS], or an image or video
  // file. loop: a video background loops (else it holds its last picture). `what` names the
  // option in errors ("matte: bg").
  Backdrop(const std::string& spec, Fit fit, bool loop, const std::string& what);
  ~Backdrop();
  bool transparent() const;
  void set_time_base(AVRational tb);
  // out = alpha in + (1 - alpha) backdrop, plane by plane (alpha: CV_8U at the frame's size); with
  // the backdrop transparent, out = the picture (edges decontaminated) and the caller writes alpha.
  // despill 0..1, wrap 0..1. `in` and `out`: same size, same planar 8-bit YUV layout.
  // relight 0..1: the subject's brightness and colour moved that far toward the new backdrop's
  // (its mean against the old background's, over the same pixels), so it looks lit by it.
  void composite(const Frame& in, const cv::Mat& alpha, float despill, float wrap, Frame& out, float relight = 0);
  // An image or video backdrop moved with the camera: H maps the first frame's pixels to this
  // frame's (a pan moves the new sky as it moved the old one); it is drawn `zoom` times the
  // frame's size about the centre, so a pan has picture to reveal. Other kinds ignore it.
  void set_camera(const cv::Matx33d& H, double zoom);
  // The picture alone, its edges decontaminated (for an alpha output whatever the backdrop).
  void decontaminate(const Frame& in, const cv::Mat& alpha, float despill, Frame& out);

 private:
  void run(const Frame& in, const cv::Mat& alpha, float despill, float wrap, bool keep_alpha, float relight, Frame& out);
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace omni

// Frame: one video frame as it flows between omni filters. It owns a reference to an AVFrame
// (refcounted buffers, pts, colour metadata kept) and hands out zero-copy views of its planes.
//
// Who owns what: a Frame owns one AVFrame reference. Views (mat(), tensor()) alias the frame's
// buffers; a tensor view holds its own buffer reference and stays valid after the Frame is gone,
// a cv::Mat view must not outlive the Frame. Call make_writable() before writing into a view of
// a frame whose buffers may be shared.
#pragma once
#include <any>
#include <map>
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

namespace at {
class Tensor;  // defined in frame_torch.cpp's world; keeps LibTorch headers out of this one
}

namespace omni {

// Named per-frame data a filter leaves for later filters ("mask" as cv::Mat, "pose", ...). It
// travels inside the AVFrame (opaque_ref), so it survives native libavfilter segments too.
class SideData {
 public:
  template <typename T>
  const T* get(const std::string& name) const {
    auto it = items_.find(name);
    return it == items_.end() ? nullptr : std::any_cast<T>(&it->second);
  }
  void set(const std::string& name, std::any value) { items_[name] = std::move(value); }
  bool has(const std::string& name) const { return items_.count(name) != 0; }

 private:
  std::map<std::string, std::any> items_;
};

class Frame {
 public:
  Frame() = default;
  explicit Frame(AVFrame* f) : f_(f) {}  // takes ownership of `f`
  Frame(const Frame& o) : f_(o.f_ ? av_frame_clone(o.f_) : nullptr) {}  // new reference, same buffers
  Frame& operator=(const Frame& o);
  Frame(Frame&& o) noexcept : f_(o.f_) { o.f_ = nullptr; }
  Frame& operator=(Frame&& o) noexcept;
  ~Frame() { av_frame_free(&f_); }

  // A new frame with freshly allocated buffers (align 32), no data copied.
  static Frame alloc(int width, int height, AVPixelFormat format);

  explicit operator bool() const { return f_ != nullptr; }
  AVFrame* av() const { return f_; }          // still owned by this Frame
  AVFrame* release() { AVFrame* r = f_; f_ = nullptr; return r; }  // caller owns the result

  int width() const { return f_->width; }
  int height() const { return f_->height; }
  AVPixelFormat format() const { return AVPixelFormat(f_->format); }
  int64_t pts() const { return f_->pts; }
  void set_pts(int64_t pts) { f_->pts = pts; }
  bool has_alpha() const;
  int planes() const;

  // Copies the buffers if anyone else references them, so views can be written safely.
  void make_writable();
  // Copies pts, colour metadata, side data (ours and FFmpeg's) from `src`.
  void copy_props_from(const Frame& src);

  // Zero-copy view of one plane: CV_8U / CV_16U with as many channels as the plane packs
  // (3 for rgb24, 4 for rgba, 1 for a planar plane). Rows keep the frame's line size.
  cv::Mat mat(int plane = 0) const;
  // Zero-copy view of the alpha plane (yuva*, gbrap*) or an empty Mat when there is none.
  cv::Mat alpha() const;

  // Zero-copy [H, W, C] uint8/int16 tensor view of one plane (strides follow the line size).
  // Defined in frame_torch.cpp; include <ATen/Tensor.h> where you call it.
  at::Tensor tensor(int plane = 0) const;

  // Side data: read-only view, or a writable one (copied first if shared with another frame).
  const SideData& side() const;
  SideData& side_mut();

 private:
  AVFrame* f_ = nullptr;
};

}  // namespace omni

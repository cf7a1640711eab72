#include "core/media/frame.h"

#include "core/error.h"

extern "C" {
#include <libavutil/imgutils.h>
}

namespace omni {

Frame& Frame::operator=(const Frame& o) {
  if (this != &o) {
    av_frame_free(&f_);
    f_ = o.f_ ? av_frame_clone(o.f_) : nullptr;
  }
  return *this;
}

Frame& Frame::operator=(Frame&& o) noexcept {
  if (this != &o) {
    av_frame_free(&f_);
    f_ = o.f_;
    o.f_ = nullptr;
  }
  return *this;
}

Frame Frame::alloc(int width, int height, AVPixelFormat format) {
  AVFrame* f = av_frame_alloc();
  f->width = width;
  f->height = height;
  f->format = format;
  if (int r = av_frame_get_buffer(f, 32); r < 0) {
    av_frame_free(&f);
    fail("frame: cannot allocate {}x{} {}: {}", width, height, av_get_pix_fmt_name(format), av_error_text(r));
  }
  return Frame(f);
}

bool Frame::has_alpha() const {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format());
  return d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);
}

int Frame::planes() const { return av_pix_fmt_count_planes(format()); }

void Frame::make_writable() {
  if (int r = av_frame_make_writable(f_); r < 0) fail("frame: cannot make writable: {}", av_error_text(r));
}

void Frame::copy_props_from(const Frame& src) {
  if (int r = av_frame_copy_props(f_, src.f_); r < 0) fail("frame: cannot copy properties: {}", av_error_text(r));
}

cv::Mat Frame::mat(int plane) const {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format());
  if (!d || (d->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL)))
    fail("frame: no pixel view of format {}", d ? d->name : "?");
  if (plane < 0 || plane >= planes()) fail("frame: plane {} out of range for {}", plane, d->name);
  // Channels packed into this plane, and the bytes each takes.
  int channels = 0, depth = 8;
  for (int c = 0; c < d->nb_components; ++c)
    if (d->comp[c].plane == plane) {
      ++channels;
      depth = d->comp[c].depth;
    }
  int step = d->comp[0].step;
  for (int c = 0; c < d->nb_components; ++c)
    if (d->comp[c].plane == plane) step = d->comp[c].step;
  bool wide = depth > 8;
  int bytes = wide ? 2 : 1;
  // Packed formats with padding (rgb0, ...) step over more bytes than they have channels.
  int cn = std::max(channels, step / bytes);
  int w = width(), h = height();
  if (plane == 1 || plane == 2) {
    bool chroma = !(d->flags & AV_PIX_FMT_FLAG_RGB);
    if (chroma) {
      w = AV_CEIL_RSHIFT(w, d->log2_chroma_w);
      h = AV_CEIL_RSHIFT(h, d->log2_chroma_h);
    }
  }
  int type = CV_MAKETYPE(wide ? CV_16U : CV_8U, cn);
  return cv::Mat(h, w, type, f_->data[plane], size_t(f_->linesize[plane]));
}

cv::Mat Frame::alpha() const {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format());
  if (!has_alpha() || !(d->flags & AV_PIX_FMT_FLAG_PLANAR)) return {};
  return mat(d->comp[3].plane);
}

// Side data lives in AVFrame::opaque_ref: a buffer whose data is a heap SideData, freed with it.
static void free_side(void*, uint8_t* data) { delete reinterpret_cast<SideData*>(data); }

static AVBufferRef* new_side(const SideData& from) {
  auto* sd = new SideData(from);
  AVBufferRef* b = av_buffer_create(reinterpret_cast<uint8_t*>(sd), sizeof(SideData), free_side, nullptr, 0);
  if (!b) {
    delete sd;
    fail("frame: out of memory");
  }
  return b;
}

const SideData& Frame::side() const {
  static const SideData empty;
  if (!f_->opaque_ref || f_->opaque_ref->size != sizeof(SideData)) return empty;
  return *reinterpret_cast<const SideData*>(f_->opaque_ref->data);
}

SideData& Frame::side_mut() {
  bool ours = f_->opaque_ref && f_->opaque_ref->size == sizeof(SideData);
  if (!ours || !av_buffer_is_writable(f_->opaque_ref)) {
    AVBufferRef* b = new_side(side());
    av_buffer_unref(&f_->opaque_ref);
    f_->opaque_ref = b;
  }
  return *reinterpret_cast<SideData*>(f_->opaque_ref->data);
}

}  // namespace omni

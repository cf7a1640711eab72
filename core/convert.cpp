#include "core/convert.h"

#include "core/error.h"

extern "C" {
#include <libswscale/swscale.h>
}

namespace omni {

// Measured worst case 45 bytes (widths 1..1100, every YUV layout, bilinear and bicubic).
constexpr size_t kSwsSlack = 256;

cv::Mat sws_bgr(int width, int height) {
  size_t bytes = size_t(width) * height * 3;
  cv::Mat block(1, int(bytes + kSwsSlack), CV_8U);
  return block.colRange(0, int(bytes)).reshape(3, height);  // shares block's buffer and refcount
}

// True when swscale may run past the end of `m` safely: m lies inside a sws_bgr() block.
static bool has_slack(const cv::Mat& m) {
  return m.isContinuous() && m.u && m.datastart == m.data &&
         size_t(m.dataend - m.datastart) + kSwsSlack <= m.u->size;
}

struct BgrConverter::State {
  SwsContext* to = nullptr;
  SwsContext* from = nullptr;
  cv::Mat staged;  // a padded copy of a picture that has no slack
  ~State() {
    sws_freeContext(to);
    sws_freeContext(from);
  }
};

BgrConverter::BgrConverter() : s_(std::make_unique<State>()) {}
BgrConverter::~BgrConverter() = default;

static bool full_range(const Frame& f) {
  return f.av()->color_range == AVCOL_RANGE_JPEG || f.format() == AV_PIX_FMT_YUVJ420P || f.format() == AV_PIX_FMT_YUVJ422P ||
         f.format() == AV_PIX_FMT_YUVJ444P;
}

static int sws_space(const Frame& f) {
  switch (f.av()->colorspace) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_BT2020_NCL: case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    default: return SWS_CS_DEFAULT;  // BT.601, FFmpeg's choice for untagged video
  }
}

static SwsContext* context(SwsContext* c, const Frame& f, bool to_bgr) {
  int w = f.width(), h = f.height();
  AVPixelFormat yuv = f.format();
  // Plain bilinear: measured closest to the source on a round trip (accurate rounding and full
  // chroma interpolation take other code paths whose chroma siting cost 10 dB).
  const int flags = SWS_BILINEAR;
  c = sws_getCachedContext(c, w, h, to_bgr ? yuv : AV_PIX_FMT_BGR24, w, h, to_bgr ? AV_PIX_FMT_BGR24 : yuv, flags, nullptr, nullptr,
                           nullptr);
  if (!c) fail("colour conversion: swscale cannot convert {}x{} between BGR and this format", w, h);
  const int* coeffs = sws_getCoefficients(sws_space(f));
  int full = full_range(f);
  if (to_bgr) sws_setColorspaceDetails(c, coeffs, full, coeffs, 1, 0, 1 << 16, 1 << 16);
  else sws_setColorspaceDetails(c, coeffs, 1, coeffs, full, 0, 1 << 16, 1 << 16);
  return c;
}

cv::Mat BgrConverter::to_bgr(const Frame& f) {
  s_->to = context(s_->to, f, true);
  cv::Mat out = sws_bgr(f.width(), f.height());
  uint8_t* dst[4] = {out.data, nullptr, nullptr, nullptr};
  int stride[4] = {int(out.step), 0, 0, 0};
  sws_scale(s_->to, f.av()->data, f.av()->linesize, 0, f.height(), dst, stride);
  return out;
}

void BgrConverter::from_bgr(const cv::Mat& bgr, Frame& out) {
  s_->from = context(s_->from, out, false);
  const cv::Mat* in = &bgr;
  if (!has_slack(bgr)) {
    if (s_->staged.size() != bgr.size()) s_->staged = sws_bgr(bgr.cols, bgr.rows);
    bgr.copyTo(s_->staged);
    in = &s_->staged;
  }
  const uint8_t* src[4] = {in->data, nullptr, nullptr, nullptr};
  int stride[4] = {int(in->step), 0, 0, 0};
  sws_scale(s_->from, src, stride, 0, out.height(), out.av()->data, out.av()->linesize);
}

}  // namespace omni

#include "core/image/convert.h"

#include "core/error.h"

#include <cstring>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libswscale/swscale.h>
}

namespace omni {

// Measured worst case 45 bytes (widths 1..1100, every YUV layout, bilinear and bicubic).
constexpr size_t kSwsSlack = 256;

void sws_to_bgr(SwsContext* c, const AVFrame* src, cv::Mat& out, std::vector<uint8_t>& scratch) {
  const size_t row = size_t(out.cols) * out.elemSize(), bytes = row * out.rows;
  if (scratch.size() < bytes + kSwsSlack) scratch.resize(bytes + kSwsSlack);
  uint8_t* dst[4] = {scratch.data(), nullptr, nullptr, nullptr};
  int stride[4] = {int(row), 0, 0, 0};
  sws_scale(c, src->data, src->linesize, 0, src->height, dst, stride);
  for (int y = 0; y < out.rows; ++y) memcpy(out.ptr(y), scratch.data() + y * row, row);
}

void sws_from_bgr(SwsContext* c, const cv::Mat& bgr, AVFrame* dst, std::vector<uint8_t>& scratch) {
  const size_t row = size_t(bgr.cols) * 3, bytes = row * bgr.rows;
  if (scratch.size() < bytes + kSwsSlack) scratch.resize(bytes + kSwsSlack);
  for (int y = 0; y < bgr.rows; ++y) memcpy(scratch.data() + y * row, bgr.ptr(y), row);
  const uint8_t* src[4] = {scratch.data(), nullptr, nullptr, nullptr};
  int stride[4] = {int(row), 0, 0, 0};
  sws_scale(c, src, stride, 0, bgr.rows, dst->data, dst->linesize);
}

void keep_unchanged(const Frame& original, const cv::Mat& changed, Frame& out) {
  if (original.width() != out.width() || original.height() != out.height() || original.format() != out.format() ||
      changed.size() != cv::Size(out.width(), out.height()) || changed.type() != CV_8U)
    fail("keep_unchanged: the frames and the mask differ in size or format");
  cv::Mat grown;  // a sample of a subsampled plane covers its neighbours too
  for (int p = 0; p < out.planes(); ++p) {
    cv::Mat dst = out.mat(p), keep;
    if (dst.size() == changed.size()) {
      keep = changed == 0;
    } else {
      if (grown.empty()) cv::dilate(changed, grown, cv::Mat::ones(3, 3, CV_8U));
      cv::Mat small;
      cv::resize(grown, small, dst.size(), 0, 0, cv::INTER_AREA);
      keep = small == 0;
    }
    original.mat(p).copyTo(dst, keep);
  }
}

struct BgrConverter::State {
  SwsContext* to = nullptr;
  SwsContext* from = nullptr;
  std::vector<uint8_t> scratch;
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
  // Bilinear: measured closest to the source on a round trip (full chroma interpolation takes
  // other code paths whose chroma siting cost 10 dB). To BGR with accurate rounding: FFmpeg 5.1's
  // fast YUV->RGB path left the last columns black at widths that are not a multiple of 8 (548:
  // 4 columns, 854: 6); the accurate path is exact there and costs 0.8 ms a 720p frame.
  const int flags = to_bgr ? SWS_BILINEAR | SWS_ACCURATE_RND : SWS_BILINEAR;
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
  cv::Mat out(f.height(), f.width(), CV_8UC3);
  sws_to_bgr(s_->to, f.av(), out, s_->scratch);
  return out;
}

void BgrConverter::from_bgr(const cv::Mat& bgr, Frame& out) {
  s_->from = context(s_->from, out, false);
  sws_from_bgr(s_->from, bgr, out.av(), s_->scratch);
}

}  // namespace omni

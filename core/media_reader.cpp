#include "core/media_reader.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <opencv2/imgproc.hpp>

#include "core/convert.h"
#include "core/error.h"
#include "core/log.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace omni {

struct MediaReader::Impl {
  std::string path;
  AVFormatContext* ic = nullptr;
  AVCodecContext* dec = nullptr;
  int stream = -1;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  int64_t decoded = 0;   // frames decoded since the last rewind
  bool still = false;    // one picture only: it is reused
  std::vector<uint8_t> scratch;  // swscale's padded staging (see sws_to_bgr)
  Frame cached;          // the last picture delivered (for stills), already converted
  SwsContext* to_bgr = nullptr;
  SwsContext* to_out = nullptr;

  ~Impl() {
    sws_freeContext(to_bgr);
    sws_freeContext(to_out);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&ic);
  }

  // The next decoded picture; false at the end of the file.
  bool decode_one() {
    for (;;) {
      int r = avcodec_receive_frame(dec, frame);
      if (r == 0) return ++decoded, true;
      if (r == AVERROR_EOF) return false;
      if (r != AVERROR(EAGAIN)) fail("'{}': cannot decode: {}", path, av_error_text(r));
      r = av_read_frame(ic, pkt);
      if (r == AVERROR_EOF) {
        avcodec_send_packet(dec, nullptr);
        continue;
      }
      if (r < 0) fail("'{}': cannot read: {}", path, av_error_text(r));
      if (pkt->stream_index == stream) {
        int s = avcodec_send_packet(dec, pkt);
        if (s < 0 && s != AVERROR(EAGAIN)) fail("'{}': cannot decode: {}", path, av_error_text(s));
      }
      av_packet_unref(pkt);
    }
  }

  void rewind() {
    int64_t start = ic->streams[stream]->start_time;
    if (av_seek_frame(ic, stream, start == AV_NOPTS_VALUE ? 0 : start, AVSEEK_FLAG_BACKWARD) < 0)
      fail("'{}': cannot go back to the start to loop it", path);
    avcodec_flush_buffers(dec);
    decoded = 0;
  }
};

MediaReader::MediaReader(const std::string& path) : p_(std::make_unique<Impl>()) {
  Impl& p = *p_;
  p.path = path;
  // Checked first so the error names the real cause, not a demuxer's guess.
  if (access(path.c_str(), R_OK) != 0) fail("'{}': {}", path, std::strerror(errno));
  // The libraries' own complaints about a broken file are folded into one line of ours.
  LogHold hold;
  auto unreadable = [&](const std::string& why) {
    hold.discard();
    fail("'{}': not an image or video FFmpeg can read ({})", path, why);
  };
  if (int r = avformat_open_input(&p.ic, path.c_str(), nullptr, nullptr); r < 0) unreadable(av_error_text(r));
  if (int r = avformat_find_stream_info(p.ic, nullptr); r < 0) unreadable(av_error_text(r));
  const AVCodec* codec = nullptr;
  p.stream = av_find_best_stream(p.ic, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (p.stream < 0 || !codec) unreadable("no picture in it");
  const AVCodecParameters* par = p.ic->streams[p.stream]->codecpar;
  if (par->width <= 0 || par->height <= 0) unreadable("no picture size");
  p.dec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(p.dec, par);
  if (int r = avcodec_open2(p.dec, codec, nullptr); r < 0) unreadable(av_error_text(r));
  try {
    if (!p.decode_one()) unreadable("no picture in it");
  } catch (const Error& e) {
    unreadable(e.what());
  }
  // A still: one picture only (an image, or a one-frame video).
  AVFrame* first = av_frame_clone(p.frame);
  p.still = !p.decode_one();
  av_frame_unref(p.frame);
  av_frame_move_ref(p.frame, first);
  av_frame_free(&first);
  if (!p.still) {
    p.rewind();
    if (!p.decode_one()) fail("'{}': cannot decode again after rewinding", path);
  }
}

MediaReader::~MediaReader() = default;
bool MediaReader::is_still() const { return p_->still; }

Frame MediaReader::next(const Frame& like) {
  Impl& p = *p_;
  if (p.still && p.cached && p.cached.width() == like.width() && p.cached.height() == like.height() &&
      p.cached.format() == like.format())
    return p.cached;
  if (!p.still && p.decoded > 0 && p.cached) {  // the first picture is already in p.frame
    if (!p.decode_one()) {
      p.rewind();
      if (!p.decode_one()) fail("'{}': cannot decode again after rewinding", p.path);
    }
  }
  AVFrame* src = p.frame;
  // Cover: scale so the picture fills the frame, then take the centre.
  int W = like.width(), H = like.height();
  double s = std::max(double(W) / src->width, double(H) / src->height);
  int sw = std::max(W, int(std::ceil(src->width * s))), sh = std::max(H, int(std::ceil(src->height * s)));
  p.to_bgr = sws_getCachedContext(p.to_bgr, src->width, src->height, AVPixelFormat(src->format), sw, sh, AV_PIX_FMT_BGR24,
                                  SWS_BICUBIC, nullptr, nullptr, nullptr);
  if (!p.to_bgr) fail("'{}': cannot convert its pictures", p.path);
  cv::Mat big(sh, sw, CV_8UC3);
  sws_to_bgr(p.to_bgr, src, big, p.scratch);
  cv::Mat crop = big(cv::Rect((sw - W) / 2, (sh - H) / 2, W, H));
  Frame out = Frame::alloc(W, H, like.format());
  out.av()->colorspace = like.av()->colorspace;
  out.av()->color_range = like.av()->color_range;
  p.to_out = sws_getCachedContext(p.to_out, W, H, AV_PIX_FMT_BGR24, W, H, like.format(), SWS_BICUBIC, nullptr, nullptr, nullptr);
  if (!p.to_out) fail("'{}': cannot convert to {}", p.path, av_get_pix_fmt_name(like.format()));
  const int* coeffs = sws_getCoefficients(like.av()->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601);
  int full = like.av()->color_range == AVCOL_RANGE_JPEG;
  sws_setColorspaceDetails(p.to_out, coeffs, 1, coeffs, full, 0, 1 << 16, 1 << 16);
  sws_from_bgr(p.to_out, crop, out.av(), p.scratch);
  p.cached = out;
  return out;
}

}  // namespace omni

#include "core/media/media_reader.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <unistd.h>

#include <opencv2/imgproc.hpp>

#include "core/image/convert.h"
#include "core/error.h"
#include "core/log.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
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
  Fit fit = Fit::Cover;
  AVFrame* ahead = av_frame_alloc();  // the picture after `frame`, decoded to know when `frame` ends
  bool ahead_valid = false;
  double clip_duration = 0;  // seconds; learned at the first end of the file when the header lacks it
  int64_t cached_pts = AV_NOPTS_VALUE;  // the source picture `cached` was made from
  Frame cached;          // the last picture delivered (for stills), already converted
  SwsContext* to_bgr = nullptr;
  SwsContext* to_out = nullptr;
  SwsContext* to_bgra = nullptr;
  cv::Mat bgra;  // the last picture bgra_at delivered, and the source picture it came from
  int64_t bgra_pts = AV_NOPTS_VALUE;

  ~Impl() {
    sws_freeContext(to_bgra);
    sws_freeContext(to_bgr);
    sws_freeContext(to_out);
    av_frame_free(&frame);
    av_frame_free(&ahead);
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

  // Moves `frame` to the picture shown at time t (a video; looped past its end).
  void advance(double t) {
    // Within a microsecond counts as the same time: the clip's 3072/10240 s and the video's
    // 300/1000 s differ in the last bit, and the loop's first picture was skipped for it.
    if (clip_duration > 0 && t >= clip_duration - 1e-6) t = std::max(0.0, std::fmod(t + 1e-6, clip_duration) - 1e-6);
    if (t < time_of(frame) - 1e-6) {  // looped, or asked for an earlier time: from the start
      rewind();
      ahead_valid = false;
      if (!decode_one()) fail("'{}': cannot decode again after rewinding", path);
    }
    // Move on while the next picture starts at or before t.
    for (;;) {
      if (!ahead_valid) {
        AVFrame* keep = av_frame_clone(frame);
        bool more = decode_one();
        av_frame_move_ref(ahead, frame);
        av_frame_unref(frame);
        av_frame_move_ref(frame, keep);
        av_frame_free(&keep);
        if (!more) {
          // The end of the file: now the duration is known, if the header did not say it.
          if (clip_duration <= 0) {
            AVRational rate = av_guess_frame_rate(ic, ic->streams[stream], frame);
            clip_duration = time_of(frame) + (rate.num > 0 ? av_q2d(av_inv_q(rate)) : 0.04);
          }
          if (t < clip_duration || clip_duration <= 0) break;  // hold the last picture until the clip's end
          return advance(std::fmod(t, clip_duration));
        }
        ahead_valid = true;
      }
      if (time_of(ahead) > t + 1e-6) break;
      av_frame_unref(frame);
      av_frame_move_ref(frame, ahead);
      ahead_valid = false;
    }
  }

  // Seconds from the clip's start of a decoded picture.
  double time_of(const AVFrame* f) const {
    const AVStream* st = ic->streams[stream];
    int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
    int64_t pts = f->best_effort_timestamp == AV_NOPTS_VALUE ? start : f->best_effort_timestamp;
    return (pts - start) * av_q2d(st->time_base);
  }

  void rewind() {
    int64_t start = ic->streams[stream]->start_time;
    if (av_seek_frame(ic, stream, start == AV_NOPTS_VALUE ? 0 : start, AVSEEK_FLAG_BACKWARD) < 0)
      fail("'{}': cannot go back to the start to loop it", path);
    avcodec_flush_buffers(dec);
    decoded = 0;
  }
};

MediaReader::MediaReader(const std::string& path, Fit fit) : p_(std::make_unique<Impl>()) {
  Impl& p = *p_;
  p.path = path;
  p.fit = fit;
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
  // FFmpeg's own VP8/VP9 decoders drop a WebM's alpha (it travels beside the picture); libvpx's
  // decoders keep it. A clip with alpha goes to them when this FFmpeg has them.
  if (const AVDictionaryEntry* a = av_dict_get(p.ic->streams[p.stream]->metadata, "alpha_mode", nullptr, 0); a && std::string(a->value) == "1") {
    const AVCodec* vpx = avcodec_find_decoder_by_name(codec->id == AV_CODEC_ID_VP9 ? "libvpx-vp9" : codec->id == AV_CODEC_ID_VP8 ? "libvpx" : "");
    if (vpx) codec = vpx;
  }
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
    const AVStream* st = p.ic->streams[p.stream];
    if (st->duration > 0) p.clip_duration = st->duration * av_q2d(st->time_base);
    else if (p.ic->duration > 0) p.clip_duration = p.ic->duration / double(AV_TIME_BASE);
  }
}

double MediaReader::duration() const { return p_->still ? 0 : p_->clip_duration; }

MediaReader::~MediaReader() = default;
bool MediaReader::is_still() const { return p_->still; }
bool MediaReader::has_alpha() const {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(AVPixelFormat(p_->frame->format));
  return d && ((d->flags & AV_PIX_FMT_FLAG_ALPHA) || (d->flags & AV_PIX_FMT_FLAG_PAL));  // a GIF's palette may be transparent
}

cv::Mat MediaReader::bgra_at(double t) {
  Impl& p = *p_;
  if (!p.still) p.advance(t);
  const AVFrame* src = p.frame;
  if (!p.bgra.empty() && p.bgra_pts == src->best_effort_timestamp) return p.bgra;
  p.to_bgra = sws_getCachedContext(p.to_bgra, src->width, src->height, AVPixelFormat(src->format), src->width, src->height,
                                   AV_PIX_FMT_BGRA, SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
  if (!p.to_bgra) fail("'{}': cannot convert its pictures", p.path);
  cv::Mat out(src->height, src->width, CV_8UC4);  // a new one each picture: callers may keep the last
  sws_to_bgr(p.to_bgra, src, out, p.scratch);
  p.bgra = out;
  p.bgra_pts = src->best_effort_timestamp;
  return out;
}

Frame MediaReader::at(double t, const Frame& like) {
  Impl& p = *p_;
  auto same_shape = [&] {
    return p.cached && p.cached.width() == like.width() && p.cached.height() == like.height() && p.cached.format() == like.format();
  };
  if (p.still && same_shape()) return p.cached;
  if (!p.still) {
    p.advance(t);
    if (same_shape() && p.cached_pts == p.frame->best_effort_timestamp) return p.cached;
  }
  AVFrame* src = p.frame;
  int W = like.width(), H = like.height();
  // cover: fill the frame, centre crop; contain: fit inside, black bars; stretch: the frame's shape.
  double sx = double(W) / src->width, sy = double(H) / src->height;
  double s = p.fit == Fit::Contain ? std::min(sx, sy) : std::max(sx, sy);
  int sw = p.fit == Fit::Stretch ? W : std::max(1, int(std::lround(src->width * s)));
  int sh = p.fit == Fit::Stretch ? H : std::max(1, int(std::lround(src->height * s)));
  if (p.fit == Fit::Cover) sw = std::max(W, sw), sh = std::max(H, sh);
  p.to_bgr = sws_getCachedContext(p.to_bgr, src->width, src->height, AVPixelFormat(src->format), sw, sh, AV_PIX_FMT_BGR24,
                                  SWS_BICUBIC, nullptr, nullptr, nullptr);
  if (!p.to_bgr) fail("'{}': cannot convert its pictures", p.path);
  cv::Mat big(sh, sw, CV_8UC3);
  sws_to_bgr(p.to_bgr, src, big, p.scratch);
  cv::Mat crop;
  if (p.fit == Fit::Contain) {
    crop = cv::Mat::zeros(H, W, CV_8UC3);
    big.copyTo(crop(cv::Rect((W - sw) / 2, (H - sh) / 2, sw, sh)));
  } else {
    crop = big(cv::Rect((sw - W) / 2, (sh - H) / 2, W, H));
  }
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
  p.cached_pts = src->best_effort_timestamp;
  return out;
}

}  // namespace omni

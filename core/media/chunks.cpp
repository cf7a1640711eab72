#include "core/media/chunks.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "core/media/output_path.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace omni {

namespace {

struct InCtx {
  AVFormatContext* ic = nullptr;
  ~InCtx() { avformat_close_input(&ic); }
};

struct OutCtx {
  AVFormatContext* oc = nullptr;
  ~OutCtx() {
    if (!oc) return;
    if (oc->pb) avio_closep(&oc->pb);
    avformat_free_context(oc);
  }
};

struct Packet {
  AVPacket* p = av_packet_alloc();
  ~Packet() { av_packet_free(&p); }
};

void open_input(InCtx& in, const std::string& path, const char* who) {
  if (int r = avformat_open_input(&in.ic, path.c_str(), nullptr, nullptr); r < 0) fail("{}: '{}': {}", who, path, av_error_text(r));
  if (int r = avformat_find_stream_info(in.ic, nullptr); r < 0) fail("{}: '{}': cannot read its streams: {}", who, path, av_error_text(r));
}

int video_stream(AVFormatContext* ic, const std::string& path, const char* who) {
  int s = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (s < 0) fail("{}: '{}' has no video stream", who, path);
  return s;
}

void check_interrupt(const char* who) {
  if (stop_requested()) throw Error(fmt::format("{}: interrupted; nothing was left under the output's name", who), 255);
}

}  // namespace

// An MP4/MOV input's chunks stay MP4 (its rotation survives), any other's are Matroska, which holds anything.
const char* chunk_extension(const VideoIndex& index) { return index.container.rfind("mov,mp4", 0) == 0 ? "mp4" : "mkv"; }

VideoIndex index_video(const std::string& path) {
  InCtx in;
  open_input(in, path, "chunk");
  VideoIndex idx;
  idx.container = in.ic->iformat->name;
  idx.stream = video_stream(in.ic, path, "chunk");
  const AVStream* st = in.ic->streams[idx.stream];
  idx.time_base = st->time_base;
  idx.frame_rate = av_guess_frame_rate(in.ic, const_cast<AVStream*>(st), nullptr);
  std::vector<uint8_t> key;
  Packet pkt;
  int r;
  while ((r = av_read_frame(in.ic, pkt.p)) >= 0) {
    if (pkt.p->stream_index == idx.stream) {
      const int64_t t = pkt.p->pts != AV_NOPTS_VALUE ? pkt.p->pts : pkt.p->dts;
      if (t == AV_NOPTS_VALUE) fail("chunk: '{}': video packet {} has no time; remux it first (omni -i IN -c copy OUT.mkv)", path, idx.pts.size());
      // A hidden frame (an edit list's lead-in) would make packet i differ from displayed frame i.
      if (pkt.p->flags & AV_PKT_FLAG_DISCARD)
        fail("chunk: '{}': its edit list hides frames; remux it first (omni -i IN -c copy OUT.mkv)", path);
      idx.pts.push_back(t);
      key.push_back((pkt.p->flags & AV_PKT_FLAG_KEY) != 0);
    }
    av_packet_unref(pkt.p);
    check_interrupt("chunk");
  }
  if (r != AVERROR_EOF) fail("chunk: '{}': cannot read: {}", path, av_error_text(r));
  const size_t n = idx.pts.size();
  if (n == 0) fail("chunk: '{}': its video stream has no frames", path);
  // prefix maximum and suffix minimum of the display times: a cut at i is clean when everything
  // decoded before i is shown before everything decoded from i on.
  std::vector<int64_t> pmax(n + 1, std::numeric_limits<int64_t>::min()), smin(n + 1, std::numeric_limits<int64_t>::max());
  for (size_t i = 0; i < n; ++i) pmax[i + 1] = std::max(pmax[i], idx.pts[i]);
  for (size_t i = n; i-- > 0;) smin[i] = std::min(smin[i + 1], idx.pts[i]);
  idx.start_ok.assign(n, 0);
  idx.end_ok.assign(n + 1, 0);
  for (size_t i = 0; i <= n; ++i) {
    const bool clean = i == 0 || i == n || pmax[i] < smin[i];
    idx.end_ok[i] = clean;
    if (i < n) idx.start_ok[i] = clean && key[i] && smin[i] == idx.pts[i];
  }
  return idx;
}

std::vector<float> frame_changes(const std::string& path, const VideoIndex& index) {
  InCtx in;
  open_input(in, path, "chunk");
  const AVStream* st = in.ic->streams[index.stream];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) fail("chunk: '{}': no decoder for {}", path, avcodec_get_name(st->codecpar->codec_id));
  std::unique_ptr<AVCodecContext, void (*)(AVCodecContext*)> dec(avcodec_alloc_context3(codec), [](AVCodecContext* c) { avcodec_free_context(&c); });
  avcodec_parameters_to_context(dec.get(), st->codecpar);
  dec->thread_count = 0;
  dec->skip_loop_filter = AVDISCARD_ALL;  // a thumbnail's difference does not need it
  if (int r = avcodec_open2(dec.get(), codec, nullptr); r < 0) fail("chunk: '{}': cannot decode: {}", path, av_error_text(r));
  constexpr int W = 64, H = 36;
  std::vector<uint8_t> prev(W * H), cur(W * H);
  std::vector<float> change;
  SwsContext* sws = nullptr;
  AVFrame* frame = av_frame_alloc();
  Packet pkt;
  auto take = [&]() {
    int r;
    while ((r = avcodec_receive_frame(dec.get(), frame)) >= 0) {
      sws = sws_getCachedContext(sws, frame->width, frame->height, AVPixelFormat(frame->format), W, H, AV_PIX_FMT_GRAY8, SWS_AREA, nullptr,
                                 nullptr, nullptr);
      uint8_t* dst[4] = {cur.data()};
      int stride[4] = {W};
      if (sws) sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, stride);
      float d = 1;
      if (!change.empty()) {
        int64_t sum = 0;
        for (int i = 0; i < W * H; ++i) sum += std::abs(int(cur[size_t(i)]) - int(prev[size_t(i)]));
        d = float(sum) / (255.0f * W * H);
      }
      change.push_back(d);
      std::swap(cur, prev);
      av_frame_unref(frame);
    }
  };
  while (av_read_frame(in.ic, pkt.p) >= 0) {
    if (pkt.p->stream_index == index.stream && avcodec_send_packet(dec.get(), pkt.p) >= 0) take();
    av_packet_unref(pkt.p);
    check_interrupt("chunk");
  }
  avcodec_send_packet(dec.get(), nullptr);
  take();
  av_frame_free(&frame);
  sws_freeContext(sws);
  if (int64_t(change.size()) != index.frames()) change.clear();
  return change;
}

bool is_shot_cut(const std::vector<float>& change, int64_t i) {
  if (i <= 0 || i >= int64_t(change.size())) return false;
  const float before = i > 1 ? change[size_t(i - 1)] : 0, after = i + 1 < int64_t(change.size()) ? change[size_t(i + 1)] : 0;
  return change[size_t(i)] > 0.08f && change[size_t(i)] > 3 * std::max({before, after, 0.01f});
}

void write_chunks(const std::string& input, const VideoIndex& index, const std::vector<ChunkCut>& cuts, Overwrite mode) {
  InCtx in;
  open_input(in, input, "chunk");
  const AVStream* ist = in.ic->streams[index.stream];
  struct Out {
    OutCtx ctx;
    AVStream* st = nullptr;
    std::unique_ptr<OutputPath> path;
    bool open = false;
  };
  std::vector<std::unique_ptr<Out>> outs;
  int64_t last = 0;
  for (const ChunkCut& c : cuts) {
    if (c.from < 0 || c.to > index.frames() || c.from >= c.to || !index.start_ok[size_t(c.from)] || !index.end_ok[size_t(c.to)])
      fail("chunk: internal: cut [{}, {}) is not at clean points", c.from, c.to);
    auto o = std::make_unique<Out>();
    o->path = std::make_unique<OutputPath>(c.path, std::vector<std::string>{input}, mode, false);
    if (int r = avformat_alloc_output_context2(&o->ctx.oc, nullptr, std::string_view(chunk_extension(index)) == "mp4" ? "mp4" : "matroska", o->path->write_path().c_str()); r < 0)
      fail("chunk: '{}': {}", c.path, av_error_text(r));
    o->st = avformat_new_stream(o->ctx.oc, nullptr);
    avcodec_parameters_copy(o->st->codecpar, ist->codecpar);
    o->st->codecpar->codec_tag = 0;
    o->st->time_base = ist->time_base;
    o->st->avg_frame_rate = ist->avg_frame_rate;
    o->st->r_frame_rate = ist->r_frame_rate;
    o->st->sample_aspect_ratio = ist->sample_aspect_ratio;
    // The display matrix (a phone's rotation) and the rest: the chunk must decode as the original does.
    for (int k = 0; k < ist->nb_side_data; ++k) {
      const AVPacketSideData& sd = ist->side_data[k];
      if (uint8_t* d = av_stream_new_side_data(o->st, sd.type, sd.size)) std::memcpy(d, sd.data, sd.size);
    }
    av_dict_copy(&o->st->metadata, ist->metadata, 0);
    outs.push_back(std::move(o));
    last = std::max(last, c.to);
  }
  Packet pkt, copy;
  int64_t i = 0;
  int r;
  while (i < last && (r = av_read_frame(in.ic, pkt.p)) >= 0) {
    if (pkt.p->stream_index == index.stream) {
      for (size_t k = 0; k < cuts.size(); ++k) {
        if (i < cuts[k].from || i >= cuts[k].to) continue;
        Out& o = *outs[k];
        if (!o.open) {
          o.path->arm();
          if (int e = avio_open(&o.ctx.oc->pb, o.path->write_path().c_str(), AVIO_FLAG_WRITE); e < 0)
            fail("chunk: '{}': cannot open for writing: {}", cuts[k].path, av_error_text(e));
          if (int e = avformat_write_header(o.ctx.oc, nullptr); e < 0) fail("chunk: '{}': {}", cuts[k].path, av_error_text(e));
          o.open = true;
        }
        // The original's times, kept: a filter that reads them (fade, enable=, a clip's clock) sees
        // in a chunk what it sees in a whole run.
        av_packet_ref(copy.p, pkt.p);
        copy.p->stream_index = 0;
        copy.p->pos = -1;
        av_packet_rescale_ts(copy.p, ist->time_base, o.st->time_base);
        if (int e = av_write_frame(o.ctx.oc, copy.p); e < 0) fail("chunk: '{}': cannot write: {}", cuts[k].path, av_error_text(e));
        av_packet_unref(copy.p);
      }
      ++i;
    }
    av_packet_unref(pkt.p);
    check_interrupt("chunk");
  }
  if (i < last) fail("chunk: '{}': it ended after {} video packets, {} were read before", input, i, index.frames());
  for (size_t k = 0; k < outs.size(); ++k) {
    Out& o = *outs[k];
    if (int e = av_write_trailer(o.ctx.oc); e < 0) fail("chunk: '{}': {}", cuts[k].path, av_error_text(e));
    avio_closep(&o.ctx.oc->pb);
    o.path->commit();
  }
}

JoinResult join_pieces(const JoinPlan& plan) {
  if (plan.pieces.empty()) fail("join: no pieces");
  struct PieceInfo {
    AVRational tb{0, 1};
    int64_t first = 0;  // its first frame's time
    std::vector<int64_t> shown;  // its frames' times in display order
  };
  std::vector<PieceInfo> info(plan.pieces.size());
  const AVRational kFine{1, 1000000};  // microseconds: the reordering's depth, whatever each piece's time base
  int64_t reorder = 0;
  AVCodecParameters* par = avcodec_parameters_alloc();
  std::unique_ptr<AVCodecParameters, void (*)(AVCodecParameters*)> par_guard(par, [](AVCodecParameters* p) { avcodec_parameters_free(&p); });
  // First pass: every piece is there, whole, and encoded like the first.
  for (size_t k = 0; k < plan.pieces.size(); ++k) {
    const JoinPiece& pc = plan.pieces[k];
    InCtx in;
    open_input(in, pc.path, "join");
    const int s = video_stream(in.ic, pc.path, "join");
    const AVCodecParameters* p = in.ic->streams[s]->codecpar;
    info[k].tb = in.ic->streams[s]->time_base;
    if (k == 0) {
      avcodec_parameters_copy(par, p);
    } else if (p->codec_id != par->codec_id || p->width != par->width || p->height != par->height || p->format != par->format ||
               p->extradata_size != par->extradata_size || (p->extradata_size && std::memcmp(p->extradata, par->extradata, size_t(p->extradata_size)))) {
      fail("join: '{}' was encoded differently from '{}' ({} {}x{} against {} {}x{}, or other codec headers); process every chunk with "
           "the same options",
           pc.path, plan.pieces[0].path, avcodec_get_name(p->codec_id), p->width, p->height, avcodec_get_name(par->codec_id), par->width,
           par->height);
    }
    Packet pkt;
    int64_t count = 0;
    std::vector<int64_t> decode_order;
    while (av_read_frame(in.ic, pkt.p) >= 0) {
      if (pkt.p->stream_index == s) {
        ++count;
        const int64_t t = pkt.p->pts != AV_NOPTS_VALUE ? pkt.p->pts : pkt.p->dts;
        if (t == AV_NOPTS_VALUE) fail("join: '{}': video packet {} has no time", pc.path, count - 1);
        decode_order.push_back(t);
      }
      av_packet_unref(pkt.p);
    }
    if (count != pc.frames)
      fail("join: '{}' holds {} frames, its chunk keeps {}; remake it with its line of jobs.txt (the line's trim= drops the overlap)",
           pc.path, count, pc.frames);
    info[k].shown = decode_order;
    std::sort(info[k].shown.begin(), info[k].shown.end());
    if (std::adjacent_find(info[k].shown.begin(), info[k].shown.end()) != info[k].shown.end())
      fail("join: '{}': two frames share a time; was it made by its line of jobs.txt?", pc.path);
    info[k].first = info[k].shown.front();
    // Decode times are remade (Matroska stores none for reordered frames): the i-th packet
    // decodes at the i-th display time less the deepest reordering, the same in every piece.
    for (size_t i = 0; i < decode_order.size(); ++i)
      reorder = std::max(reorder, av_rescale_q_rnd(info[k].shown[i] - decode_order[i], info[k].tb, kFine, AV_ROUND_UP));
    check_interrupt("join");
  }

  std::vector<std::string> inputs;
  for (const JoinPiece& pc : plan.pieces) inputs.push_back(pc.path);
  if (!plan.audio_from.empty()) inputs.push_back(plan.audio_from);
  OutputPath path(plan.output, inputs, plan.overwrite, false);
  OutCtx out;
  if (int r = avformat_alloc_output_context2(&out.oc, nullptr, plan.format.empty() ? nullptr : plan.format.c_str(), plan.output.c_str()); r < 0 || !out.oc)
    fail("join: '{}': cannot tell the container from the name; add -f FORMAT", plan.output);
  auto check_codec = [&](AVCodecID id) {
    if (avformat_query_codec(out.oc->oformat, id, FF_COMPLIANCE_NORMAL) == 0)
      fail("join: '{}': the {} container cannot hold {}; join into .mkv, which holds anything", plan.output, out.oc->oformat->name, avcodec_get_name(id));
  };
  check_codec(par->codec_id);
  AVStream* vst = avformat_new_stream(out.oc, nullptr);
  avcodec_parameters_copy(vst->codecpar, par);
  vst->codecpar->codec_tag = 0;
  vst->time_base = info[0].tb;

  // The original's audio streams, untouched.
  InCtx orig;
  std::vector<int> amap;  // original stream -> output stream, -1 = not carried
  JoinResult res;
  if (!plan.audio_from.empty()) {
    open_input(orig, plan.audio_from, "join");
    av_dict_copy(&out.oc->metadata, orig.ic->metadata, 0);
    amap.assign(orig.ic->nb_streams, -1);
    for (unsigned s = 0; s < orig.ic->nb_streams; ++s) {
      const AVStream* ist = orig.ic->streams[s];
      if (ist->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
      check_codec(ist->codecpar->codec_id);
      AVStream* ost = avformat_new_stream(out.oc, nullptr);
      avcodec_parameters_copy(ost->codecpar, ist->codecpar);
      ost->codecpar->codec_tag = 0;
      ost->time_base = ist->time_base;
      ost->disposition = ist->disposition;
      av_dict_copy(&ost->metadata, ist->metadata, 0);
      amap[s] = ost->index;
      ++res.audio_streams;
    }
  }
  path.arm();
  if (!(out.oc->oformat->flags & AVFMT_NOFILE))
    if (int r = avio_open(&out.oc->pb, path.write_path().c_str(), AVIO_FLAG_WRITE); r < 0)
      fail("join: '{}': cannot open for writing: {}", plan.output, av_error_text(r));
  if (int r = avformat_write_header(out.oc, nullptr); r < 0) fail("join: '{}': {}", plan.output, av_error_text(r));

  // The video: the pieces in turn, each moved to its first frame's place in the original's
  // timeline (in the first piece's time base).
  const AVRational vtb = info[0].tb;
  size_t piece = 0, nth = 0;  // the piece being read, the packet within it
  InCtx cur;
  int cur_stream = -1;
  int64_t last_dts = std::numeric_limits<int64_t>::min();
  Packet vpkt, apkt;
  bool have_v = false, have_a = false, v_done = false, a_done = plan.audio_from.empty() || res.audio_streams == 0;
  auto next_video = [&]() {
    while (!v_done) {
      if (!cur.ic) {
        if (piece >= plan.pieces.size()) {
          v_done = true;
          return;
        }
        open_input(cur, plan.pieces[piece].path, "join");
        cur_stream = video_stream(cur.ic, plan.pieces[piece].path, "join");
      }
      if (av_read_frame(cur.ic, vpkt.p) < 0) {
        avformat_close_input(&cur.ic);
        ++piece;
        nth = 0;
        continue;
      }
      if (vpkt.p->stream_index != cur_stream) {
        av_packet_unref(vpkt.p);
        continue;
      }
      const PieceInfo& pi = info[piece];
      const int64_t place = av_rescale_q(plan.pieces[piece].start_pts, plan.time_base, vtb);
      auto move = [&](int64_t t) { return av_rescale_q(t - pi.first, pi.tb, vtb) + place; };
      if (vpkt.p->pts == AV_NOPTS_VALUE) vpkt.p->pts = vpkt.p->dts;
      vpkt.p->pts = move(vpkt.p->pts);
      vpkt.p->dts = move(pi.shown[std::min(nth, pi.shown.size() - 1)]) - av_rescale_q_rnd(reorder, kFine, vtb, AV_ROUND_UP);
      ++nth;
      // Rounding between time bases must not make the decode times step back at a join.
      if (vpkt.p->dts != AV_NOPTS_VALUE) {
        if (vpkt.p->dts <= last_dts) vpkt.p->dts = last_dts + 1;
        if (vpkt.p->pts != AV_NOPTS_VALUE && vpkt.p->pts < vpkt.p->dts) vpkt.p->pts = vpkt.p->dts;
        last_dts = vpkt.p->dts;
      }
      vpkt.p->stream_index = vst->index;
      vpkt.p->pos = -1;
      have_v = true;
      return;
    }
  };
  auto next_audio = [&]() {
    while (!a_done) {
      if (av_read_frame(orig.ic, apkt.p) < 0) {
        a_done = true;
        return;
      }
      const int s = apkt.p->stream_index;
      if (s < 0 || size_t(s) >= amap.size() || amap[size_t(s)] < 0) {
        av_packet_unref(apkt.p);
        continue;
      }
      have_a = true;
      return;
    }
  };
  auto write = [&](AVPacket* p, AVRational from) {
    av_packet_rescale_ts(p, from, out.oc->streams[p->stream_index]->time_base);
    if (int r = av_interleaved_write_frame(out.oc, p); r < 0) fail("join: '{}': cannot write: {}", plan.output, av_error_text(r));
  };
  next_video();
  next_audio();
  while (have_v || have_a) {
    check_interrupt("join");
    bool video_first = have_v;
    if (have_v && have_a) {
      const AVStream* ast = orig.ic->streams[apkt.p->stream_index];
      const int64_t vt = vpkt.p->dts != AV_NOPTS_VALUE ? vpkt.p->dts : vpkt.p->pts;
      const int64_t at = apkt.p->dts != AV_NOPTS_VALUE ? apkt.p->dts : apkt.p->pts;
      video_first = vt == AV_NOPTS_VALUE || at == AV_NOPTS_VALUE || av_compare_ts(vt, vtb, at, ast->time_base) <= 0;
    }
    if (video_first) {
      have_v = false;
      ++res.video_packets;
      write(vpkt.p, vtb);
      next_video();
    } else {
      have_a = false;
      const AVRational atb = orig.ic->streams[apkt.p->stream_index]->time_base;
      apkt.p->stream_index = amap[size_t(apkt.p->stream_index)];
      apkt.p->pos = -1;
      ++res.audio_packets;
      write(apkt.p, atb);
      next_audio();
    }
  }
  if (int r = av_write_trailer(out.oc); r < 0) fail("join: '{}': {}", plan.output, av_error_text(r));
  if (out.oc->pb) avio_closep(&out.oc->pb);
  path.commit();
  return res;
}

}  // namespace omni

// run_job: demux -> decode -> FilterGraph (native segments + omni filters) -> encode -> mux.
// Streams that are not filtered are copied packet by packet. Everything is single-threaded
// at this level; codecs and libavfilter use their own threads (-threads).
#include <atomic>
#include <cmath>
#include <csignal>
#include <algorithm>
#include <deque>
#include <set>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/graph.h"
#include "core/job.h"
#include "core/log.h"
#include "core/output_path.h"
#include "core/progress.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/buffersink.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
}

namespace omni {

static std::atomic<int> g_signals{0};

static void on_signal(int) {
  // Third signal: the user really wants out, even if finalising hangs.
  if (++g_signals >= 3) _exit(255);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

namespace {

constexpr AVRational kUs{1, AV_TIME_BASE};

struct CodecCtx {
  AVCodecContext* c = nullptr;
  ~CodecCtx() { avcodec_free_context(&c); }
};

struct Sink;  // a graph output feeding an encoder

struct OutStream {
  AVStream* st = nullptr;
  AVMediaType type = AVMEDIA_TYPE_UNKNOWN;
  bool copy = false;
  int src_file = -1, src_stream = -1;   // copy: where packets come from
  const AVCodec* codec = nullptr;       // encode
  CodecCtx enc;
  bool ready = false;                   // codec parameters known (header may be written)
  bool done = false;                    // limit reached or stream ended
  int64_t frames = 0;
  int64_t next_audio_pts = AV_NOPTS_VALUE;
  AVRational sink_tb{0, 1}, sink_rate{0, 1};
  std::string describe;
};

struct InStream {
  AVStream* st = nullptr;
  CodecCtx dec;
  std::vector<std::pair<FilterGraph*, size_t>> graph_inputs;  // decoded frames go here
  std::vector<int> copy_outputs;                              // packets go here
  bool used_by_graph = false;
};

struct InFile {
  AVFormatContext* ic = nullptr;
  InputSpec spec;
  int64_t ts_offset = 0;      // AV_TIME_BASE units, added to every timestamp
  int64_t limit = INT64_MAX;  // AV_TIME_BASE units after offset: stop reading at or beyond
  std::vector<InStream> streams;
  bool eof = false;
  double last_ts = 0;         // seconds, for choosing which input to read next
  ~InFile() { avformat_close_input(&ic); }
};

AVMediaType type_of_letter(char t) {
  switch (t) {
    case 'v': return AVMEDIA_TYPE_VIDEO;
    case 'a': return AVMEDIA_TYPE_AUDIO;
    case 's': return AVMEDIA_TYPE_SUBTITLE;
    case 'd': return AVMEDIA_TYPE_DATA;
    case 't': return AVMEDIA_TYPE_ATTACHMENT;
  }
  return AVMEDIA_TYPE_UNKNOWN;
}

// Stream specifier of a graph input label: "0", "0:v", "0:a:1", "1:2".
bool parse_stream_label(const std::string& label, int& file, char& type, int& index) {
  file = -1, type = 0, index = -1;
  const char* p = label.c_str();
  char* end;
  long f = strtol(p, &end, 10);
  if (end == p) return false;
  file = int(f);
  p = end;
  if (*p == 0) return true;
  if (*p++ != ':') return false;
  if (*p && strchr("vasdt", *p) && (p[1] == 0 || p[1] == ':')) {
    type = *p++;
    if (*p == 0) return true;
    ++p;
  }
  long i = strtol(p, &end, 10);
  if (end == p || *end) return false;
  index = int(i);
  return true;
}

// Streams of `in` that match (type, index) as ffmpeg's stream specifiers do.
std::vector<int> match_streams(const InFile& in, char type, int index) {
  std::vector<int> out;
  int k = 0;
  for (unsigned i = 0; i < in.ic->nb_streams; ++i) {
    AVMediaType t = in.ic->streams[i]->codecpar->codec_type;
    if (type && t != type_of_letter(type)) continue;
    if (index < 0 || index == (type ? k : int(i))) out.push_back(int(i));
    ++k;
  }
  return out;
}

// ffmpeg's autorotate: filters that undo the display matrix.
std::vector<std::pair<std::string, std::string>> rotation_filters(const AVStream* st) {
  auto* m = reinterpret_cast<const int32_t*>(av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
  if (!m) return {};
  double theta = -std::round(av_display_rotation_get(m));
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  if (std::fabs(theta - 90) < 1.0) return {{"transpose", m[3] > 0 ? "cclock_flip" : "clock"}};
  if (std::fabs(theta - 180) < 1.0) {
    std::vector<std::pair<std::string, std::string>> f;
    if (m[0] < 0) f.push_back({"hflip", ""});
    if (m[4] < 0) f.push_back({"vflip", ""});
    return f;
  }
  if (std::fabs(theta - 270) < 1.0) return {{"transpose", m[3] < 0 ? "clock_flip" : "cclock"}};
  if (std::fabs(theta) > 1.0) return {{"rotate", fmt::format("{}*PI/180", theta)}};
  if (m[4] < 0) return {{"vflip", ""}};
  return {};
}

class Runner {
 public:
  explicit Runner(const Job& job)
      : job_(job),
        out_start_(std::max(0.0, job.ss)),
        out_limit_(job.t >= 0 ? job.t : job.to >= 0 ? job.to - std::max(0.0, job.ss) : -1) {}
  int run();

 private:
  void open_inputs();
  void plan_streams();
  void open_output();
  void add_encoded_output(FilterGraph& g, size_t out_index, AVMediaType type, const AVStream* like);
  int add_copy_output(int file, int stream);
  void check_alpha_kept(const OutStream& os, AVFilterContext* sink);
  const AVCodec* pick_encoder(AVMediaType type, const std::string& name);
  void open_encoder(OutStream& os, AVFilterContext* sink, const AVFrame* first);
  void on_graph_frame(int osi, AVFrame* f);
  void encode(int osi, AVFrame* f);
  void write_packet(int osi, AVPacket* pkt);
  void maybe_write_header();
  void process_packet(InFile& in, AVPacket* pkt);
  void decode(InFile& in, int si, AVPacket* pkt);
  void finish_inputs();
  bool all_outputs_done() const;
  void report(bool final);

  const Job& job_;
  // Output-side -ss / -t / -to (after the inputs), in seconds on the output clock; limit -1 = none.
  const double out_start_, out_limit_;
  std::vector<std::unique_ptr<InFile>> inputs_;
  std::vector<std::unique_ptr<FilterGraph>> graphs_;
  std::vector<std::unique_ptr<OutStream>> outs_;
  std::unique_ptr<OutputPath> path_;
  AVFormatContext* oc_ = nullptr;
  bool header_ = false;
  std::deque<AVPacket*> early_;  // packets produced before the header could be written
  std::unique_ptr<Progress> progress_;
  ProgressState ps_;
  int first_video_out_ = -1;

 public:
  ~Runner() {
    for (AVPacket* p : early_) av_packet_free(&p);
    graphs_.clear();
    if (oc_) {
      if (!(oc_->oformat->flags & AVFMT_NOFILE)) avio_closep(&oc_->pb);
      avformat_free_context(oc_);
    }
  }
};

void Runner::open_inputs() {
  if (job_.inputs.empty()) fail("no input given; use -i FILE");
  for (size_t i = 0; i < job_.inputs.size(); ++i) {
    auto in = std::make_unique<InFile>();
    in->spec = job_.inputs[i];
    const std::string& path = in->spec.path;
    const AVInputFormat* fmt = nullptr;
    if (!in->spec.format.empty() && !(fmt = av_find_input_format(in->spec.format.c_str())))
      fail("input #{}: unknown format '{}' (-f); ffmpeg -formats lists them", i, in->spec.format);
    take_last_av_error();
    // Library warnings while probing ("detected only with low score") are noise when the open
    // fails (the error line says it all); they are printed only if it succeeds.
    LogHold hold;
    if (int r = avformat_open_input(&in->ic, path.c_str(), fmt, nullptr); r < 0) {
      hold.discard();
      std::string what = av_error_text(r);
      if (r == AVERROR(ENOENT)) fail("input '{}': no such file; check the path", path);
      if (r == AVERROR_INVALIDDATA) fail("input '{}': not a media file omni can read, or it is corrupt ({})", path, what);
      fail("input '{}': cannot open: {}", path, what);
    }
    if (int r = avformat_find_stream_info(in->ic, nullptr); r < 0)
      fail("input '{}': cannot read stream information: {}", path, av_error_text(r));
    in->streams.resize(in->ic->nb_streams);
    for (unsigned s = 0; s < in->ic->nb_streams; ++s) in->streams[s].st = in->ic->streams[s];
    int64_t start = in->ic->start_time == AV_NOPTS_VALUE ? 0 : in->ic->start_time;
    int64_t ss = in->spec.ss > 0 ? int64_t(in->spec.ss * AV_TIME_BASE) : 0;
    in->ts_offset = -(start + ss);
    if (ss > 0) {
      int64_t ts = start + ss;
      if (int r = avformat_seek_file(in->ic, -1, INT64_MIN, ts, ts, 0); r < 0)
        fail("input '{}': cannot seek to {}s: {}", path, in->spec.ss, av_error_text(r));
    }
    if (in->spec.t >= 0) in->limit = int64_t(in->spec.t * AV_TIME_BASE);
    if (in->spec.to >= 0) {
      int64_t lim = int64_t((in->spec.to - std::max(0.0, in->spec.ss)) * AV_TIME_BASE);
      if (lim <= 0) fail("input '{}': -to {} is not after -ss {}", path, in->spec.to, in->spec.ss);
      in->limit = std::min(in->limit, lim);
    }
    inputs_.push_back(std::move(in));
  }
}

const AVCodec* Runner::pick_encoder(AVMediaType type, const std::string& name) {
  const AVOutputFormat* of = oc_->oformat;
  const AVCodec* c = nullptr;
  if (!name.empty()) {
    c = avcodec_find_encoder_by_name(name.c_str());
    if (!c) {
      std::vector<std::string> names;
      void* it = nullptr;
      while (const AVCodec* k = av_codec_iterate(&it))
        if (av_codec_is_encoder(k) && k->type == type) names.emplace_back(k->name);
      fail("no {} encoder named '{}'{}; ffmpeg -encoders lists them", av_get_media_type_string(type), name,
           did_you_mean(name, names));
    }
    if (c->type != type) fail("'{}' is a {} encoder, not {}", name, av_get_media_type_string(c->type), av_get_media_type_string(type));
  } else {
    AVCodecID id = av_guess_codec(of, nullptr, job_.output.c_str(), nullptr, type);
    if (id == AV_CODEC_ID_NONE)
      fail("output '{}': the {} container takes no {} stream; drop it (-{}n) or choose another container", job_.output,
           of->name, av_get_media_type_string(type), type == AVMEDIA_TYPE_VIDEO ? 'v' : 'a');
    c = avcodec_find_encoder(id);
    if (!c) fail("output '{}': no encoder for {} on this system; pick one with -c:{}", job_.output, avcodec_get_name(id),
                 type == AVMEDIA_TYPE_VIDEO ? 'v' : 'a');
  }
  if (avformat_query_codec(of, c->id, FF_COMPLIANCE_NORMAL) != 1)
    fail("output '{}': the {} container cannot hold {} ({}); use a container that can, e.g. .mkv", job_.output, of->name,
         avcodec_get_name(c->id), c->name);
  return c;
}

// Formats a video encoder should get. H.264/HEVC default to 4:2:0 (8 or 10 bit) because that is
// what players decode; ffmpeg would pick 4:4:4 for RGB input. -pix_fmt overrides, checked here.
static std::vector<int> video_formats(const AVCodec* c, const std::string& pix_fmt) {
  std::vector<int> all;
  if (c->pix_fmts)
    for (const AVPixelFormat* p = c->pix_fmts; *p != AV_PIX_FMT_NONE; ++p) all.push_back(*p);
  if (!pix_fmt.empty()) {
    AVPixelFormat want = av_get_pix_fmt(pix_fmt.c_str());
    if (want == AV_PIX_FMT_NONE) fail("-pix_fmt {}: no such pixel format; ffmpeg -pix_fmts lists them", pix_fmt);
    if (!all.empty() && std::find(all.begin(), all.end(), int(want)) == all.end()) {
      std::string list;
      for (int f : all) list += std::string(list.empty() ? "" : " ") + av_get_pix_fmt_name(AVPixelFormat(f));
      fail("-pix_fmt {}: the {} encoder cannot take it; it takes: {}", pix_fmt, c->name, list);
    }
    return {want};
  }
  if (c->id == AV_CODEC_ID_H264 || c->id == AV_CODEC_ID_HEVC) {
    std::vector<int> f;
    for (int p : all)
      if (p == AV_PIX_FMT_YUV420P || p == AV_PIX_FMT_YUVJ420P || p == AV_PIX_FMT_YUV420P10LE) f.push_back(p);
    if (!f.empty()) return f;
  }
  return all;
}

// Alpha made upstream (a cut-out, a PNG with transparency) must not vanish silently because the
// encoder has no alpha format: that would lose the user's work. -pix_fmt states the intent.
void Runner::check_alpha_kept(const OutStream& os, AVFilterContext* sink) {
  AVFilterLink* l = sink->inputs[0];
  int before = l->format;
  if (std::string_view(l->src->name).starts_with("auto_scale") && l->src->nb_inputs) before = l->src->inputs[0]->format;
  auto alpha = [](int f) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(AVPixelFormat(f));
    return d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);
  };
  if (alpha(before) && !alpha(l->format))
    fail("output '{}': the video has an alpha channel but {} in {} cannot store it; use .mov with -c:v prores_ks "
         "-profile:v 4444, .webm (VP9), .mkv with -c:v ffv1, or .png; or add -pix_fmt {} to drop the alpha",
         job_.output, os.codec->name, oc_->oformat->name, av_get_pix_fmt_name(AVPixelFormat(l->format)));
}

void Runner::add_encoded_output(FilterGraph& g, size_t out_index, AVMediaType type, const AVStream* like) {
  auto os = std::make_unique<OutStream>();
  os->type = type;
  os->codec = pick_encoder(type, type == AVMEDIA_TYPE_VIDEO ? job_.vcodec : job_.acodec);
  os->st = avformat_new_stream(oc_, nullptr);
  if (like) av_dict_copy(&os->st->metadata, like->metadata, 0);
  int osi = int(outs_.size());
  os->describe = fmt::format("#{} ({})", osi, os->codec->name);
  GraphSink sink;
  if (type == AVMEDIA_TYPE_VIDEO) {
    if (first_video_out_ < 0) first_video_out_ = osi;
    if (!job_.size.empty()) {
      int w, h;
      if (av_parse_video_size(&w, &h, job_.size.c_str()) < 0) fail("-s {}: not a size; use WxH or a name like hd720", job_.size);
      sink.suffix.push_back({"scale", fmt::format("{}:{}", w, h)});
    }
    if (!job_.rate.empty()) {
      AVRational r;
      if (av_parse_video_rate(&r, job_.rate.c_str()) < 0) fail("-r {}: not a frame rate", job_.rate);
      sink.suffix.push_back({"fps", fmt::format("{}/{}", r.num, r.den)});
    }
    sink.formats = video_formats(os->codec, job_.pix_fmt);
  } else {
    if (os->codec->sample_fmts)
      for (const AVSampleFormat* f = os->codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) sink.formats.push_back(*f);
    if (os->codec->supported_samplerates)
      for (const int* r = os->codec->supported_samplerates; *r; ++r) sink.sample_rates.push_back(*r);
  }
  OutStream* raw = os.get();
  sink.configured = [this, raw](AVFilterContext* ctx) {
    raw->sink_tb = av_buffersink_get_time_base(ctx);
    raw->sink_rate = av_buffersink_get_frame_rate(ctx);
    if (raw->type == AVMEDIA_TYPE_VIDEO && job_.pix_fmt.empty()) check_alpha_kept(*raw, ctx);
    if (raw->type == AVMEDIA_TYPE_AUDIO) open_encoder(*raw, ctx, nullptr);
  };
  sink.frame = [this, osi](AVFrame* f) { on_graph_frame(osi, f); };
  g.set_sink(out_index, std::move(sink));
  outs_.push_back(std::move(os));
}

int Runner::add_copy_output(int file, int stream) {
  const AVStream* in = inputs_[file]->ic->streams[stream];
  if (avformat_query_codec(oc_->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
    fail("output '{}': the {} container cannot hold {} stream #{}:{} ({}) as it is; re-encode it (-c:{} CODEC) or use .mkv",
         job_.output, oc_->oformat->name, av_get_media_type_string(in->codecpar->codec_type), file, stream,
         avcodec_get_name(in->codecpar->codec_id),
         in->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ? 'v' : in->codecpar->codec_type == AVMEDIA_TYPE_AUDIO ? 'a' : 's');
  auto os = std::make_unique<OutStream>();
  os->type = in->codecpar->codec_type;
  os->copy = true;
  os->src_file = file;
  os->src_stream = stream;
  os->st = avformat_new_stream(oc_, nullptr);
  avcodec_parameters_copy(os->st->codecpar, in->codecpar);
  os->st->codecpar->codec_tag = 0;
  os->st->time_base = in->time_base;
  os->st->avg_frame_rate = in->avg_frame_rate;
  os->st->r_frame_rate = in->r_frame_rate;
  os->st->disposition = in->disposition;
  av_dict_copy(&os->st->metadata, in->metadata, 0);
  for (int k = 0; k < in->nb_side_data; ++k) {
    const AVPacketSideData& sd = in->side_data[k];
    uint8_t* dst = av_stream_new_side_data(os->st, sd.type, sd.size);
    if (dst) memcpy(dst, sd.data, sd.size);
  }
  os->ready = true;
  os->describe = fmt::format("#{} (copy)", outs_.size());
  int osi = int(outs_.size());
  inputs_[file]->streams[stream].copy_outputs.push_back(osi);
  outs_.push_back(std::move(os));
  return osi;
}

void Runner::plan_streams() {
  bool video_copy = job_.vcodec == "copy", audio_copy = job_.acodec == "copy";
  if (video_copy && !job_.vf.empty()) fail("-vf and -c:v copy cannot go together: filtering needs decoding and encoding");
  if (audio_copy && !job_.af.empty()) fail("-af and -c:a copy cannot go together: filtering needs decoding and encoding");
  if (!job_.filter_complex.empty() && (!job_.vf.empty() || !job_.af.empty()))
    fail("-filter_complex cannot be combined with -vf/-af; put the whole graph in -filter_complex");

  // Binds a decoded input stream to graph input `idx`.
  auto bind_input = [&](FilterGraph& g, size_t idx, int file, int stream) {
    InStream& is = inputs_[file]->streams[stream];
    is.graph_inputs.emplace_back(&g, idx);
    is.used_by_graph = true;
    auto prefix = (job_.autorotate && is.st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ? rotation_filters(is.st)
                                                                                          : decltype(rotation_filters(is.st)){};
    g.set_input(idx, is.st->time_base, av_guess_frame_rate(inputs_[file]->ic, is.st, nullptr), prefix);
  };
  GraphOptions gopt;
  gopt.threads = job_.threads;

  // A simple graph (-vf, -af, or a pass-through) for one input stream that is encoded.
  auto simple = [&](int file, int stream) {
    const AVStream* st = inputs_[file]->ic->streams[stream];
    bool video = st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
    const std::string& text = video ? (job_.vf.empty() ? std::string("null") : job_.vf)
                                    : (job_.af.empty() ? std::string("anull") : job_.af);
    auto g = std::make_unique<FilterGraph>(text, gopt);
    const char* opt = video ? "-vf" : "-af";
    if (g->inputs().size() != 1 || g->outputs().size() != 1)
      fail("{}: a simple filtergraph needs exactly one input and one output, this one has {} and {}; use -filter_complex",
           opt, g->inputs().size(), g->outputs().size());
    AVMediaType want = video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
    if (g->inputs()[0].type != want || g->outputs()[0].type != want)
      fail("{}: the graph must take and give {}", opt, video ? "video" : "audio");
    bind_input(*g, 0, file, stream);
    add_encoded_output(*g, 0, want, st);
    graphs_.push_back(std::move(g));
  };

  // Decides for one selected input stream: copy or encode (through a simple graph).
  auto select = [&](int file, int stream) {
    const AVStream* st = inputs_[file]->ic->streams[stream];
    switch (st->codecpar->codec_type) {
      case AVMEDIA_TYPE_VIDEO:
        if (job_.no_video) return;
        if (video_copy) add_copy_output(file, stream);
        else simple(file, stream);
        return;
      case AVMEDIA_TYPE_AUDIO: {
        if (job_.no_audio) return;
        bool fits = avformat_query_codec(oc_->oformat, st->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1;
        bool can_copy = audio_copy || (job_.acodec.empty() && job_.af.empty() && fits);
        if (can_copy) add_copy_output(file, stream);
        else simple(file, stream);
        return;
      }
      case AVMEDIA_TYPE_SUBTITLE:
        if (!job_.no_subs) add_copy_output(file, stream);
        return;
      default:
        add_copy_output(file, stream);
    }
  };

  std::unique_ptr<FilterGraph> complex;
  std::vector<bool> complex_out_used;
  if (!job_.filter_complex.empty()) {
    complex = std::make_unique<FilterGraph>(job_.filter_complex, gopt);
    std::set<std::pair<int, int>> used;
    for (size_t k = 0; k < complex->inputs().size(); ++k) {
      const GraphPad& pad = complex->inputs()[k];
      int file = -1, stream = -1;
      if (!pad.label.empty()) {
        int f, idx;
        char type;
        if (!parse_stream_label(pad.label, f, type, idx))
          fail("-filter_complex: input label [{}] is neither a stream (like [0:v]) nor an output of another filter", pad.label);
        if (f < 0 || f >= int(inputs_.size())) fail("-filter_complex: [{}] names input #{}, but there are only {}", pad.label, f, inputs_.size());
        auto m = match_streams(*inputs_[f], type, idx);
        for (int s : m)
          if (inputs_[f]->ic->streams[s]->codecpar->codec_type == pad.type) { file = f, stream = s; break; }
        if (file < 0) fail("-filter_complex: [{}] matches no {} stream", pad.label, av_get_media_type_string(pad.type));
      } else {
        for (size_t f = 0; f < inputs_.size() && file < 0; ++f)
          for (unsigned s = 0; s < inputs_[f]->ic->nb_streams; ++s)
            if (inputs_[f]->ic->streams[s]->codecpar->codec_type == pad.type && !used.count({int(f), int(s)})) {
              file = int(f), stream = int(s);
              break;
            }
        if (file < 0) fail("-filter_complex: no unused {} input stream for an unlabelled input", av_get_media_type_string(pad.type));
      }
      used.insert({file, stream});
      bind_input(*complex, k, file, stream);
    }
    complex_out_used.assign(complex->outputs().size(), false);
  }

  auto add_complex_output = [&](size_t k) {
    const GraphPad& pad = complex->outputs()[k];
    if (pad.type != AVMEDIA_TYPE_VIDEO && pad.type != AVMEDIA_TYPE_AUDIO)
      fail("-filter_complex: output [{}] is neither video nor audio", pad.label);
    add_encoded_output(*complex, k, pad.type, nullptr);
    complex_out_used[k] = true;
  };

  if (!job_.maps.empty()) {
    std::vector<std::pair<int, int>> chosen;
    for (const MapSpec& m : job_.maps) {
      if (!m.label.empty()) {
        bool found = false;
        if (complex)
          for (size_t k = 0; k < complex->outputs().size(); ++k)
            if (complex->outputs()[k].label == m.label && !complex_out_used[k]) {
              add_complex_output(k);
              found = true;
              break;
            }
        if (!found) fail("-map [{}]: no filtergraph output has that label", m.label);
        continue;
      }
      if (m.file < 0 || m.file >= int(inputs_.size()))
        fail("-map {}: there is no input #{} (inputs are numbered from 0)", m.file, m.file);
      auto ms = match_streams(*inputs_[m.file], m.type, m.index);
      if (m.negative) {
        std::erase_if(chosen, [&](auto& p) { return p.first == m.file && std::count(ms.begin(), ms.end(), p.second); });
        continue;
      }
      if (ms.empty() && !m.optional)
        fail("-map {}:{}{}: matches no stream of input #{}; add '?' to make it optional", m.file,
             m.type ? std::string(1, m.type) : "", m.index >= 0 ? fmt::format(":{}", m.index) : "", m.file);
      for (int s : ms) chosen.emplace_back(m.file, s);
    }
    for (auto [f, s] : chosen) select(f, s);
  } else {
    bool graph_video = false, graph_audio = false;
    if (complex)
      for (size_t k = 0; k < complex->outputs().size(); ++k) {
        const GraphPad& pad = complex->outputs()[k];
        if (!pad.label.empty()) continue;
        add_complex_output(k);
        graph_video |= pad.type == AVMEDIA_TYPE_VIDEO;
        graph_audio |= pad.type == AVMEDIA_TYPE_AUDIO;
      }
    // ffmpeg's automatic selection: the best video and the best audio stream of all inputs.
    auto best = [&](AVMediaType t) -> std::pair<int, int> {
      for (size_t f = 0; f < inputs_.size(); ++f) {
        int s = av_find_best_stream(inputs_[f]->ic, t, -1, -1, nullptr, 0);
        if (s >= 0) return {int(f), s};
      }
      return {-1, -1};
    };
    if (!job_.no_video && !graph_video && !complex) {
      auto [f, s] = best(AVMEDIA_TYPE_VIDEO);
      if (f < 0) fail("input '{}' has no video stream; omni edits video (use -vn only with -c:a)", inputs_[0]->spec.path);
      select(f, s);
    }
    // As ffmpeg: a container with no audio codec of its own (image2: PNG sequences) gets no audio
    // by default; -map 0:a still asks for it explicitly (and gets the error).
    if (!job_.no_audio && !graph_audio && av_guess_codec(oc_->oformat, nullptr, job_.output.c_str(), nullptr, AVMEDIA_TYPE_AUDIO) != AV_CODEC_ID_NONE) {
      auto [f, s] = best(AVMEDIA_TYPE_AUDIO);
      if (f >= 0) select(f, s);
    }
    if (!job_.no_subs && oc_->oformat->subtitle_codec != AV_CODEC_ID_NONE) {
      auto [f, s] = best(AVMEDIA_TYPE_SUBTITLE);
      if (f >= 0 && avformat_query_codec(oc_->oformat, inputs_[f]->ic->streams[s]->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1)
        select(f, s);
    }
  }
  if (complex) {
    for (size_t k = 0; k < complex->outputs().size(); ++k)
      if (!complex_out_used[k])
        fail("-filter_complex: output [{}] goes nowhere; add -map [{}]", complex->outputs()[k].label, complex->outputs()[k].label);
    graphs_.push_back(std::move(complex));
  }
  if (outs_.empty()) fail("output '{}': no stream selected; check -map, -vn, -an", job_.output);
}

void Runner::open_output() {
  const char* fmt_name = job_.format.empty() ? nullptr : job_.format.c_str();
  int r = avformat_alloc_output_context2(&oc_, nullptr, fmt_name, job_.output.c_str());
  if (r < 0 || !oc_) {
    if (fmt_name) fail("-f {}: no such output format; ffmpeg -formats lists them", job_.format);
    fail("output '{}': cannot tell the container from the name; use a known extension (.mp4, .mkv, .mov, .webm) or -f", job_.output);
  }
}

void Runner::open_encoder(OutStream& os, AVFilterContext* sink, const AVFrame* first) {
  AVCodecContext* c = os.enc.c = avcodec_alloc_context3(os.codec);
  c->thread_count = job_.threads;
  if (os.type == AVMEDIA_TYPE_VIDEO) {
    c->width = first->width;
    c->height = first->height;
    c->pix_fmt = AVPixelFormat(first->format);
    c->sample_aspect_ratio = os.st->sample_aspect_ratio = first->sample_aspect_ratio;
    c->color_range = first->color_range;
    c->color_primaries = first->color_primaries;
    c->color_trc = first->color_trc;
    c->colorspace = first->colorspace;
    c->chroma_sample_location = first->chroma_location;
    c->framerate = os.sink_rate;
    // The graph's own time base, not 1/fps as ffmpeg uses: rounding to 1/fps would bend variable
    // frame rate timestamps. With -r, the fps filter already made the time base 1/rate.
    c->time_base = os.sink_tb;
    if (!job_.gop.empty()) c->gop_size = std::stoi(job_.gop);
    if (!job_.bv.empty()) {
      if (av_opt_set(c, "b", job_.bv.c_str(), 0) < 0) fail("-b:v {}: not a bit rate", job_.bv);
    }
    os.st->avg_frame_rate = os.sink_rate;
  } else {
    c->sample_fmt = AVSampleFormat(av_buffersink_get_format(sink));
    c->sample_rate = av_buffersink_get_sample_rate(sink);
    av_buffersink_get_ch_layout(sink, &c->ch_layout);
    c->time_base = AVRational{1, c->sample_rate};
    if (!job_.ba.empty() && av_opt_set(c, "b", job_.ba.c_str(), 0) < 0) fail("-b:a {}: not a bit rate", job_.ba);
  }
  if (oc_->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  if (os.type == AVMEDIA_TYPE_VIDEO) {
    if (!job_.crf.empty()) av_dict_set(&opts, "crf", job_.crf.c_str(), 0);
    if (!job_.preset.empty()) av_dict_set(&opts, "preset", job_.preset.c_str(), 0);
    if (!job_.profile.empty()) av_dict_set(&opts, "profile", job_.profile.c_str(), 0);
    if (!job_.tune.empty()) av_dict_set(&opts, "tune", job_.tune.c_str(), 0);
  }
  for (auto& [k, v] : job_.codec_opts) av_dict_set(&opts, k.c_str(), v.c_str(), 0);
  take_last_av_error();
  int r = avcodec_open2(c, os.codec, &opts);
  if (r < 0) {
    av_dict_free(&opts);
    std::string detail = take_last_av_error();
    fail("encoder {}: cannot open for this stream: {}", os.codec->name, detail.empty() ? av_error_text(r) : detail);
  }
  if (AVDictionaryEntry* e = av_dict_get(opts, "", nullptr, AV_DICT_IGNORE_SUFFIX)) {
    std::string k = e->key;
    av_dict_free(&opts);
    fail("encoder {}: unknown option -{}; ffmpeg -h encoder={} lists its options", os.codec->name, k, os.codec->name);
  }
  av_dict_free(&opts);
  if (os.type == AVMEDIA_TYPE_AUDIO && !(os.codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) && c->frame_size > 0)
    av_buffersink_set_frame_size(sink, unsigned(c->frame_size));
  avcodec_parameters_from_context(os.st->codecpar, c);
  os.st->time_base = c->time_base;
  os.ready = true;
  maybe_write_header();
}

void Runner::maybe_write_header() {
  if (header_) return;
  for (auto& o : outs_)
    if (!o->ready && !o->done) return;
  take_last_av_error();
  if (int r = avformat_write_header(oc_, nullptr); r < 0)
    fail("output '{}': cannot write the header: {}", job_.output, take_last_av_error().empty() ? av_error_text(r) : av_error_text(r));
  header_ = true;
  while (!early_.empty()) {
    AVPacket* p = early_.front();
    early_.pop_front();
    int osi = p->stream_index;
    av_packet_rescale_ts(p, AVRational{1, AV_TIME_BASE}, outs_[osi]->st->time_base);
    int r = av_interleaved_write_frame(oc_, p);
    av_packet_free(&p);
    if (r < 0) fail("output '{}': write error: {}", job_.output, av_error_text(r));
  }
}

// pkt timestamps are in the time base of the stream's source (encoder or input stream).
void Runner::write_packet(int osi, AVPacket* pkt) {
  OutStream& os = *outs_[osi];
  AVRational src_tb = os.copy ? inputs_[os.src_file]->ic->streams[os.src_stream]->time_base : os.enc.c->time_base;
  pkt->stream_index = osi;
  pkt->pos = -1;
  if (pkt->pts != AV_NOPTS_VALUE) {
    double end = (pkt->pts + pkt->duration) * av_q2d(src_tb);
    ps_.out_time = std::max(ps_.out_time, end);
  }
  if (os.type == AVMEDIA_TYPE_VIDEO && !os.copy) {
    size_t sz;
    if (uint8_t* q = av_packet_get_side_data(pkt, AV_PKT_DATA_QUALITY_STATS, &sz); q && sz >= 4)
      ps_.quality = AV_RL32(q) / double(FF_QP2LAMBDA);
  }
  if (!header_) {
    AVPacket* keep = av_packet_clone(pkt);
    av_packet_rescale_ts(keep, src_tb, AVRational{1, AV_TIME_BASE});
    early_.push_back(keep);
    return;
  }
  av_packet_rescale_ts(pkt, src_tb, os.st->time_base);
  if (int r = av_interleaved_write_frame(oc_, pkt); r < 0) fail("output '{}': write error: {}", job_.output, av_error_text(r));
  if (oc_->pb) ps_.bytes = std::max<int64_t>(ps_.bytes, avio_tell(oc_->pb));
}

void Runner::encode(int osi, AVFrame* f) {
  OutStream& os = *outs_[osi];
  if (!os.enc.c) return;  // never opened: nothing to flush
  int r = avcodec_send_frame(os.enc.c, f);
  if (r < 0 && r != AVERROR_EOF) fail("encoder {}: {}", os.codec->name, av_error_text(r));
  AVPacket* pkt = av_packet_alloc();
  for (;;) {
    r = avcodec_receive_packet(os.enc.c, pkt);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) {
      av_packet_free(&pkt);
      fail("encoder {}: {}", os.codec->name, av_error_text(r));
    }
    write_packet(osi, pkt);
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
}

void Runner::on_graph_frame(int osi, AVFrame* f) {
  OutStream& os = *outs_[osi];
  if (!f || os.done) {
    av_frame_free(&f);
    if (!os.done) {
      os.done = true;
      encode(osi, nullptr);
      maybe_write_header();
    }
    return;
  }
  // Output-side -ss / -t / -to and -frames:v, on the graph's clock.
  double t = f->pts == AV_NOPTS_VALUE ? 0 : f->pts * av_q2d(os.sink_tb);
  const double start = out_start_, limit = out_limit_;
  if (t < start - 1e-9) {
    av_frame_free(&f);
    return;
  }
  if ((limit >= 0 && t - start >= limit - 1e-9) || (os.type == AVMEDIA_TYPE_VIDEO && job_.frames_v >= 0 && os.frames >= job_.frames_v)) {
    av_frame_free(&f);
    on_graph_frame(osi, nullptr);
    return;
  }
  if (start > 0 && f->pts != AV_NOPTS_VALUE) f->pts -= av_rescale_q(int64_t(start * AV_TIME_BASE), kUs, os.sink_tb);
  if (!os.enc.c) open_encoder(os, nullptr, f);
  AVCodecContext* c = os.enc.c;
  if (f->pts != AV_NOPTS_VALUE) f->pts = av_rescale_q(f->pts, os.sink_tb, c->time_base);
  if (os.type == AVMEDIA_TYPE_VIDEO) {
    f->pict_type = AV_PICTURE_TYPE_NONE;  // let the encoder decide, as ffmpeg does
    ++os.frames;
    if (osi == first_video_out_) ps_.frames = os.frames;
  }
  encode(osi, f);
  av_frame_free(&f);
  report(false);
}

void Runner::decode(InFile& in, int si, AVPacket* pkt) {
  InStream& is = in.streams[si];
  AVCodecContext* d = is.dec.c;
  int r = avcodec_send_packet(d, pkt);
  if (r < 0 && r != AVERROR_EOF) {
    if (r == AVERROR_INVALIDDATA) {
      // A damaged packet: ffmpeg logs and goes on; so do we (the frame is lost, not the file).
      av_log(nullptr, AV_LOG_WARNING, "input '%s': skipped a damaged packet of stream #%d\n", in.spec.path.c_str(), si);
      return;
    }
    fail("input '{}': decoding stream #{}: {}", in.spec.path, si, av_error_text(r));
  }
  AVFrame* f = av_frame_alloc();
  for (;;) {
    r = avcodec_receive_frame(d, f);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) {
      av_frame_free(&f);
      fail("input '{}': decoding stream #{}: {}", in.spec.path, si, av_error_text(r));
    }
    f->pts = f->best_effort_timestamp;
    if (f->pts != AV_NOPTS_VALUE) f->pts += av_rescale_q(in.ts_offset, kUs, is.st->time_base);
    int64_t t_us = f->pts == AV_NOPTS_VALUE ? 0 : av_rescale_q(f->pts, is.st->time_base, kUs);
    int64_t dur_us = d->codec_type == AVMEDIA_TYPE_AUDIO && f->sample_rate ? int64_t(f->nb_samples) * AV_TIME_BASE / f->sample_rate : 0;
    bool before = in.spec.ss > 0 && (d->codec_type == AVMEDIA_TYPE_AUDIO ? t_us + dur_us <= 0 : t_us < 0);
    bool after = t_us >= in.limit;
    if (before || after) {
      av_frame_unref(f);
      continue;
    }
    for (auto [g, idx] : is.graph_inputs) g->push(idx, av_frame_clone(f));
    av_frame_unref(f);
  }
  av_frame_free(&f);
}

void Runner::process_packet(InFile& in, AVPacket* pkt) {
  int si = pkt->stream_index;
  if (si < 0 || si >= int(in.streams.size())) return;
  InStream& is = in.streams[si];
  if (!is.used_by_graph && is.copy_outputs.empty()) return;
  AVRational tb = is.st->time_base;
  int64_t off = av_rescale_q(in.ts_offset, kUs, tb);
  if (pkt->dts != AV_NOPTS_VALUE) in.last_ts = (pkt->dts + off) * av_q2d(tb);
  if (is.used_by_graph) decode(in, si, pkt);
  for (int osi : is.copy_outputs) {
    OutStream& os = *outs_[osi];
    if (os.done) continue;
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts != AV_NOPTS_VALUE) {
      int64_t t_us = av_rescale_q(ts + off, tb, kUs);
      int64_t dur_us = av_rescale_q(pkt->duration, tb, kUs);
      const double start = out_start_, limit = out_limit_;
      if (t_us >= in.limit || (limit >= 0 && t_us / 1e6 - start >= limit)) {
        os.done = true;
        continue;
      }
      // With a seek, copied audio/subtitle packets that end before the start point are dropped;
      // video packets are kept from the keyframe the seek landed on, or they would not decode.
      bool seeking = in.spec.ss > 0 || job_.ss > 0;
      if (seeking && os.type != AVMEDIA_TYPE_VIDEO && t_us + dur_us <= int64_t(start * AV_TIME_BASE)) continue;
    }
    AVPacket* p = av_packet_clone(pkt);
    int64_t shift = off - av_rescale_q(int64_t(out_start_ * AV_TIME_BASE), kUs, tb);
    if (p->pts != AV_NOPTS_VALUE) p->pts += shift;
    if (p->dts != AV_NOPTS_VALUE) p->dts += shift;
    write_packet(osi, p);
    av_packet_free(&p);
  }
}

bool Runner::all_outputs_done() const {
  for (auto& o : outs_)
    if (!o->done) return false;
  return true;
}

void Runner::finish_inputs() {
  for (auto& in : inputs_)
    for (size_t si = 0; si < in->streams.size(); ++si) {
      InStream& is = in->streams[si];
      if (is.used_by_graph && is.dec.c) {
        decode(*in, int(si), nullptr);
        for (auto [g, idx] : is.graph_inputs) g->push(idx, nullptr);
      }
    }
  for (auto& g : graphs_) g->drain_sources();
  for (size_t osi = 0; osi < outs_.size(); ++osi)
    if (!outs_[osi]->done) on_graph_frame(int(osi), nullptr);
}

void Runner::report(bool final) {
  if (progress_) progress_->update(ps_, final);
}

int Runner::run() {
  open_inputs();
  open_output();
  std::vector<std::string> in_paths;
  for (auto& i : job_.inputs) in_paths.push_back(i.path);
  plan_streams();
  path_ = std::make_unique<OutputPath>(job_.output, in_paths, job_.overwrite, oc_->oformat->flags & AVFMT_NOFILE);

  // Decoders for every stream that feeds a graph.
  for (auto& in : inputs_)
    for (auto& is : in->streams) {
      if (!is.used_by_graph) continue;
      const AVCodec* dc = avcodec_find_decoder(is.st->codecpar->codec_id);
      if (!dc) fail("input '{}': no decoder for {}", in->spec.path, avcodec_get_name(is.st->codecpar->codec_id));
      is.dec.c = avcodec_alloc_context3(dc);
      avcodec_parameters_to_context(is.dec.c, is.st->codecpar);
      is.dec.c->pkt_timebase = is.st->time_base;
      is.dec.c->thread_count = job_.threads;
      if (int r = avcodec_open2(is.dec.c, dc, nullptr); r < 0) fail("input '{}': cannot open the {} decoder: {}", in->spec.path, dc->name, av_error_text(r));
    }
  for (auto& in : inputs_)
    for (auto& is : in->streams)
      if (!is.used_by_graph && is.copy_outputs.empty()) is.st->discard = AVDISCARD_ALL;

  if (!(oc_->oformat->flags & AVFMT_NOFILE)) {
    if (int r = avio_open(&oc_->pb, path_->write_path().c_str(), AVIO_FLAG_WRITE); r < 0)
      fail("output '{}': cannot open for writing: {}", job_.output, av_error_text(r));
  } else {
    av_freep(&oc_->url);
    oc_->url = av_strdup(path_->write_path().c_str());
  }
  if (job_.threads > 0) av_opt_set_int(oc_, "threads", job_.threads, AV_OPT_SEARCH_CHILDREN);
  bool stats = job_.stats_forced ? job_.stats : (job_.stats && isatty(STDERR_FILENO));
  progress_ = std::make_unique<Progress>(stats, job_.progress_url);
  double dur = inputs_[0]->ic->duration > 0 ? inputs_[0]->ic->duration / 1e6 - std::max(0.0, inputs_[0]->spec.ss) : -1;
  if (inputs_[0]->limit != INT64_MAX) dur = std::min(dur, inputs_[0]->limit / 1e6);
  if (job_.t >= 0) dur = dur < 0 ? job_.t : std::min(dur, job_.t);
  ps_.duration = dur;
  maybe_write_header();

  AVPacket* pkt = av_packet_alloc();
  std::unique_ptr<AVPacket, void (*)(AVPacket*)> pkt_owner(pkt, [](AVPacket* p) { av_packet_free(&p); });
  while (g_signals == 0 && !all_outputs_done()) {
    InFile* next = nullptr;
    for (auto& in : inputs_)
      if (!in->eof && (!next || in->last_ts < next->last_ts)) next = in.get();
    if (!next) break;
    int r = av_read_frame(next->ic, pkt);
    if (r == AVERROR(EAGAIN)) continue;
    if (r < 0) {
      if (r != AVERROR_EOF) av_log(nullptr, AV_LOG_WARNING, "input '%s': read error (%s); finishing with what was read\n", next->spec.path.c_str(), av_error_text(r).c_str());
      next->eof = true;
      continue;
    }
    process_packet(*next, pkt);
    av_packet_unref(pkt);
    for (auto& g : graphs_) g->drain_sources();
  }
  finish_inputs();
  if (!header_) fail("output '{}': nothing was produced (no frame reached the encoder)", job_.output);
  if (int r = av_write_trailer(oc_); r < 0) fail("output '{}': cannot finish the file: {}", job_.output, av_error_text(r));
  if (oc_->pb) ps_.bytes = avio_size(oc_->pb);
  if (!(oc_->oformat->flags & AVFMT_NOFILE)) avio_closep(&oc_->pb);
  path_->commit();
  report(true);
  return g_signals > 0 ? 255 : 0;
}

}  // namespace

int run_job(const Job& job) {
  Runner r(job);
  return r.run();
}

}  // namespace omni

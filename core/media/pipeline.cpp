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
#include "core/filtergraph/graph.h"
#include "core/media/first_pass.h"
#include "core/media/job.h"
#include "core/log.h"
#include "core/media/output_path.h"
#include "core/media/progress.h"
#include "core/media/vsync.h"

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
static std::atomic<int> g_last_signal{0};

static void on_signal(int sig) {
  g_last_signal = sig;
  // Third signal: the user really wants out, even if finalising hangs.
  if (++g_signals >= 3) {
    remove_partial_output();
    _exit(255);
  }
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  install_crash_cleanup();
}

bool stop_requested() { return g_signals > 0; }

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
  int type_index = 0;                   // among the output streams of its type (-c:a:1)
  bool copy = false;
  int src_file = -1, src_stream = -1;   // copy: where packets come from
  const AVCodec* codec = nullptr;       // encode
  CodecCtx enc;
  bool ready = false;                   // codec parameters known (header may be written)
  bool done = false;                    // limit reached or stream ended
  int64_t frames = 0;
  int64_t next_audio_pts = AV_NOPTS_VALUE;
  AVRational sink_tb{0, 1}, sink_rate{0, 1};
  AVRational enc_rate{0, 1};            // video: the output frame rate (-r, else the graph's)
  VideoSync sync;                       // video: which frames go to the encoder, with which pts
  AVFrame* last = nullptr;              // video: the last frame sent, for cfr duplicates
  bool single_stream_source = false;    // video: fed from an input file with one stream (vscfr)
  double end_time = 0;                  // seconds: the end of the last packet written
  std::string describe;
  ~OutStream() { av_frame_free(&last); }
};

struct InStream {
  AVStream* st = nullptr;
  CodecCtx dec;
  std::vector<std::pair<FilterGraph*, size_t>> graph_inputs;  // decoded frames go here
  std::vector<int> copy_outputs;                              // packets go here
  std::vector<int> subtitle_outputs;                          // decoded subtitles go here (-c:s CODEC)
  bool used_by_graph = false;
  int64_t cfr_next = 0;  // next frame number when the input's timestamps are remade (-r before -i)
  bool past_limit = false;  // a packet at or past the input's -t/-to was read
};

struct InFile {
  AVFormatContext* ic = nullptr;
  InputSpec spec;
  int64_t ts_offset = 0;      // AV_TIME_BASE units, added to every timestamp
  int64_t limit = INT64_MAX;  // AV_TIME_BASE units after offset: stop reading at or beyond
  std::vector<InStream> streams;
  bool eof = false;
  bool ended = false;         // end_input ran: decoders flushed, graph inputs ended
  AVRational forced_rate{0, 1};  // -r before -i on a demuxer without a rate option: remake timestamps
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

void copy_display_matrix(const AVStream* from, AVStream* to) {
  size_t size = 0;
  const uint8_t* m = av_stream_get_side_data(from, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!m) return;
  if (uint8_t* dst = av_stream_new_side_data(to, AV_PKT_DATA_DISPLAYMATRIX, size)) memcpy(dst, m, size);
}

// ffmpeg's automatic tags: the file's from input -map_metadata (0 by default), then -metadata.
// `types`: each output stream's type (an encoded stream's parameters are filled only when its
// encoder opens, on the first frame, after this).
void apply_metadata(const Job& job, AVFormatContext* oc, const std::vector<const AVFormatContext*>& inputs,
                    const std::vector<AVMediaType>& types) {
  if (job.map_metadata >= 0) {
    if (job.map_metadata >= int(inputs.size()))
      fail("-map_metadata {}: there is no input #{}", job.map_metadata, job.map_metadata);
    av_dict_copy(&oc->metadata, inputs[job.map_metadata]->metadata, AV_DICT_DONT_OVERWRITE);
  }
  for (const MetadataSpec& m : job.metadata) {
    const char* v = m.value.empty() ? nullptr : m.value.c_str();
    if (!m.stream) {
      av_dict_set(&oc->metadata, m.key.c_str(), v, 0);
      continue;
    }
    int k = 0;
    bool any = false;
    for (unsigned i = 0; i < oc->nb_streams; ++i) {
      AVStream* st = oc->streams[i];
      if (m.type && types[i] != type_of_letter(m.type)) continue;
      if (m.index < 0 || m.index == k) av_dict_set(&st->metadata, m.key.c_str(), v, 0), any = true;
      ++k;
    }
    if (!any) fail("-metadata:s{}{}: the output has no such stream", m.type ? fmt::format(":{}", m.type) : "",
                   m.index >= 0 ? fmt::format(":{}", m.index) : "");
  }
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

// "out.png" -> "out_%03d.png": the sequence spelling of a single-image name, for error lines.
std::string sequence_example(const std::string& path) {
  size_t dot = path.rfind('.'), slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path + "_%03d";
  return path.substr(0, dot) + "_%03d" + path.substr(dot);
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
  std::string stream_opt(char type, int index, const char* key, const std::string& whole) const;
  int count_outputs(AVMediaType type) const;
  void plan_streams();
  void open_output();
  void check_streamable();
  void add_encoded_output(FilterGraph& g, size_t out_index, AVMediaType type, const AVStream* like);
  int add_copy_output(int file, int stream);
  void add_subtitle_output(int file, int stream);
  void open_subtitle_encoder(OutStream& os);
  void decode_subtitle(InFile& in, int si, AVPacket* pkt);
  void check_alpha_kept(const OutStream& os, AVFilterContext* sink);
  const AVCodec* pick_encoder(AVMediaType type, const std::string& name);
  void open_encoder(OutStream& os, AVFilterContext* sink, const AVFrame* first);
  void on_graph_frame(int osi, AVFrame* f);
  void encode(int osi, AVFrame* f);
  void send_video(int osi, AVFrame* f);
  void write_packet(int osi, AVPacket* pkt);
  void maybe_write_header();
  void process_packet(InFile& in, AVPacket* pkt);
  bool reached_limit(InFile& in, const AVPacket* pkt);
  void decode(InFile& in, int si, AVPacket* pkt);
  void finish_inputs();
  void end_input(InFile& in);
  bool all_outputs_done() const;
  void end_all_outputs();
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
  bool single_image_ = false;  // an image muxer writing one file (no %d pattern)
  std::vector<uint8_t> subtitle_buf_;  // what a subtitle encoder writes into
  double shortest_end_ = -1;   // -shortest: where the first output stream ended (seconds)
  bool update_ = false;        // -update 1: that file is rewritten with each frame

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

// The value of a per-stream option (-c:a:1, -b:v:0) for the output stream of `type` numbered
// `index` among its type, or the option for the whole type.
std::string Runner::stream_opt(char type, int index, const char* key, const std::string& whole) const {
  for (const Job::StreamOpt& o : job_.stream_opts)
    if (o.type == type && o.index == index && o.key == key) return o.value;
  return whole;
}

int Runner::count_outputs(AVMediaType type) const {
  int n = 0;
  for (auto& o : outs_) n += o->type == type;
  return n;
}

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
    AVDictionary* dopts = nullptr;
    for (const AvOpt& o : in->spec.format_opts) av_dict_set(&dopts, o.key.c_str(), o.value.c_str(), 0);
    // -r before -i: a demuxer that has a frame rate of its own (image2, rawvideo) takes it.
    if (!in->spec.rate.empty()) av_dict_set(&dopts, "framerate", in->spec.rate.c_str(), AV_DICT_DONT_OVERWRITE);
    int open_r = avformat_open_input(&in->ic, path.c_str(), fmt, &dopts);
    if (open_r >= 0) {
      if (!in->spec.rate.empty() && av_dict_get(dopts, "framerate", nullptr, 0)) {
        // The demuxer has no rate of its own: decoded frames get timestamps at that rate.
        av_parse_video_rate(&in->forced_rate, in->spec.rate.c_str());
        av_dict_set(&dopts, "framerate", nullptr, 0);
      }
      AVDictionaryEntry* e = av_dict_get(dopts, "", nullptr, AV_DICT_IGNORE_SUFFIX);
      std::string unused = e ? e->key : "";
      av_dict_free(&dopts);
      if (!unused.empty())
        fail("input '{}': the {} demuxer has no option -{}; ffmpeg -h demuxer={} lists its options", path, in->ic->iformat->name,
             unused, in->ic->iformat->name);
    }
    av_dict_free(&dopts);
    if (int r = open_r; r < 0) {
      hold.discard();
      std::string what = av_error_text(r);
      if (r == AVERROR(ENOENT)) fail("input '{}': no such file; check the path", path);
      if (r == AVERROR_INVALIDDATA) fail("input '{}': not a media file omni can read, or it is corrupt ({})", path, what);
      fail("input '{}': cannot open: {}", path, what);
    }
    if (int r = avformat_find_stream_info(in->ic, nullptr); r < 0)
      fail("input '{}': cannot read stream information: {}", path, av_error_text(r));
    if (!fmt && in->ic->probe_score <= AVPROBE_SCORE_RETRY) {
      // A guess this weak with no picture or sound in it is noise that happened to match some text
      // format's probe (random bytes pass as lrc lyrics now and then); ffmpeg carries on and
      // reports an empty output, which sends the user to check -map instead of the file.
      bool media = false;
      for (unsigned s = 0; s < in->ic->nb_streams; ++s) {
        AVMediaType t = in->ic->streams[s]->codecpar->codec_type;
        media = media || t == AVMEDIA_TYPE_VIDEO || t == AVMEDIA_TYPE_AUDIO;
      }
      if (!media) {
        hold.discard();
        fail("input '{}': not a media file omni can read, or it is corrupt (the best guess, {}, is weak and holds "
             "no video or audio; -f FORMAT forces one)",
             path, in->ic->iformat->name);
      }
    }
    if (path.rfind("pipe:", 0) == 0 && std::string_view(in->ic->iformat->name).starts_with("mov"))
      for (unsigned k = 0; k < in->ic->nb_streams; ++k) {
        const AVCodecParameters* par = in->ic->streams[k]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->format < 0)
          fail("input '{}': this mp4 keeps its index (moov) at the end, which a pipe cannot reach; give the file name "
               "instead, or remake it with -movflags +faststart", path);
      }
    if (in->spec.ss > 0 && in->ic->duration > 0 && in->spec.ss * AV_TIME_BASE >= in->ic->duration)
      fail("input '{}': -ss {} is at or past its end ({:.2f} s); choose an earlier start", path, in->spec.ss,
           in->ic->duration / double(AV_TIME_BASE));
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

// x264 and x265 check -preset themselves and print their own line to stderr before the open
// fails; the names are checked here instead, with a suggestion like every other value.
static void check_preset(const AVCodec* c, const std::string& preset) {
  if (preset.empty()) return;
  static const std::vector<std::string> x26x = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                                "medium",    "slow",      "slower",   "veryslow", "placebo"};
  std::string name = c->name;
  if ((name == "libx264" || name == "libx264rgb" || name == "libx265") && std::find(x26x.begin(), x26x.end(), preset) == x26x.end())
    fail("-preset {}: {} has no such preset{}; use ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, "
         "veryslow or placebo", preset, name, did_you_mean(preset, x26x));
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
  int before = format_before_conversion(sink);
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
  os->type_index = count_outputs(type);
  bool video = type == AVMEDIA_TYPE_VIDEO;
  os->codec = pick_encoder(type, stream_opt(video ? 'v' : 'a', os->type_index, "c", video ? job_.vcodec : job_.acodec));
  os->st = avformat_new_stream(oc_, nullptr);
  if (like && job_.map_metadata >= 0) av_dict_copy(&os->st->metadata, like->metadata, 0);
  if (like && !job_.autorotate) copy_display_matrix(like, os->st);  // the rotation was not undone: keep saying so
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
    // -r is applied by the frame-rate sync at the encoder (VideoSync), as ffmpeg does, not by
    // an fps filter: in vfr mode it sets the time base without duplicating frames.
    if (like)
      for (auto& in : inputs_)
        for (unsigned k = 0; k < in->ic->nb_streams; ++k)
          if (in->ic->streams[k] == like) os->single_stream_source = in->ic->nb_streams == 1;
    sink.formats = video_formats(os->codec, job_.pix_fmt);
  } else {
    if (job_.audio_rate > 0 || job_.audio_channels > 0) {
      std::string args;
      if (job_.audio_rate > 0) args += fmt::format("sample_rates={}", job_.audio_rate);
      if (job_.audio_channels > 0) {
        AVChannelLayout l;
        av_channel_layout_default(&l, job_.audio_channels);
        char name[64];
        av_channel_layout_describe(&l, name, sizeof name);
        args += fmt::format("{}channel_layouts={}", args.empty() ? "" : ":", name);
      }
      sink.suffix.push_back({"aformat", args});
    }
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
  if (in->codecpar->codec_type == AVMEDIA_TYPE_SUBTITLE && avformat_query_codec(oc_->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
    bool mov = avformat_query_codec(oc_->oformat, AV_CODEC_ID_MOV_TEXT, FF_COMPLIANCE_NORMAL) == 1;
    fail("output '{}': the {} container cannot hold subtitle stream #{}:{} ({}) as it is; convert it with -c:s {}, drop it with "
         "-sn, or use .mkv", job_.output, oc_->oformat->name, file, stream, avcodec_get_name(in->codecpar->codec_id),
         mov ? "mov_text" : "CODEC");
  }
  if (avformat_query_codec(oc_->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
    fail("output '{}': the {} container cannot hold {} stream #{}:{} ({}) as it is; re-encode it (-c:{} CODEC) or use .mkv",
         job_.output, oc_->oformat->name, av_get_media_type_string(in->codecpar->codec_type), file, stream,
         avcodec_get_name(in->codecpar->codec_id),
         in->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ? 'v' : in->codecpar->codec_type == AVMEDIA_TYPE_AUDIO ? 'a' : 's');
  auto os = std::make_unique<OutStream>();
  os->type = in->codecpar->codec_type;
  os->type_index = count_outputs(os->type);
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
  if (job_.map_metadata >= 0) av_dict_copy(&os->st->metadata, in->metadata, 0);
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

// A subtitle stream converted to another subtitle codec (-c:s mov_text for mp4), as ffmpeg's
// do_subtitle_out: decoded, re-timed to start at its display time, encoded in microseconds.
void Runner::add_subtitle_output(int file, int stream) {
  const AVStream* in = inputs_[file]->ic->streams[stream];
  auto os = std::make_unique<OutStream>();
  os->type = AVMEDIA_TYPE_SUBTITLE;
  os->type_index = count_outputs(AVMEDIA_TYPE_SUBTITLE);
  const std::string scodec = stream_opt('s', os->type_index, "c", job_.scodec);
  os->codec = avcodec_find_encoder_by_name(scodec.c_str());
  if (!os->codec || os->codec->type != AVMEDIA_TYPE_SUBTITLE) {
    std::vector<std::string> names;
    void* it = nullptr;
    while (const AVCodec* k = av_codec_iterate(&it))
      if (av_codec_is_encoder(k) && k->type == AVMEDIA_TYPE_SUBTITLE) names.emplace_back(k->name);
    fail("-c:s {}: no subtitle encoder of that name{}; ffmpeg -encoders lists them", scodec, did_you_mean(scodec, names));
  }
  if (avformat_query_codec(oc_->oformat, os->codec->id, FF_COMPLIANCE_NORMAL) != 1)
    fail("output '{}': the {} container cannot hold {} subtitles; use another -c:s or container", job_.output, oc_->oformat->name,
         os->codec->name);
  os->src_file = file;
  os->src_stream = stream;
  os->st = avformat_new_stream(oc_, nullptr);
  os->st->disposition = in->disposition;
  if (job_.map_metadata >= 0) av_dict_copy(&os->st->metadata, in->metadata, 0);
  os->describe = fmt::format("#{} ({})", outs_.size(), os->codec->name);
  inputs_[file]->streams[stream].subtitle_outputs.push_back(int(outs_.size()));
  outs_.push_back(std::move(os));
}

void Runner::open_subtitle_encoder(OutStream& os) {
  const InStream& is = inputs_[os.src_file]->streams[os.src_stream];
  AVCodecContext* c = os.enc.c = avcodec_alloc_context3(os.codec);
  c->time_base = AVRational{1, AV_TIME_BASE};
  c->width = is.dec.c->width;
  c->height = is.dec.c->height;
  if (is.dec.c->subtitle_header_size > 0) {  // the styles text subtitles carry (ASS header)
    c->subtitle_header = static_cast<uint8_t*>(av_mallocz(is.dec.c->subtitle_header_size + 1));
    memcpy(c->subtitle_header, is.dec.c->subtitle_header, is.dec.c->subtitle_header_size);
    c->subtitle_header_size = is.dec.c->subtitle_header_size;
  }
  if (int r = avcodec_open2(c, os.codec, nullptr); r < 0)
    fail("encoder {}: cannot convert {} subtitles: {}", os.codec->name, avcodec_get_name(is.st->codecpar->codec_id), av_error_text(r));
  avcodec_parameters_from_context(os.st->codecpar, c);
  os.st->time_base = c->time_base;
  os.ready = true;
}

void Runner::decode_subtitle(InFile& in, int si, AVPacket* pkt) {
  InStream& is = in.streams[si];
  AVSubtitle sub{};
  int got = 0;
  if (int r = avcodec_decode_subtitle2(is.dec.c, &sub, &got, pkt); r < 0) {
    if (job_.xerror) fail("input '{}': decoding subtitle stream #{}: {} (-xerror)", in.spec.path, si, av_error_text(r));
    av_log(nullptr, AV_LOG_WARNING, "input '%s': error while decoding subtitle stream #%d; going on\n", in.spec.path.c_str(), si);
    return;
  }
  if (!got) return;
  std::unique_ptr<AVSubtitle, void (*)(AVSubtitle*)> own(&sub, avsubtitle_free);
  if (sub.pts == AV_NOPTS_VALUE) return;
  int64_t pts = sub.pts + in.ts_offset + av_rescale_q(sub.start_display_time, AVRational{1, 1000}, kUs) -
                int64_t(out_start_ * AV_TIME_BASE);
  if (pts < 0 || pts >= in.limit) return;
  AVSubtitle shown = sub;  // times relative to its own start, as encoders expect
  shown.end_display_time -= shown.start_display_time;
  shown.start_display_time = 0;
  std::vector<uint8_t>& buf = subtitle_buf_;
  buf.resize(1 << 20);
  for (int osi : is.subtitle_outputs) {
    OutStream& os = *outs_[osi];
    if (os.done) continue;
    int size = avcodec_encode_subtitle(os.enc.c, buf.data(), int(buf.size()), &shown);
    if (size < 0) fail("encoder {}: cannot encode a subtitle: {}", os.codec->name, av_error_text(size));
    AVPacket* p = av_packet_alloc();
    av_new_packet(p, size);
    memcpy(p->data, buf.data(), size);
    p->pts = p->dts = pts;
    p->duration = av_rescale_q(shown.end_display_time, AVRational{1, 1000}, kUs);
    write_packet(osi, p);
    av_packet_free(&p);
  }
}

void Runner::plan_streams() {
  // Whether the next output stream of a type is copied (-c:v copy, or -c:a:1 copy for one).
  auto copied = [&](char type, const std::string& whole) {
    AVMediaType t = type_of_letter(type);
    return stream_opt(type, count_outputs(t), "c", whole) == "copy";
  };
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
    AVRational rate = inputs_[file]->forced_rate.num ? inputs_[file]->forced_rate : av_guess_frame_rate(inputs_[file]->ic, is.st, nullptr);
    g.set_input(idx, is.st->time_base, rate, prefix);
  };
  GraphOptions gopt;
  gopt.threads = job_.threads;
  gopt.configured = job_.on_filter_configured;

  // A simple graph (-vf, -af, or a pass-through) for one input stream that is encoded.
  auto simple = [&](int file, int stream) {
    const AVStream* st = inputs_[file]->ic->streams[stream];
    bool video = st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
    const std::string& text = video ? (job_.vf.empty() ? std::string("null") : job_.vf)
                                    : (job_.af.empty() ? std::string("anull") : job_.af);
    // A file (not a pipe) can be read again: a filter may ask for a first pass over it.
    GraphOptions o = gopt;
    const InFile& in = *inputs_[file];
    const bool pipe = in.spec.path == "-" || in.spec.path.rfind("pipe:", 0) == 0;
    const bool seekable = (in.ic->iformat->flags & AVFMT_NOFILE) || (in.ic->pb && (in.ic->pb->seekable & AVIO_SEEKABLE_NORMAL));
    if (video && !pipe && seekable)
      o.replay = [job = job_, file, stream](const std::string& chain, const std::function<void(Frame)>& take, const std::vector<AVPixelFormat>& formats) {
        replay_input(job, file, stream, chain, formats, take);
      };
    auto g = std::make_unique<FilterGraph>(text, o);
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
        if (copied('v', job_.vcodec)) {
          if (!job_.vf.empty()) fail("-vf and -c:v copy cannot go together: filtering needs decoding and encoding");
          add_copy_output(file, stream);
        } else {
          simple(file, stream);
        }
        return;
      case AVMEDIA_TYPE_AUDIO: {
        if (job_.no_audio) return;
        bool fits = avformat_query_codec(oc_->oformat, st->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1;
        bool reshape = job_.audio_rate > 0 || job_.audio_channels > 0;
        std::string codec = stream_opt('a', count_outputs(AVMEDIA_TYPE_AUDIO), "c", job_.acodec);
        bool can_copy = codec == "copy" || (codec.empty() && job_.af.empty() && !reshape && fits);
        if (can_copy) add_copy_output(file, stream);
        else simple(file, stream);
        return;
      }
      case AVMEDIA_TYPE_SUBTITLE:
        if (job_.no_subs) return;
        if (std::string c = stream_opt('s', count_outputs(AVMEDIA_TYPE_SUBTITLE), "c", job_.scodec); !c.empty() && c != "copy")
          add_subtitle_output(file, stream);
        else add_copy_output(file, stream);
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
      // An audio-only input is transcoded like ffmpeg does; a video filter has nothing to work on.
      if (f < 0 && !job_.vf.empty())
        fail("input '{}' has no video stream for -vf; drop -vf to convert its audio, or give a video input", inputs_[0]->spec.path);
      if (f >= 0) select(f, s);
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
      else if (f >= 0)  // never dropped without a word
        av_log(nullptr, AV_LOG_WARNING, "subtitle stream #%d:%d (%s) is left out: the %s container cannot hold it as it is; "
               "use .mkv to keep it, or -sn to silence this\n", f, s,
               avcodec_get_name(inputs_[f]->ic->streams[s]->codecpar->codec_id), oc_->oformat->name);
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

// mp4/mov write their index after the media and seek back to it: a pipe cannot do that (the
// muxer would fail at the header with a bare "muxer does not support non seekable output").
void Runner::check_streamable() {
  if (is_stageable_path(job_.output) || (oc_->oformat->flags & AVFMT_NOFILE)) return;
  std::string name = oc_->oformat->name;
  if (name != "mp4" && name != "mov" && name != "ipod" && name != "ismv" && name != "3gp" && name != "3g2" && name != "psp") return;
  for (const AvOpt& o : job_.format_opts)
    if (o.key == "movflags" && (o.value.find("frag_keyframe") != std::string::npos || o.value.find("empty_moov") != std::string::npos ||
                                o.value.find("frag_custom") != std::string::npos || o.value.find("frag_every_frame") != std::string::npos))
      return;
  fail("output '{}': {} needs a seekable output to write its index; write to a file, or stream it fragmented with "
       "-movflags frag_keyframe+empty_moov (or use -f matroska or -f mpegts)", job_.output, name);
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
    if (!job_.aspect.empty()) {  // display aspect -> sample aspect, as ffmpeg's -aspect
      AVRational dar;
      av_parse_ratio(&dar, job_.aspect.c_str(), 255, 0, nullptr);
      AVRational sar = av_mul_q(dar, AVRational{first->height, first->width});
      av_reduce(&sar.num, &sar.den, sar.num, sar.den, 65535);
      c->sample_aspect_ratio = os.st->sample_aspect_ratio = sar;
    }
    c->color_range = first->color_range;
    c->color_primaries = first->color_primaries;
    c->color_trc = first->color_trc;
    c->colorspace = first->colorspace;
    c->chroma_sample_location = first->chroma_location;
    AVRational rate = os.sink_rate;
    if (!job_.rate.empty()) av_parse_video_rate(&rate, job_.rate.c_str());
    if (rate.num <= 0 || rate.den <= 0) rate = AVRational{25, 1};  // ffmpeg's fall-back
    if (os.codec->supported_framerates)
      rate = os.codec->supported_framerates[av_find_nearest_q_idx(rate, os.codec->supported_framerates)];
    os.enc_rate = rate;
    os.sync = VideoSync(sync_mode(job_.fps_mode, oc_->oformat, os.single_stream_source));
    c->framerate = rate;
    // Constant rate (or -r): ticks of 1/rate, as ffmpeg. Variable rate keeps the graph's own time
    // base, where ffmpeg rounds to 1/rate: that rounding bends variable-rate timestamps.
    bool constant = os.sync.mode() == SyncMode::Cfr || os.sync.mode() == SyncMode::VsCfr || !job_.rate.empty();
    c->time_base = constant ? av_inv_q(rate) : os.sink_tb;
    if (!job_.gop.empty()) c->gop_size = std::stoi(job_.gop);
    if (std::string bv = stream_opt('v', os.type_index, "b", job_.bv); !bv.empty()) {
      if (av_opt_set(c, "b", bv.c_str(), 0) < 0) fail("-b:v {}: not a bit rate", bv);
    }
    os.st->avg_frame_rate = rate;
  } else {
    c->sample_fmt = AVSampleFormat(av_buffersink_get_format(sink));
    c->sample_rate = av_buffersink_get_sample_rate(sink);
    av_buffersink_get_ch_layout(sink, &c->ch_layout);
    c->time_base = AVRational{1, c->sample_rate};
    if (std::string ba = stream_opt('a', os.type_index, "b", job_.ba); !ba.empty() && av_opt_set(c, "b", ba.c_str(), 0) < 0)
      fail("-b:a {}: not a bit rate", ba);
  }
  if (oc_->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  if (os.type == AVMEDIA_TYPE_VIDEO) {
    if (!job_.crf.empty()) av_dict_set(&opts, "crf", job_.crf.c_str(), 0);
    if (!job_.preset.empty()) av_dict_set(&opts, "preset", job_.preset.c_str(), 0);
    if (!job_.profile.empty()) av_dict_set(&opts, "profile", job_.profile.c_str(), 0);
    if (!job_.tune.empty()) av_dict_set(&opts, "tune", job_.tune.c_str(), 0);
  }
  check_preset(os.codec, job_.preset);
  const char letter = os.type == AVMEDIA_TYPE_VIDEO ? 'v' : 'a';
  for (const AvOpt& o : job_.codec_opts) {
    if (o.type && o.type != letter) continue;
    // Without a stream specifier an option goes to every encoder that has it (-tune, -threads).
    if (!o.type && !av_opt_find(c, o.key.c_str(), nullptr, 0, AV_OPT_SEARCH_CHILDREN)) continue;
    av_dict_set(&opts, o.key.c_str(), o.value.c_str(), 0);
  }
  if (const std::string& q = os.type == AVMEDIA_TYPE_VIDEO ? job_.qscale_v : job_.qscale_a; !q.empty()) {
    c->flags |= AV_CODEC_FLAG_QSCALE;
    c->global_quality = int(FF_QP2LAMBDA * std::stod(q));
  }
  take_last_av_error();
  int r = avcodec_open2(c, os.codec, &opts);
  if (r < 0) {
    av_dict_free(&opts);
    std::string detail = take_last_av_error();
    // ffmpeg stops here too; the way on is not in x264's words.
    std::string hint;
    if (const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(c->pix_fmt);
        d && os.type == AVMEDIA_TYPE_VIDEO && ((d->log2_chroma_w && c->width % 2) || (d->log2_chroma_h && c->height % 2)))
      hint = fmt::format("; {} needs even sides: -pix_fmt yuv444p keeps {}x{}, -vf scale=trunc(iw/2)*2:trunc(ih/2)*2 evens them",
                         av_get_pix_fmt_name(c->pix_fmt), c->width, c->height);
    fail("encoder {}: cannot open for this stream: {}{}", os.codec->name, detail.empty() ? av_error_text(r) : detail, hint);
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
  // The stream's encoder tag names the encoder that made it, as ffmpeg writes it (a tag copied
  // from the input would name the input's encoder).
  if (!(c->flags & AV_CODEC_FLAG_BITEXACT))
    av_dict_set(&os.st->metadata, "encoder", fmt::format("{} {}", LIBAVCODEC_IDENT, os.codec->name).c_str(), 0);
  os.ready = true;
  maybe_write_header();
}

void Runner::maybe_write_header() {
  if (header_) return;
  for (auto& o : outs_)
    if (!o->ready && !o->done) return;
  // The file is created only now, with its header: a run that fails or is killed before it has
  // anything to write leaves no empty temporary file behind.
  path_->arm();
  if (!(oc_->oformat->flags & AVFMT_NOFILE)) {
    if (int r = avio_open(&oc_->pb, path_->write_path().c_str(), AVIO_FLAG_WRITE); r < 0)
      fail("output '{}': cannot open for writing: {}", job_.output, av_error_text(r));
  }
  take_last_av_error();
  AVDictionary* mopts = nullptr;
  for (const AvOpt& o : job_.format_opts) av_dict_set(&mopts, o.key.c_str(), o.value.c_str(), 0);
  int r = avformat_write_header(oc_, &mopts);
  AVDictionaryEntry* unused = av_dict_get(mopts, "", nullptr, AV_DICT_IGNORE_SUFFIX);
  std::string unused_key = unused ? unused->key : "";
  av_dict_free(&mopts);
  if (r < 0) {
    std::string detail = take_last_av_error();
    fail("output '{}': cannot write the header: {}", job_.output, detail.empty() ? av_error_text(r) : detail);
  }
  if (!unused_key.empty())
    fail("output '{}': the {} muxer has no option -{}; ffmpeg -h muxer={} lists its options", job_.output, oc_->oformat->name,
         unused_key, oc_->oformat->name);
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
    os.end_time = std::max(os.end_time, end);
  }
  if (os.type == AVMEDIA_TYPE_VIDEO && !os.copy) {
    size_t sz;
    if (uint8_t* q = av_packet_get_side_data(pkt, AV_PKT_DATA_QUALITY_STATS, &sz); q && sz >= 4)
      ps_.quality = int32_t(AV_RL32(q)) / double(FF_QP2LAMBDA);  // -1 (no quality) is signed
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
      if (os.type == AVMEDIA_TYPE_VIDEO && os.enc.c) send_video(osi, nullptr);
      encode(osi, nullptr);
      maybe_write_header();
      if (job_.shortest) end_all_outputs();
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
  if ((limit >= 0 && t - start >= limit - 1e-9) || (shortest_end_ >= 0 && t - start >= shortest_end_ - 1e-9) || (os.type == AVMEDIA_TYPE_VIDEO && job_.frames_v >= 0 && os.frames >= job_.frames_v)) {
    av_frame_free(&f);
    on_graph_frame(osi, nullptr);
    return;
  }
  if (start > 0 && f->pts != AV_NOPTS_VALUE) f->pts -= av_rescale_q(int64_t(start * AV_TIME_BASE), kUs, os.sink_tb);
  if (!os.enc.c) open_encoder(os, nullptr, f);
  if (os.type == AVMEDIA_TYPE_VIDEO) {
    send_video(osi, f);
  } else {
    if (f->pts != AV_NOPTS_VALUE) f->pts = av_rescale_q(f->pts, os.sink_tb, os.enc.c->time_base);
    encode(osi, f);
    av_frame_free(&f);
  }
  report(false);
}

// ffmpeg's do_video_out: the frame-rate sync decides how many times each frame is encoded and
// with which timestamps. f == nullptr: the end of the stream.
void Runner::send_video(int osi, AVFrame* f) {
  OutStream& os = *outs_[osi];
  AVCodecContext* c = os.enc.c;
  double sync_ipts = 0, duration = 0;
  if (f) {
    // The frame's time in encoder ticks, with 16 more bits of precision and nudged off exact
    // half ticks, the way ffmpeg computes it (so rounding decisions agree).
    AVRational tb = c->time_base;
    int extra = av_clip(29 - av_log2(tb.den), 0, 16);
    tb.den <<= extra;
    int64_t pts = f->pts == AV_NOPTS_VALUE ? 0 : f->pts;
    sync_ipts = double(av_rescale_q(pts, os.sink_tb, tb)) / (1 << extra);
    sync_ipts += (sync_ipts > 0 ? 1 : sync_ipts < 0 ? -1 : 0) / double(1 << 17);
    if (os.sink_rate.num > 0 && os.sink_rate.den > 0) duration = 1 / (av_q2d(os.sink_rate) * av_q2d(c->time_base));
    duration = duration > 0 ? std::min(duration, 1 / (av_q2d(os.enc_rate) * av_q2d(c->time_base)))
                            : 1 / (av_q2d(os.enc_rate) * av_q2d(c->time_base));
    // Without a filtergraph of the user's, a frame lasts as long as its packet said.
    if (job_.vf.empty() && job_.filter_complex.empty() && f->pkt_duration > 0) {
      long d = std::lrint(f->pkt_duration * av_q2d(os.sink_tb) / av_q2d(c->time_base));
      if (d > 0) duration = double(d);
    }
  }
  int64_t left = job_.frames_v >= 0 ? job_.frames_v - os.frames : -1;
  VideoSync::Plan plan = os.sync.plan(f != nullptr, sync_ipts, duration, left);
  for (int i = 0; i < plan.nb; ++i) {
    AVFrame* pic = i < plan.nb0 && os.last ? os.last : f;
    if (!pic) break;
    if (single_image_ && os.frames >= 1 && !update_)
      fail("output '{}': one image file cannot hold more than one frame; use a pattern such as {} for an image sequence, "
           "-frames:v 1 for one image, or -update 1 to keep rewriting the one file",
           job_.output, sequence_example(job_.output));
    AVFrame* out = av_frame_clone(pic);
    out->pts = os.sync.next_pts();
    out->pict_type = AV_PICTURE_TYPE_NONE;  // let the encoder decide, as ffmpeg does
    os.sync.sent();
    ++os.frames;
    if (osi == first_video_out_) ps_.frames = os.frames;
    encode(osi, out);
    av_frame_free(&out);
  }
  if (f) {
    av_frame_free(&os.last);
    os.last = f;
  }
}

void Runner::decode(InFile& in, int si, AVPacket* pkt) {
  InStream& is = in.streams[si];
  AVCodecContext* d = is.dec.c;
  // A damaged packet or frame (a truncated or corrupt file): ffmpeg logs and goes on, so the
  // frames that are there still come out; -xerror stops instead.
  auto damaged = [&](int r) {
    if (job_.xerror) fail("input '{}': decoding stream #{}: {} (-xerror)", in.spec.path, si, av_error_text(r));
    av_log(nullptr, AV_LOG_WARNING, "input '%s': error while decoding stream #%d (%s); going on\n", in.spec.path.c_str(), si,
           av_error_text(r).c_str());
  };
  int r = avcodec_send_packet(d, pkt);
  if (r < 0 && r != AVERROR_EOF) {
    damaged(r);
    if (pkt) return;
  }
  AVFrame* f = av_frame_alloc();
  for (int errors = 0;;) {
    r = avcodec_receive_frame(d, f);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) {
      damaged(r);
      if (++errors > 64) break;  // a decoder that only fails: leave the rest for the next packet
      continue;
    }
    f->pts = f->best_effort_timestamp;
    // The container's pixel shape wins over the codec's, as in ffmpeg's decode_video: Matroska
    // keeps it in the container only (a 2:1 clip came out square, and next-shot's aspect= wrong).
    if (d->codec_type == AVMEDIA_TYPE_VIDEO && is.st->sample_aspect_ratio.num) f->sample_aspect_ratio = is.st->sample_aspect_ratio;
    if (d->codec_type == AVMEDIA_TYPE_AUDIO && f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      // A file that gives only a channel count (wav, raw PCM): the usual layout for that count,
      // as ffmpeg guesses it (encoders and aformat need a layout).
      int n = f->ch_layout.nb_channels;
      av_channel_layout_uninit(&f->ch_layout);
      av_channel_layout_default(&f->ch_layout, n);
    }
    if (in.forced_rate.num && d->codec_type == AVMEDIA_TYPE_VIDEO) {
      f->pts = av_rescale_q(is.cfr_next++, av_inv_q(in.forced_rate), is.st->time_base);
      f->pkt_duration = av_rescale_q(1, av_inv_q(in.forced_rate), is.st->time_base);
    } else if (f->pts != AV_NOPTS_VALUE) {
      f->pts += av_rescale_q(in.ts_offset, kUs, is.st->time_base);
    }
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

// Marks the packet's stream as past the input's -t/-to when the packet is (decoding order, so
// no later packet is earlier); true when every stream the input feeds is past it.
bool Runner::reached_limit(InFile& in, const AVPacket* pkt) {
  if (in.limit == INT64_MAX || pkt->stream_index < 0 || pkt->stream_index >= int(in.streams.size())) return false;
  InStream& is = in.streams[size_t(pkt->stream_index)];
  int64_t t_us;
  if (in.forced_rate.num && is.st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
    t_us = av_rescale_q(is.cfr_next, av_inv_q(in.forced_rate), kUs);  // timestamps remade from the frame count
  } else {
    int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (ts == AV_NOPTS_VALUE) return false;
    t_us = av_rescale_q(ts, is.st->time_base, kUs) + in.ts_offset;
  }
  if (t_us >= in.limit) is.past_limit = true;
  for (const InStream& s : in.streams)
    if ((s.used_by_graph || !s.copy_outputs.empty() || !s.subtitle_outputs.empty()) && !s.past_limit) return false;
  return true;
}

void Runner::process_packet(InFile& in, AVPacket* pkt) {
  int si = pkt->stream_index;
  if (si < 0 || si >= int(in.streams.size())) return;
  InStream& is = in.streams[si];
  if (!is.used_by_graph && is.copy_outputs.empty() && is.subtitle_outputs.empty()) return;
  AVRational tb = is.st->time_base;
  int64_t off = av_rescale_q(in.ts_offset, kUs, tb);
  if (pkt->dts != AV_NOPTS_VALUE) in.last_ts = (pkt->dts + off) * av_q2d(tb);
  if (is.used_by_graph) decode(in, si, pkt);
  if (!is.subtitle_outputs.empty()) decode_subtitle(in, si, pkt);
  for (int osi : is.copy_outputs) {
    OutStream& os = *outs_[osi];
    if (os.done) continue;
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts != AV_NOPTS_VALUE) {
      int64_t t_us = av_rescale_q(ts + off, tb, kUs);
      int64_t dur_us = av_rescale_q(pkt->duration, tb, kUs);
      const double start = out_start_, limit = out_limit_;
      if (t_us >= in.limit || (limit >= 0 && t_us / 1e6 - start >= limit) ||
          (job_.shortest && shortest_end_ >= 0 && t_us / 1e6 - start >= shortest_end_)) {
        os.done = true;
        if (job_.shortest) end_all_outputs();
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

// -shortest: the first output stream to end sets the end for the others (they stop at the first
// frame or packet at or past its end time).
void Runner::end_all_outputs() {
  if (shortest_end_ >= 0) return;
  double end = 0;
  for (auto& o : outs_)
    if (o->done) end = std::max(end, o->end_time);
  shortest_end_ = end;
}

bool Runner::all_outputs_done() const {
  for (auto& o : outs_)
    if (!o->done) return false;
  return true;
}

// An input file has ended (or reading stops): its decoders are flushed, its graph inputs get
// their end, and the streams copied from it are complete, as ffmpeg does per file (so -shortest
// sees the first stream to end).
void Runner::end_input(InFile& in) {
  if (in.ended) return;
  in.ended = true;
  for (size_t si = 0; si < in.streams.size(); ++si) {
    InStream& is = in.streams[si];
    if (is.used_by_graph && is.dec.c) {
      decode(in, int(si), nullptr);
      for (auto [g, idx] : is.graph_inputs) g->push(idx, nullptr);
    }
    std::vector<int> ending = is.copy_outputs;
    ending.insert(ending.end(), is.subtitle_outputs.begin(), is.subtitle_outputs.end());
    for (int osi : ending)
      if (!outs_[osi]->done) {
        outs_[osi]->done = true;
        maybe_write_header();
        if (job_.shortest) end_all_outputs();
      }
  }
}

void Runner::finish_inputs() {
  for (auto& in : inputs_) end_input(*in);
  for (auto& g : graphs_) g->drain_sources();
  for (size_t osi = 0; osi < outs_.size(); ++osi)
    if (!outs_[osi]->done) on_graph_frame(int(osi), nullptr);
}

void Runner::report(bool final) {
  if (!progress_ || !progress_->due(final)) return;
  // time= is what the muxer has written (as ffmpeg: the streams' end timestamps), not what the
  // encoders have produced, which runs ahead of it.
  if (header_)
    for (auto& o : outs_) {
      int64_t end = av_stream_get_end_pts(o->st);
      if (end != AV_NOPTS_VALUE) ps_.out_time = std::max(ps_.out_time, end * av_q2d(o->st->time_base));
    }
  progress_->update(ps_, final);
}

int Runner::run() {
  open_inputs();
  open_output();
  std::vector<std::string> in_paths;
  for (auto& i : job_.inputs) in_paths.push_back(i.path);
  plan_streams();
  {
    std::vector<const AVFormatContext*> ics;
    for (auto& in : inputs_) ics.push_back(in->ic);
    std::vector<AVMediaType> types(oc_->nb_streams, AVMEDIA_TYPE_UNKNOWN);
    for (auto& o : outs_) types[size_t(o->st->index)] = o->type;
    apply_metadata(job_, oc_, ics, types);
  }
  // An image muxer writes the final names itself when they form a sequence (%03d); one image
  // file is staged like any other output (a failed run must leave nothing under its name).
  // (The null muxer writes no file either: -f null - is no image.)
  single_image_ = (oc_->oformat->flags & AVFMT_NOFILE) && std::string_view(oc_->oformat->name) == "image2" &&
                  !av_filename_number_test(job_.output.c_str());
  if (single_image_) av_opt_set(oc_->priv_data, "update", "1", 0);
  for (const AvOpt& o : job_.format_opts)
    if (o.key == "update") update_ = o.value != "0";
  path_ = std::make_unique<OutputPath>(job_.output, in_paths, job_.overwrite,
                                       (oc_->oformat->flags & AVFMT_NOFILE) && !single_image_);

  // Decoders for every stream that feeds a graph.
  for (auto& in : inputs_)
    for (auto& is : in->streams) {
      if (!is.used_by_graph && is.subtitle_outputs.empty()) continue;
      const AVCodec* dc = avcodec_find_decoder(is.st->codecpar->codec_id);
      if (!dc) fail("input '{}': no decoder for {}", in->spec.path, avcodec_get_name(is.st->codecpar->codec_id));
      is.dec.c = avcodec_alloc_context3(dc);
      avcodec_parameters_to_context(is.dec.c, is.st->codecpar);
      is.dec.c->pkt_timebase = is.st->time_base;
      is.dec.c->thread_count = job_.threads;
      AVDictionary* dopts = nullptr;
      const char letter = is.st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ? 'v' : is.st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO ? 'a' : 's';
      for (const AvOpt& o : in->spec.codec_opts)
        if ((!o.type && av_opt_find(is.dec.c, o.key.c_str(), nullptr, 0, AV_OPT_SEARCH_CHILDREN)) || o.type == letter)
          av_dict_set(&dopts, o.key.c_str(), o.value.c_str(), 0);
      int r = avcodec_open2(is.dec.c, dc, &dopts);
      av_dict_free(&dopts);
      if (r < 0) fail("input '{}': cannot open the {} decoder: {}", in->spec.path, dc->name, av_error_text(r));
    }
  for (auto& o : outs_)
    if (o->type == AVMEDIA_TYPE_SUBTITLE && !o->copy) open_subtitle_encoder(*o);
  for (auto& in : inputs_)
    for (auto& is : in->streams)
      if (!is.used_by_graph && is.copy_outputs.empty() && is.subtitle_outputs.empty()) is.st->discard = AVDISCARD_ALL;

  check_streamable();
  av_freep(&oc_->url);
  oc_->url = av_strdup(path_->write_path().c_str());
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
      if (r != AVERROR_EOF) {
        if (job_.xerror) fail("input '{}': read error: {} (-xerror)", next->spec.path, av_error_text(r));
        av_log(nullptr, AV_LOG_WARNING, "input '%s': read error (%s); finishing with what was read\n", next->spec.path.c_str(), av_error_text(r).c_str());
      }
      next->eof = true;
      end_input(*next);
      for (auto& g : graphs_) g->drain_sources();
      continue;
    }
    process_packet(*next, pkt);
    const bool done = reached_limit(*next, pkt);
    av_packet_unref(pkt);
    if (done) {
      // Past -t/-to on every stream it feeds: the input ends here, as in ffmpeg (a looped
      // picture, -loop 1, would otherwise be read forever).
      next->eof = true;
      end_input(*next);
    }
    for (auto& g : graphs_) g->drain_sources();
  }
  finish_inputs();
  if (!header_) fail("output '{}': nothing was produced (no frame reached the encoder)", job_.output);
  if (int r = av_write_trailer(oc_); r < 0) fail("output '{}': cannot finish the file: {}", job_.output, av_error_text(r));
  if (oc_->pb) ps_.bytes = avio_size(oc_->pb);
  if (!(oc_->oformat->flags & AVFMT_NOFILE)) avio_closep(&oc_->pb);
  path_->commit();
  for (auto& o : outs_) ps_.out_time = std::max(ps_.out_time, o->end_time);
  report(true);
  if (g_signals > 0) {
    if (!job_.nested) fprintf(stderr, "Exiting normally, received signal %d.\n", g_last_signal.load());
    return 255;
  }
  return 0;
}

}  // namespace

int run_job(const Job& job) {
  Runner r(job);
  return r.run();
}

}  // namespace omni

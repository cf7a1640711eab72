#include "cli/args.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>

#include "cli/av_options.h"
#include "cli/recipes.h"
#include "core/error.h"

extern "C" {
#include <libavutil/log.h>
#include <libavutil/parseutils.h>
}

namespace omni {

static double parse_time_arg(const std::string& opt, const std::string& v) {
  int64_t us = 0;
  if (av_parse_time(&us, v.c_str(), 1) < 0 || us < 0)
    fail("{} {}: not a time; use seconds (12.5) or [HH:]MM:SS[.ms]", opt, v);
  return us / 1e6;
}

static void need_number(const std::string& opt, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end) fail("{} {}: not a number", opt, v);
  if (x < lo || x > hi) fail("{} {}: out of range [{}, {}]", opt, v, lo, hi);
}

static MapSpec parse_map(const std::string& v) {
  MapSpec m;
  std::string s = v;
  if (!s.empty() && s[0] == '-') m.negative = true, s.erase(0, 1);
  if (!s.empty() && s.back() == '?') m.optional = true, s.pop_back();
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    m.label = s.substr(1, s.size() - 2);
    return m;
  }
  auto bad = [&] { fail("-map {}: not a stream specifier; use e.g. 0, 0:v, 0:a:1, 1:2 or [label]", v); };
  char* end;
  long f = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str()) bad();
  m.file = int(f);
  const char* p = end;
  if (*p == 0) return m;
  if (*p++ != ':') bad();
  if (*p && std::strchr("vasdt", *p) && (p[1] == 0 || p[1] == ':')) {
    m.type = *p++;
    if (*p == 0) return m;
    ++p;
  }
  long i = std::strtol(p, &end, 10);
  if (end == p || *end || i < 0) bad();
  m.index = int(i);
  return m;
}

static int parse_loglevel(const std::string& v) {
  static const std::pair<const char*, int> levels[] = {
      {"quiet", AV_LOG_QUIET}, {"panic", AV_LOG_PANIC},     {"fatal", AV_LOG_FATAL}, {"error", AV_LOG_ERROR},
      {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO}, {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},
      {"trace", AV_LOG_TRACE}};
  std::string name = v;
  if (size_t plus = name.rfind('+'); plus != std::string::npos) name = name.substr(plus + 1);  // "level+info"
  for (auto& [n, l] : levels)
    if (name == n) return l;
  char* end;
  long x = std::strtol(name.c_str(), &end, 10);
  if (!name.empty() && !*end) return int(x);
  std::vector<std::string> names;
  for (auto& [n, l] : levels) names.emplace_back(n);
  fail("-loglevel {}: unknown level{}; use quiet, error, warning, info, verbose or debug", v, did_you_mean(name, names));
}

// "-metadata:s:a:0" "title=x" -> a stream tag; "-metadata" "k=v" -> the file's.
static MetadataSpec parse_metadata(const std::string& opt, const std::string& v) {
  MetadataSpec m;
  size_t eq = v.find('=');
  if (eq == std::string::npos || eq == 0) fail("{} {}: use KEY=VALUE (an empty VALUE removes the tag)", opt, v);
  m.key = v.substr(0, eq);
  m.value = v.substr(eq + 1);
  std::string spec = opt.size() > 9 ? opt.substr(10) : "";  // after "-metadata:"
  if (spec.empty() || spec == "g") return m;
  auto bad = [&] { fail("{}: use -metadata for the file, or -metadata:s:v:0 / -metadata:s:a for streams", opt); };
  if (spec[0] != 's') bad();
  m.stream = true;
  spec = spec.substr(1);
  if (!spec.empty() && spec[0] == ':') spec = spec.substr(1);
  if (!spec.empty() && std::strchr("vas", spec[0])) {
    m.type = spec[0];
    spec = spec.substr(1);
    if (!spec.empty() && spec[0] == ':') spec = spec.substr(1);
  }
  if (!spec.empty()) {
    char* end;
    long k = std::strtol(spec.c_str(), &end, 10);
    if (*end || k < 0) bad();
    m.index = int(k);
  }
  return m;
}

// The options of the pending file that are not omni's: demuxer/decoder options for an input,
// muxer/encoder options for the output. "-key:v" applies to video streams only.
static void resolve_av_options(ParseState& s, bool input) {
  for (auto& [opt, value] : s.pending_av) {
    std::string key = opt.substr(1), spec;
    if (size_t colon = key.find(':'); colon != std::string::npos) spec = key.substr(colon + 1), key.resize(colon);
    AvOpt o{key, value, spec.empty() || !std::strchr("vas", spec[0]) ? char(0) : spec[0]};
    switch (find_av_option(key, input)) {
      case AvOptKind::Format: (input ? s.pending.format_opts : s.job.format_opts).push_back(o); break;
      case AvOptKind::Codec: (input ? s.pending.codec_opts : s.job.codec_opts).push_back(o); break;
      case AvOptKind::None:
        fail("option {} is not an option for an {} file{}", opt, input ? "input" : "output",
             input ? "; put it after the last -i, before the output" : "; put it before the -i it belongs to");
    }
  }
  s.pending_av.clear();
}

const std::vector<ArgDef>& arg_table() {
  using S = ParseState;
  using A = ArgScope;
  static const std::vector<ArgDef> t = {
      // main
      {{"-i"}, "FILE", "input file (repeat for more inputs; options before it apply to it)", A::Global, "main",
       [](S& s, const std::string& v) {
         s.pending.path = v == "-" ? "pipe:0" : v;
         // Before an input, -s and -pix_fmt describe raw video (the demuxer's own options).
         if (!s.pending.size.empty()) s.pending.format_opts.push_back({"video_size", s.pending.size});
         if (!s.pending.pix_fmt.empty()) s.pending.format_opts.push_back({"pixel_format", s.pending.pix_fmt});
         resolve_av_options(s, true);
         s.job.inputs.push_back(s.pending);
         s.pending = {};
         s.pending_used = false;
       }},
      {{"-y"}, nullptr, "overwrite the output without asking", A::Global, "main",
       [](S& s, const std::string&) { s.job.overwrite = Overwrite::Always; }},
      {{"-n"}, nullptr, "never overwrite an existing output (exit with an error instead)", A::Global, "main",
       [](S& s, const std::string&) { s.job.overwrite = Overwrite::Never; }},
      {{"-ss"}, "TIME", "before -i: seek the input to TIME; before the output: drop output before TIME", A::File, "main",
       [](S& s, const std::string& v) { s.pending.ss = parse_time_arg("-ss", v); s.pending_used = true; }},
      {{"-t"}, "DURATION", "read (before -i) or write (before the output) at most DURATION", A::File, "main",
       [](S& s, const std::string& v) { s.pending.t = parse_time_arg("-t", v); s.pending_used = true; }},
      {{"-to"}, "TIME", "stop at position TIME (before -i: input position; else output position)", A::File, "main",
       [](S& s, const std::string& v) { s.pending.to = parse_time_arg("-to", v); s.pending_used = true; }},
      {{"-f"}, "FORMAT", "force the container format (before -i: the demuxer; else the muxer)", A::File, "main",
       [](S& s, const std::string& v) { s.pending.format = v; s.pending_used = true; }},
      {{"-c", "-codec"}, "CODEC", "encoder for every stream, usually copy (-c copy: remux without re-encoding)", A::Output, "main",
       [](S& s, const std::string& v) { s.job.vcodec = s.job.acodec = s.job.scodec = v; }},
      {{"-shortest"}, nullptr, "finish when the shortest output stream ends", A::Output, "main",
       [](S& s, const std::string&) { s.job.shortest = true; }},
      {{"-metadata"}, "KEY=VALUE", "set a metadata tag (an empty value removes it); -metadata:s:a:0 for one stream",
       A::Output, "main", nullptr},
      {{"-map_metadata"}, "N", "copy global and stream tags from input N (default 0); -1 copies none", A::Output, "main",
       [](S& s, const std::string& v) { need_number("-map_metadata", v, -1, 1000); s.job.map_metadata = std::atoi(v.c_str()); }},
      {{"-vf", "-filter:v"}, "GRAPH", "video filtergraph: omni and FFmpeg filters, e.g. \"scale=1280:-2,eq=contrast=1.1\"",
       A::Output, "main", [](S& s, const std::string& v) { s.job.vf = v; }},
      {{"-recipe"}, "NAME[:param=value...]", "a named chain (omni -recipes lists them), before -vf's filters; its output options too",
       A::Output, "main", nullptr},
      {{"-af", "-filter:a"}, "GRAPH", "audio filtergraph (FFmpeg audio filters)", A::Output, "main",
       [](S& s, const std::string& v) { s.job.af = v; }},
      {{"-filter_complex", "-lavfi"}, "GRAPH", "complex filtergraph with labelled inputs/outputs ([0:v], [out]; -map [out])",
       A::Global, "main", [](S& s, const std::string& v) { s.job.filter_complex = v; }},
      {{"-map"}, "SPEC", "select streams: 0, 0:v, 0:a:1, -0:s (exclude), 0:a? (optional), [label]", A::Output, "main",
       [](S& s, const std::string& v) { s.job.maps.push_back(parse_map(v)); }},
      {{"-threads"}, "N", "threads for codecs, filters and models (0 = automatic)", A::Global, "main",
       [](S& s, const std::string& v) { need_number("-threads", v, 0, 1024); s.job.threads = std::atoi(v.c_str()); }},
      {{"-xerror"}, nullptr, "stop at the first decoding or read error (default: warn and go on, as ffmpeg)", A::Global, "main",
       [](S& s, const std::string&) { s.job.xerror = true; }},
      {{"-device"}, "DEV", "where models run: cpu (default), cuda or cuda:N (also OMNI_DEVICE)", A::Global, "main",
       [](S& s, const std::string& v) { s.job.device = v; }},
      // video
      {{"-c:v", "-vcodec", "-codec:v"}, "CODEC", "video encoder (libx264, libx265, ffv1, prores_ks, libvpx-vp9, ...) or copy",
       A::Output, "video", [](S& s, const std::string& v) { s.job.vcodec = v; }},
      {{"-crf"}, "N", "constant quality for x264/x265/vpx (lower is better; x264 default 23)", A::Output, "video",
       [](S& s, const std::string& v) { need_number("-crf", v, -1, 63); s.job.crf = v; }},
      {{"-preset"}, "NAME", "encoder speed preset (ultrafast ... veryslow)", A::Output, "video",
       [](S& s, const std::string& v) { s.job.preset = v; }},
      {{"-tune"}, "NAME", "encoder tuning (film, animation, grain, ...)", A::Output, "video",
       [](S& s, const std::string& v) { s.job.tune = v; }},
      {{"-profile:v", "-profile"}, "NAME", "encoder profile (high, main, 4444, ...)", A::Output, "video",
       [](S& s, const std::string& v) { s.job.profile = v; }},
      {{"-b:v", "-vb"}, "RATE", "video bit rate (e.g. 4M)", A::Output, "video",
       [](S& s, const std::string& v) { s.job.bv = v; }},
      {{"-pix_fmt"}, "FORMAT", "pixel format: of the output (yuv420p, yuv444p10le, yuva420p, ...), or before -i of raw input",
       A::File, "video", [](S& s, const std::string& v) { s.pending.pix_fmt = v; s.pending_used = true; }},
      {{"-g"}, "N", "keyframe interval in frames", A::Output, "video",
       [](S& s, const std::string& v) { need_number("-g", v, 0, 1e9); s.job.gop = v; }},
      {{"-r"}, "RATE",
       "frame rate: before -i, the input's (timestamps made at that rate: image sequences, raw video); "
       "else the output's (frames are dropped or duplicated to keep it)",
       A::File, "video",
       [](S& s, const std::string& v) {
         AVRational r;
         if (av_parse_video_rate(&r, v.c_str()) < 0) fail("-r {}: not a frame rate; use e.g. 25, 30000/1001 or ntsc", v);
         s.pending.rate = v;
         s.pending_used = true;
       }},
      {{"-fps_mode", "-vsync"}, "MODE",
       "cfr (duplicate/drop to a constant rate), vfr (keep timestamps, drop duplicates), passthrough; "
       "default as ffmpeg: cfr for mp4/mov, vfr for mkv/webm",
       A::Output, "video",
       [](S& s, const std::string& v) {
         static const std::vector<std::string> modes = {"cfr", "vfr", "passthrough", "auto", "drop", "0", "1", "2", "-1"};
         if (std::find(modes.begin(), modes.end(), v) == modes.end())
           fail("-fps_mode {}: unknown mode{}; use cfr, vfr, passthrough or auto", v, did_you_mean(v, modes));
         static const std::map<std::string, std::string> numeric = {{"0", "passthrough"}, {"1", "cfr"}, {"2", "vfr"}, {"-1", "auto"}};
         s.job.fps_mode = numeric.count(v) ? numeric.at(v) : v;
         if (s.job.fps_mode == "auto") s.job.fps_mode.clear();
       }},
      {{"-aspect"}, "RATIO", "display aspect ratio of the output (16:9, 4:3, 1.7777)", A::Output, "video",
       [](S& s, const std::string& v) {
         AVRational r;
         if (av_parse_ratio(&r, v.c_str(), 255, 0, nullptr) < 0 || r.num <= 0 || r.den <= 0)
           fail("-aspect {}: not an aspect ratio; use e.g. 16:9 or 1.7777", v);
         s.job.aspect = v;
       }},
      {{"-q:v", "-qscale:v", "-q", "-qscale"}, "Q", "fixed quantiser (quality) for encoders that take one (mpeg2, mjpeg: 1 best .. 31)",
       A::Output, "video",
       [](S& s, const std::string& v) { need_number("-q:v", v, -1, 255); s.job.qscale_v = v; }},
      {{"-s"}, "WxH", "frame size: of the output (scales after the filtergraph), or before -i of raw input", A::File, "video",
       [](S& s, const std::string& v) {
         int w, h;
         if (av_parse_video_size(&w, &h, v.c_str()) < 0) fail("-s {}: not a size; use WxH or a name like hd720", v);
         s.pending.size = v;
         s.pending_used = true;
       }},
      {{"-frames:v", "-vframes"}, "N", "stop after N video frames", A::Output, "video",
       [](S& s, const std::string& v) { need_number("-frames:v", v, 0, 9e18); s.job.frames_v = std::atoll(v.c_str()); }},
      {{"-vn"}, nullptr, "no video in the output", A::Output, "video", [](S& s, const std::string&) { s.job.no_video = true; }},
      {{"-noautorotate"}, nullptr, "do not undo the input's display rotation", A::Global, "video",
       [](S& s, const std::string&) { s.job.autorotate = false; }},
      // audio
      {{"-c:a", "-acodec", "-codec:a"}, "CODEC", "audio encoder or copy (default: copy when the container takes it)", A::Output,
       "audio", [](S& s, const std::string& v) { s.job.acodec = v; }},
      {{"-b:a", "-ab"}, "RATE", "audio bit rate (e.g. 192k)", A::Output, "audio",
       [](S& s, const std::string& v) { s.job.ba = v; }},
      {{"-q:a", "-qscale:a"}, "Q", "fixed audio quality for encoders that take one (libmp3lame: 0 best .. 9)", A::Output, "audio",
       [](S& s, const std::string& v) { need_number("-q:a", v, -1, 255); s.job.qscale_a = v; }},
      {{"-ac"}, "N", "audio channels of the output (re-encodes the audio)", A::Output, "audio",
       [](S& s, const std::string& v) { need_number("-ac", v, 1, 64); s.job.audio_channels = std::atoi(v.c_str()); }},
      {{"-ar"}, "RATE", "audio sample rate of the output in Hz (re-encodes the audio)", A::Output, "audio",
       [](S& s, const std::string& v) { need_number("-ar", v, 1, 1e7); s.job.audio_rate = std::atoi(v.c_str()); }},
      {{"-c:s", "-scodec", "-codec:s"}, "CODEC", "subtitle encoder (mov_text, srt, ass, ...) or copy", A::Output, "audio",
       [](S& s, const std::string& v) { s.job.scodec = v; }},
      {{"-an"}, nullptr, "no audio in the output", A::Output, "audio", [](S& s, const std::string&) { s.job.no_audio = true; }},
      {{"-sn"}, nullptr, "no subtitles in the output", A::Output, "audio", [](S& s, const std::string&) { s.job.no_subs = true; }},
      // reporting
      {{"-loglevel", "-v"}, "LEVEL", "quiet, error, warning (default), info, verbose, debug", A::Global, "report",
       [](S&, const std::string& v) { parse_loglevel(v); }},
      {{"-stats"}, nullptr, "print progress on stderr even when it is not a terminal", A::Global, "report",
       [](S& s, const std::string&) { s.job.stats = true; s.job.stats_forced = true; }},
      {{"-nostats"}, nullptr, "print no progress line (quiet CI logs)", A::Global, "report",
       [](S& s, const std::string&) { s.job.stats = false; s.job.stats_forced = true; }},
      {{"-progress"}, "URL", "write key=value progress blocks to URL (pipe:1 for stdout, or a file)", A::Global, "report",
       [](S& s, const std::string& v) { s.job.progress_url = v; }},
      {{"-hide_banner"}, nullptr, "accepted for ffmpeg habits (omni prints no banner)", A::Global, "report",
       [](S&, const std::string&) {}},
      // information
      {{"-h", "-help", "--help"}, nullptr, "this help; -h filter=NAME for one filter's options", A::Global, "info",
       [](S& s, const std::string&) { s.actions.push_back("help"); }},
      {{"-filters"}, nullptr, "list omni's and FFmpeg's filters", A::Global, "info",
       [](S& s, const std::string&) { s.actions.push_back("filters"); }},
      {{"-recipes"}, nullptr, "list the recipes (presets/recipes.toml, ~/.config/omni/recipes.toml)", A::Global, "info",
       [](S& s, const std::string&) { s.actions.push_back("recipes"); }},
      {{"-version", "--version"}, nullptr, "show the version and the libraries omni was built with", A::Global, "info",
       [](S& s, const std::string&) { s.actions.push_back("version"); }},
      {{"-buildconf"}, nullptr, "show the build configuration (libraries, LibTorch, devices)", A::Global, "info",
       [](S& s, const std::string&) { s.actions.push_back("buildconf"); }},
      {{"-manpage"}, nullptr, "print the man page (roff), generated from these tables", A::Global, "info",
       [](S& s, const std::string&) { s.actions.push_back("manpage"); }},
  };
  return t;
}

int loglevel_from_args(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "-loglevel" || args[i] == "-v") return parse_loglevel(args[i + 1]);
  return AV_LOG_WARNING;
}

const ArgDef* find_arg(const std::string& name) {
  for (const auto& d : arg_table())
    for (const auto& n : d.names)
      if (n == name) return &d;
  return nullptr;
}

ParseState parse_args(const std::vector<std::string>& given) {
  ParseState s;
  std::vector<std::string> args = given;
  std::vector<std::string> all_names;
  for (const auto& d : arg_table())
    for (const auto& n : d.names) all_names.push_back(n);
  std::vector<std::string> outputs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      outputs.push_back(a);
      continue;
    }
    const ArgDef* def = find_arg(a);
    if (!def && a.size() > 2) {
      // "-c:a:1 libopus", "-b:v:0 2M": for one output stream of that type. Other table options
      // with an index ("-q:v:0") apply to every stream of the type.
      size_t colon = a.rfind(':');
      if (colon != std::string::npos && colon + 1 < a.size() && a.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        std::string base = a.substr(0, colon);
        static const std::map<std::string, std::pair<char, const char*>> per_stream = {
            {"-c:v", {'v', "c"}}, {"-codec:v", {'v', "c"}}, {"-c:a", {'a', "c"}}, {"-codec:a", {'a', "c"}},
            {"-c:s", {'s', "c"}}, {"-codec:s", {'s', "c"}}, {"-b:v", {'v', "b"}}, {"-b:a", {'a', "b"}}};
        if (auto it = per_stream.find(base); it != per_stream.end()) {
          if (i + 1 >= args.size()) fail("option {} needs a value", a);
          s.job.stream_opts.push_back({it->second.first, std::atoi(a.c_str() + colon + 1), it->second.second, args[++i]});
          continue;
        }
        def = find_arg(base);
      }
    }
    if (a == "-recipe") {
      // The recipe's chain goes before -vf's; its output options are read here, as if given.
      if (i + 1 >= args.size()) fail("option -recipe needs a value (NAME[:param=value...])");
      if (!s.recipe_chain.empty()) fail("-recipe given twice; a recipe is one chain (put the second's filters in -vf)");
      RecipeUse r = use_recipe(args[++i]);
      s.recipe_chain = r.chain;
      args.insert(args.begin() + long(i) + 1, r.args.begin(), r.args.end());
      continue;
    }
    if (a == "-metadata" || a.rfind("-metadata:", 0) == 0) {
      if (i + 1 >= args.size()) fail("option {} needs a value (KEY=VALUE)", a);
      s.job.metadata.push_back(parse_metadata(a, args[++i]));
      continue;
    }
    if (!def) {
      // Any option of a muxer/demuxer or encoder/decoder passes through, as in ffmpeg; which
      // side it is for is known at the next -i (input) or the output name.
      std::string key = a.substr(1);
      if (size_t colon = key.find(':'); colon != std::string::npos) key.resize(colon);
      if (find_av_option(key, false) == AvOptKind::None && find_av_option(key, true) == AvOptKind::None)
        fail("unknown option '{}'{}; omni -h lists the options", a, did_you_mean(a, all_names));
      if (i + 1 >= args.size()) fail("option {} needs a value", a);
      s.pending_av.emplace_back(a, args[++i]);
      continue;
    }
    if (def->hint) {
      if (i + 1 >= args.size()) fail("option {} needs a value ({})", a, def->hint);
      def->apply(s, args[++i]);
    } else {
      def->apply(s, "");
    }
    if (a == "-h" || a == "-help" || a == "--help") {
      if (i + 1 < args.size() && args[i + 1].rfind("filter=", 0) == 0) s.action_arg = args[++i];
      else if (i + 1 < args.size() && (args[i + 1] == "long" || args[i + 1] == "full")) ++i;
    }
  }
  if (!s.actions.empty()) return s;
  if (outputs.size() > 1)
    fail("more than one output given ('{}' and '{}'); omni writes one output per run", outputs[0], outputs[1]);
  if (outputs.empty()) {
    if (s.job.inputs.empty()) fail("no input and no output given; usage: omni -i INPUT [-vf GRAPH] OUTPUT (omni -h for more)");
    fail("no output file given; usage: omni -i INPUT [-vf GRAPH] OUTPUT");
  }
  s.job.output = outputs[0] == "-" ? "pipe:1" : outputs[0];  // ffmpeg's "-" is standard output
  // Per-file options given after the last -i belong to the output.
  if (s.pending_used) {
    s.job.ss = s.pending.ss;
    s.job.t = s.pending.t;
    s.job.to = s.pending.to;
    s.job.format = s.pending.format;
    s.job.rate = s.pending.rate;
    s.job.size = s.pending.size;
    s.job.pix_fmt = s.pending.pix_fmt;
  }
  resolve_av_options(s, false);
  if (s.job.inputs.empty()) fail("no input given; use -i FILE");
  if (!s.recipe_chain.empty()) {
    if (!s.job.filter_complex.empty()) fail("-recipe and -filter_complex: a recipe is a simple chain; put its filters in the complex graph");
    s.job.vf = s.job.vf.empty() ? s.recipe_chain : s.recipe_chain + "," + s.job.vf;
  }
  return s;
}

}  // namespace omni

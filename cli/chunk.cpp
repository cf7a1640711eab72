// omni chunk / omni join: one long video over many machines, as Av1an does for encoding.
//   omni chunk -i long.mp4 -vf "remove=people" -c:v libx264 -crf 18 --chunks 8 -o work/
//   cd work && parallel -j 2 < jobs.txt        (or a Slurm array, a Kubernetes Job: one line each)
//   omni join work/ out.mp4
// chunk cuts the video's packets (no re-encoding) where decoding can start, each chunk carrying
// the frames before and after it that the chain's temporal filters need (their declared window,
// learned by running the chain on the first frames). Each line of jobs.txt is an ordinary omni
// command on one chunk whose chain ends in trim=, so its piece holds exactly the chunk's own
// frames; join checks every piece and concatenates their packets behind the original's audio.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "core/error.h"
#include "core/filtergraph/filtergraph.h"
#include "core/media/chunks.h"
#include "core/perception/models.h"

extern "C" {
#include <libavutil/log.h>
}

namespace omni {

namespace fs = std::filesystem;

namespace {

const char* kChunkUsage =
    "usage: omni chunk -i INPUT [omni options] -o FOLDER [--chunks N | --every SECONDS] [--overlap FRAMES] [--dry-run] [-y|-n]\n"
    "  -i INPUT          the long video (one file)\n"
    "  -o FOLDER         where the chunks, manifest.json and jobs.txt go (made if missing)\n"
    "  --chunks N        this many chunks (default 4)\n"
    "  --every SECONDS   a chunk about every SECONDS instead\n"
    "  --overlap FRAMES  frames each chunk carries before and after its own (default: the chain's temporal\n"
    "                    filters' declared window, at least a second of frames when there is one; 0 for stateless chains)\n"
    "  --no-scenes       do not look for shot cuts (saves decoding the video once)\n"
    "  --dry-run         print the plan, write nothing\n"
    "Every other option is omni's and goes into each chunk's job (-vf, -recipe, -c:v, -crf ...). Cuts fall on\n"
    "keyframes, at a shot cut where one is near; nothing is re-encoded. Then run each line of FOLDER/jobs.txt\n"
    "from inside FOLDER, anywhere (parallel -j 2 < jobs.txt, a Slurm array, a Kubernetes Indexed Job; $OMNI\n"
    "names the binary), and: omni join FOLDER OUTPUT\n";

const char* kJoinUsage =
    "usage: omni join FOLDER|FOLDER/manifest.json OUTPUT [-i ORIGINAL] [-f FORMAT] [-an] [-y|-n]\n"
    "  Concatenates the processed pieces of omni chunk without re-encoding and copies the original's audio\n"
    "  untouched. -i names the original when it has moved since omni chunk ran; -an leaves the audio out.\n";

std::string sh_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=+-,@%") == std::string::npos) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Appends the chunk's trim to the chain of one -vf (or adds a -vf): the piece holds only the chunk's own frames.
std::vector<std::string> job_options(const std::vector<std::string>& opts, int64_t first, int64_t end) {
  const std::string trim = fmt::format("trim=start_frame={}:end_frame={},setpts=PTS-STARTPTS", first, end);
  std::vector<std::string> out = opts;
  bool done = false;
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == "-vf" || out[i] == "-filter:v" || out[i] == "-filter:v:0") {
      out[i + 1] += "," + trim;
      done = true;
      break;
    }
  if (!done) out.insert(out.end(), {"-vf", trim});
  return out;
}

// Runs the chain on the input's first frames, as a job into /dev/null (Matroska holds any codec), and adds up the windows its
// omni filters declare once configured.
// What a chain's omni filters declare once configured.
struct Declared {
  std::map<std::string, int> windows;  // the filters that carry state between frames: frames held
  std::vector<std::string> stateless;  // the others
};

// A chain that fails there has said why in one line (run_job); its exit status is returned in `rc`.
Declared probe_windows(const std::string& input, const std::vector<std::string>& opts, AVRational rate, int& rc) {
  const double seconds = rate.num > 0 ? std::max(0.3, 3.0 * rate.den / rate.num + 0.01) : 1.0;
  std::vector<std::string> args = {"-t", fmt::format("{:.3f}", seconds), "-i", input};
  args.insert(args.end(), opts.begin(), opts.end());
  args.insert(args.end(), {"-an", "-y", "-nostats", "-f", "matroska", "/dev/null"});
  ParseState st = parse_args(args);
  set_model_options(st.job.threads, st.job.device);
  Declared d;
  st.job.on_filter_configured = [&](const char* name, int window, bool stateless) {
    if (stateless) d.stateless.push_back(name);
    else d.windows[name] += window;
  };
  const int level = av_log_get_level();
  av_log_set_level(std::min(level, AV_LOG_ERROR));
  rc = run_job(st.job);
  av_log_set_level(level);
  return d;
}

// Where a chunk's own frames begin, near `target` (within `reach` frames): the nearest keyframe
// that starts a shot (a chain's state restarts there in a whole run too), else the nearest
// keyframe (nothing decoded twice for a stateless chain), else the target itself.
struct Bound {
  int64_t frame;
  const char* at;  // "shot cut", "keyframe", "frame"
};
Bound snap(const VideoIndex& idx, const std::vector<float>& change, int64_t target, int64_t reach) {
  auto usable = [&](int64_t i) { return i > 0 && i < idx.frames() && idx.start_ok[size_t(i)]; };
  for (int64_t d = 0; d <= reach; ++d)
    for (int64_t i : {target - d, target + d})
      if (usable(i) && is_shot_cut(change, i)) return {i, "shot cut"};
  for (int64_t d = 0; d <= reach; ++d)
    for (int64_t i : {target - d, target + d})
      if (usable(i)) return {i, "keyframe"};
  return {target, "frame"};
}

// `text` into `path`, under a temporary name renamed when complete.
void write_whole(const std::string& path, const std::string& text) {
  std::error_code ec;
  {
    std::ofstream f(path + ".tmp", std::ios::trunc);
    f << text;
    if (!f.flush()) fail("chunk: cannot write {}", path);
  }
  fs::rename(path + ".tmp", path, ec);
  if (ec) fail("chunk: cannot write {}", path);
}

std::string manifest_path(const std::string& where) {
  std::error_code ec;
  return fs::is_directory(where, ec) ? (fs::path(where) / "manifest.json").string() : where;
}

nlohmann::json read_manifest(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail("join: '{}': no such manifest; omni chunk writes it into its -o folder", path);
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    fail("join: '{}': not a manifest omni chunk wrote ({})", path, e.what());
  }
  if (!m.is_object() || m.value("omni", "") != "chunks" || !m.contains("chunks"))
    fail("join: '{}': not a manifest omni chunk wrote", path);
  return m;
}

}  // namespace

int chunk_main(const std::vector<std::string>& args) {
  std::string input, folder;
  std::vector<std::string> opts;  // omni's, for each chunk's job
  int chunks = 0;
  double every = 0;
  int64_t overlap = -1;
  bool dry = false, scenes = true;
  Overwrite mode = Overwrite::Ask;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail("chunk: option {} needs a value", a);
      return args[++i];
    };
    auto number = [&](double lo, double hi) {
      const std::string& v = value();
      char* end = nullptr;
      const double n = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(n >= lo && n <= hi)) fail("chunk: {} {}: give a number from {} to {}", a, v, lo, hi);
      return n;
    };
    if (a == "-h" || a == "--help" || a == "-help") {
      fputs(kChunkUsage, stdout);
      return 0;
    }
    if (a == "-i") {
      if (!input.empty()) fail("chunk: one input at a time (-i given twice)");
      input = value();
    } else if (a == "-o") folder = value();
    else if (a == "--chunks") chunks = int(number(1, 100000));
    else if (a == "--every") every = number(0.1, 1e7);
    else if (a == "--overlap") overlap = int64_t(number(0, 1e6));
    else if (a == "--dry-run") dry = true;
    else if (a == "--no-scenes") scenes = false;
    else if (a == "-y") mode = Overwrite::Always;
    else if (a == "-n") mode = Overwrite::Never;
    else if (a.size() >= 2 && a[0] == '-') {
      const ArgDef* d = find_arg(a);
      // Global options (-v, -threads, -nostats ...) anywhere; a per-file option before -i would be the input's.
      if (input.empty() && (!d || d->scope == ArgScope::File))
        fail("chunk: '{}' before -i: input options are not taken (cut the input first); give omni's options after -i", a);
      if (!d && a.rfind("--", 0) == 0)
        fail("chunk: unknown option '{}'{}; omni chunk -h lists them", a, did_you_mean(a, {"--chunks", "--every", "--overlap", "--dry-run", "--no-scenes", "--help"}));
      opts.push_back(a);
      if (!d || d->hint) opts.push_back(value());
    } else {
      fail("chunk: '{}': chunks go into the folder named by -o FOLDER (omni chunk -h)", a);
    }
  }
  if (input.empty()) fail("chunk: no input; use -i FILE (omni chunk -h)");
  if (input == "-" || input.rfind("pipe:", 0) == 0) fail("chunk: -i {}: chunk reads its input three times; give a file", input);
  install_signal_handlers();
  if (folder.empty()) fail("chunk: no -o FOLDER for the chunks (omni chunk -h)");
  if (chunks && every > 0) fail("chunk: --chunks and --every both given; choose one");
  if (!chunks && every <= 0) chunks = 4;
  std::vector<std::string> stock_temporal;  // libavfilter filters of the chain that use neighbouring frames
  {
    // What each job will be: refuse what cannot be split by time here.
    std::vector<std::string> check = {"-i", input};
    check.insert(check.end(), opts.begin(), opts.end());
    check.push_back("out.mkv");
    const ParseState st = parse_args(check);
    const Job& j = st.job;
    if (!j.filter_complex.empty()) fail("chunk: -filter_complex is not taken; give the chain as -vf");
    if (!j.af.empty()) fail("chunk: -af is not taken: join carries the original's audio untouched");
    if (j.ss >= 0 || j.t >= 0 || j.to >= 0 || j.frames_v >= 0)
      fail("chunk: -ss, -t, -to and -frames would apply to every chunk; cut the input first, or trim the joined output");
    if (!j.maps.empty()) fail("chunk: -map is not taken: each chunk holds the video alone, join adds the original's audio");
    if (!st.actions.empty()) fail("chunk: '{}' is not a job's option", st.actions[0]);
    // Stock filters: those that change the number or order of frames cannot be trimmed by frame
    // number; those that look at neighbouring frames need an overlap like a temporal omni filter.
    static const std::set<std::string> recount = {"fps", "framerate", "select", "framestep", "decimate", "mpdecimate", "reverse",
                                                  "loop", "trim", "tpad", "minterpolate", "tinterlace", "interlace", "telecine",
                                                  "detelecine", "shuffleframes", "random", "separatefields", "weave", "doubleweave"};
    static const std::set<std::string> temporal = {"tmix", "tblend", "deflicker", "atadenoise", "hqdn3d", "lagfun", "tmedian", "deshake",
                                                   "vidstabtransform", "photosensitivity", "yadif", "bwdif", "w3fdif", "fieldmatch",
                                                   "mestimate", "bm3d", "dedot"};
    if (!j.vf.empty())
      for (const auto& chain : parse_filtergraph(j.vf).chains)
        for (const FilterNode& f : chain) {
          if (recount.count(f.name)) fail("chunk: {} changes the number or order of frames, so a chunk's frames could not be kept by number; run it on the joined output", f.name);
          if (temporal.count(f.name)) stock_temporal.push_back(f.name);
        }
  }

  const VideoIndex idx = index_video(input);
  const int64_t frames = idx.frames();
  // The overlap: what the chain's temporal filters declare they hold, and at least a second of
  // frames when any does (trackers and stabilisers remember longer than they hold).
  int rc = 0;
  const Declared decl = probe_windows(input, opts, idx.frame_rate, rc);
  if (rc != 0) return rc;
  std::map<std::string, int> windows = decl.windows;
  for (const std::string& f : stock_temporal) windows[f] += 0;
  int64_t declared = 0;
  for (const auto& [name, w] : windows) declared += w;
  const int64_t second = idx.frame_rate.num > 0 ? int64_t(std::lround(av_q2d(idx.frame_rate))) : 25;
  if (overlap < 0) overlap = windows.empty() ? 0 : std::max(declared, second);
  else if (overlap < declared)
    av_log(nullptr, AV_LOG_WARNING, "chunk: --overlap %lld is less than the chain's declared window (%lld frames): frames near the joins will differ more\n",
           (long long)overlap, (long long)declared);

  // Where each chunk's own frames begin: evenly spaced (or every SECONDS), moved within a quarter
  // of a chunk to a shot cut or a keyframe.
  const std::vector<float> change = scenes ? frame_changes(input, idx) : std::vector<float>{};
  std::vector<int64_t> bounds = {0};
  std::vector<std::string> at = {"start"};
  const int n = chunks ? chunks : std::max(1, int(std::ceil(frames / (every * av_q2d(idx.frame_rate) + 1e-9))));
  for (int k = 1; k < n; ++k) {
    const Bound b = snap(idx, change, frames * k / n, std::max<int64_t>(0, frames / n / 4));
    if (b.frame > bounds.back() && b.frame < frames) bounds.push_back(b.frame), at.push_back(b.at);
  }
  bounds.push_back(frames);
  int shot_cuts = 0;
  for (const std::string& a : at) shot_cuts += a == "shot cut";
  if (int64_t(bounds.size()) - 1 < n)
    av_log(nullptr, AV_LOG_WARNING, "chunk: %d chunks asked, %zu made (the video has %lld frames)\n", n, bounds.size() - 1, (long long)frames);

  std::vector<int64_t> sorted = idx.pts;
  std::sort(sorted.begin(), sorted.end());
  std::vector<ChunkCut> cuts;
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::string> jobs;
  int64_t decoded = 0;
  int keyframes = 0;
  for (uint8_t k : idx.start_ok) keyframes += k;
  for (size_t k = 0; k + 1 < bounds.size(); ++k) {
    const int64_t keep0 = bounds[k], keep1 = bounds[k + 1];
    int64_t from = std::max<int64_t>(0, keep0 - overlap), to = std::min(frames, keep1 + overlap);
    while (from > 0 && !idx.start_ok[size_t(from)]) --from;
    while (to < frames && !idx.end_ok[size_t(to)]) ++to;
    const std::string file = fmt::format("chunk-{:03}.{}", k, chunk_extension(idx));
    const std::string piece = fmt::format("piece-{:03}.mkv", k);
    cuts.push_back({from, to, (fs::path(folder) / file).string()});
    decoded += to - from;
    std::string line = "${OMNI:-omni} -y -i " + file;
    for (const std::string& o : job_options(opts, keep0 - from, keep1 - from)) line += " " + sh_quote(o);
    line += " -an " + piece;
    jobs.push_back(line);
    list.push_back({{"chunk", file}, {"piece", piece}, {"from", from}, {"to", to}, {"keep", {keep0, keep1}},
                    {"start_pts", sorted[size_t(keep0)]}, {"begins_at", at[k]}, {"job", line}});
  }
  const double extra = 100.0 * double(decoded - frames) / double(frames);
  if (dry) {
    for (const auto& c : list)
      fmt::print("{}: frames {}-{} (keeps {}-{}, begins at a {}) -> {}\n", c["chunk"].get<std::string>(), c["from"].get<int64_t>(),
                 c["to"].get<int64_t>() - 1, c["keep"][0].get<int64_t>(), c["keep"][1].get<int64_t>() - 1, c["begins_at"].get<std::string>(),
                 c["piece"].get<std::string>());
    fmt::print(stderr, "omni: chunk: {} chunks, overlap {} frames, {:.1f} % of the frames processed twice; nothing written (--dry-run)\n",
               list.size(), overlap, extra);
    return 0;
  }

  std::error_code ec;
  fs::create_directories(folder, ec);
  if (!fs::is_directory(folder, ec)) fail("chunk: -o {}: cannot make that folder", folder);
  const std::string mpath = (fs::path(folder) / "manifest.json").string();
  if (fs::exists(mpath, ec)) {
    if (mode != Overwrite::Always) fail("chunk: {} already holds chunks (manifest.json); add -y to replace them", folder);
    // The old pieces go too: join must never take a piece of another chain or cut.
    try {
      std::ifstream f(mpath);
      const nlohmann::json old = nlohmann::json::parse(f);
      for (const auto& c : old.at("chunks")) {
        fs::remove(fs::path(folder) / c.at("piece").get<std::string>(), ec);
        fs::remove(fs::path(folder) / c.at("chunk").get<std::string>(), ec);
      }
    } catch (const std::exception&) {
    }
    fs::remove(mpath, ec);
  }
  write_chunks(input, idx, cuts, mode == Overwrite::Never ? Overwrite::Never : Overwrite::Always);

  nlohmann::json m = {{"omni", "chunks"},
                      {"version", 1},
                      {"input", fs::absolute(input).lexically_normal().string()},
                      {"frames", frames},
                      {"time_base", {idx.time_base.num, idx.time_base.den}},
                      {"frame_rate", {idx.frame_rate.num, idx.frame_rate.den}},
                      {"options", opts},
                      {"overlap", overlap},
                      {"windows", windows},
                      {"stateless", decl.stateless},
                      {"chunks", list}};
  std::string lines;
  for (const std::string& l : jobs) lines += l + "\n";
  write_whole((fs::path(folder) / "jobs.txt").string(), lines);
  write_whole(mpath, m.dump(2) + "\n");  // the manifest last: a folder with one is complete
  std::string why;
  for (const auto& [name, w] : windows) why += fmt::format("{}{} {}", why.empty() ? "" : ", ", name, w);
  if (av_log_get_level() < AV_LOG_WARNING) return 0;  // -v error: quiet, as ffmpeg's notices are
  fmt::print(stderr,
             "omni: chunk: {} chunks of {} frames in {} ({} keyframes to cut at, {} joins at shot cuts); overlap {} frames{}; {:.1f} % of "
             "the frames are processed twice\n",
             list.size(), frames, folder, keyframes, shot_cuts, overlap, why.empty() ? " (stateless chain)" : " (windows: " + why + ")", extra);
  fmt::print(stderr, "omni: chunk: next: cd {} && parallel -j 2 < jobs.txt   (one line per chunk, anywhere), then: omni join {} OUTPUT\n",
             sh_quote(folder), sh_quote(folder));
  return 0;
}

int join_main(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  std::string original, format;
  bool no_audio = false;
  Overwrite mode = Overwrite::Ask;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail("join: option {} needs a value", a);
      return args[++i];
    };
    if (a == "-h" || a == "--help" || a == "-help") {
      fputs(kJoinUsage, stdout);
      return 0;
    }
    if (a == "-i") original = value();
    else if (a == "-f") format = value();
    else if (a == "-an") no_audio = true;
    else if (a == "-y") mode = Overwrite::Always;
    else if (a == "-n") mode = Overwrite::Never;
    else if (const ArgDef* d = find_arg(a); d && d->scope == ArgScope::Global) {
      if (d->hint) value();  // -v LEVEL, -threads N ...: read (the log level already at start-up), nothing else to do here
    } else if (a.size() >= 2 && a[0] == '-')
      fail("join: unknown option '{}'{}; omni join -h lists them", a, did_you_mean(a, {"-i", "-f", "-an", "-y", "-n", "-h"}));
    else pos.push_back(a);
  }
  install_signal_handlers();
  if (pos.size() != 2) fail("join: give the chunk folder and the output: omni join FOLDER OUTPUT (omni join -h)");
  const std::string mpath = manifest_path(pos[0]);
  const nlohmann::json m = read_manifest(mpath);
  const fs::path dir = fs::path(mpath).parent_path();
  JoinPlan plan;
  try {
    plan.time_base = {m.at("time_base")[0].get<int>(), m.at("time_base")[1].get<int>()};
    for (const auto& c : m.at("chunks")) {
      JoinPiece p;
      p.path = (dir / c.at("piece").get<std::string>()).string();
      p.frames = c.at("keep")[1].get<int64_t>() - c.at("keep")[0].get<int64_t>();
      p.start_pts = c.at("start_pts").get<int64_t>();
      std::error_code ec;
      if (!fs::exists(p.path, ec))
        fail("join: '{}' is missing; run its line of {} (from inside {})", p.path, (dir / "jobs.txt").string(), dir.empty() ? "." : dir.string());
      plan.pieces.push_back(p);
    }
    if (!no_audio) plan.audio_from = original.empty() ? m.at("input").get<std::string>() : original;
  } catch (const nlohmann::json::exception& e) {
    fail("join: '{}': not a manifest omni chunk wrote ({})", mpath, e.what());
  }
  std::error_code ec;
  if (!plan.audio_from.empty() && !fs::exists(plan.audio_from, ec))
    fail("join: the original '{}' is gone (its audio is copied from it); name it with -i ORIGINAL, or -an for none", plan.audio_from);
  plan.output = pos[1];
  plan.format = format;
  plan.overwrite = mode;
  const JoinResult r = join_pieces(plan);
  if (av_log_get_level() >= AV_LOG_WARNING)
    fmt::print(stderr, "omni: join: {} pieces, {} frames{} -> {}\n", plan.pieces.size(), r.video_packets,
             r.audio_streams ? fmt::format(", {} audio stream{} copied ({} packets)", r.audio_streams, r.audio_streams > 1 ? "s" : "", r.audio_packets) : "",
             plan.output);
  return 0;
}

}  // namespace omni

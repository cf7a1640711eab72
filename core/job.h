// Job: everything one `omni` command line asks for, as plain data. cli/ fills it from argv;
// core/pipeline.cpp runs it. Times are in seconds; a negative value means "not given".
#pragma once
#include <string>
#include <vector>

namespace omni {

struct InputSpec {
  std::string path;
  std::string format;   // -f before -i: force a demuxer
  double ss = -1;       // -ss before -i: seek (accurate: frames before the point are dropped)
  double t = -1;        // -t before -i: read at most this long
  double to = -1;       // -to before -i: stop reading at this position
};

struct MapSpec {
  bool negative = false;   // -map -0:s
  bool optional = false;   // trailing '?'
  std::string label;       // -map [out] (a filtergraph output), else:
  int file = -1;
  char type = 0;           // 'v', 'a', 's', 'd', 't' or 0 for any
  int index = -1;          // stream index (within the type when type is set), -1 = all
};

enum class Overwrite { Ask, Always, Never };  // default, -y, -n

struct Job {
  std::vector<InputSpec> inputs;
  std::string output;
  std::string format;       // -f after the inputs: force a muxer
  std::string vf, af, filter_complex;
  std::vector<MapSpec> maps;
  std::string vcodec, acodec, scodec;
  std::string crf, preset, bv, ba, pix_fmt, gop, profile, tune;
  std::string rate;         // -r
  std::string size;         // -s
  std::vector<std::pair<std::string, std::string>> codec_opts;  // other -key value for encoders
  bool no_audio = false, no_video = false, no_subs = false;
  long long frames_v = -1;  // -frames:v / -vframes
  double ss = -1, t = -1, to = -1;  // output-side -ss / -t / -to
  int threads = 0;
  std::string device;       // -device / OMNI_DEVICE: cpu, cuda, cuda:N ("" = cpu)
  Overwrite overwrite = Overwrite::Ask;
  bool stats = true;        // -stats / -nostats
  bool stats_forced = false;
  std::string progress_url; // -progress
  bool autorotate = true;   // -noautorotate turns it off
};

// Runs the job. Returns the process exit status: 0, 1 on error (after printing one line), or
// 255 when interrupted by SIGINT/SIGTERM (the output is finalised and playable).
int run_job(const Job& job);

// Installs the SIGINT/SIGTERM handlers that make run_job stop reading and finalise.
void install_signal_handlers();

}  // namespace omni

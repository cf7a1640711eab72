// Job: everything one `omni` command line asks for, as plain data. cli/ fills it from argv;
// core/media/pipeline.cpp runs it. Times are in seconds; a negative value means "not given".
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace omni {

// An option for a library object (-movflags, -framerate, -x264-params ...), as ffmpeg passes any
// AVOption of a muxer/demuxer or encoder/decoder through. `type` is the stream specifier's letter
// ('v', 'a', 's') or 0 for every stream.
struct AvOpt {
  std::string key, value;
  char type = 0;
};

struct MetadataSpec {
  bool stream = false;   // -metadata:s:... (else the file's own)
  char type = 0;         // stream type letter, 0 = any
  int index = -1;        // within the type (or among all streams), -1 = every match
  std::string key, value;  // empty value removes the key
};

struct InputSpec {
  std::string path;
  std::string rate;     // -r before -i: the input's frame rate (timestamps regenerated at that rate)
  std::string size, pix_fmt;  // -s, -pix_fmt before -i: raw video's frame size and format
  std::vector<AvOpt> format_opts;  // demuxer options (-framerate, -pattern_type, -video_size ...)
  std::vector<AvOpt> codec_opts;   // decoder options
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
  std::vector<AvOpt> codec_opts;   // other -key[:v|a|s] value for encoders
  // -c:a:1 / -b:v:0: an encoder or bit rate for one output stream (key "c" or "b", index among
  // the output streams of that type); the plain -c:a / -b:a is the default for the others.
  struct StreamOpt {
    char type;
    int index;
    std::string key, value;
  };
  std::vector<StreamOpt> stream_opts;
  std::vector<AvOpt> format_opts;  // -key value for the muxer (-movflags +faststart, -update 1)
  std::vector<MetadataSpec> metadata;  // -metadata[:s:v|a|s[:N]] key=value
  int map_metadata = 0;            // input whose metadata is copied; -1: none (-map_metadata -1)
  std::string qscale_v, qscale_a;  // -q:v / -q:a (fixed quantiser)
  int audio_channels = 0, audio_rate = 0;  // -ac, -ar (0: as the input)
  bool shortest = false;           // -shortest: end with the shortest output stream
  std::string aspect;              // -aspect 16:9: display aspect ratio
  std::string fps_mode;            // -fps_mode / -vsync: cfr, vfr, passthrough ("" = the muxer's default)
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
  bool update = false;      // -update 1: an image file output is rewritten with each frame
  bool xerror = false;      // -xerror: stop at the first damaged packet instead of going on
  bool nested = false;
  // Told each omni filter's name, window() and stateless() once configured: how omni chunk learns
  // the overlap a chain needs (a probe run on the input's first frames).
  std::function<void(const char* filter, int window, bool stateless)> on_filter_configured;      // a filter's first pass inside another run: an interrupt is the outer run's to report
};

// Runs the job. Returns the process exit status: 0, 1 on error (after printing one line), or
// 255 when interrupted by SIGINT/SIGTERM (the output is finalised and playable).
int run_job(const Job& job);

// Installs the SIGINT/SIGTERM handlers that make run_job stop reading and finalise.
void install_signal_handlers();
// True once SIGINT or SIGTERM has arrived (for loops outside run_job: omni chunk, omni join).
bool stop_requested();

}  // namespace omni

#include "core/media/progress.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

extern "C" {
#include <libavformat/avio.h>
}

namespace omni {

static std::string hms(double t) {
  if (t < 0) t = 0;
  int64_t cs = int64_t(std::llround(t * 100));
  return fmt::format("{:02}:{:02}:{:02}.{:02}", cs / 360000, (cs / 6000) % 60, (cs / 100) % 60, cs % 100);
}

static std::string hms_us(int64_t us) {
  if (us < 0) us = 0;
  return fmt::format("{:02}:{:02}:{:02}.{:06}", us / 3600000000, (us / 60000000) % 60, (us / 1000000) % 60, us % 1000000);
}

Progress::Progress(bool stats, const std::string& url) : stats_(stats) {
  start_ = last_ = std::chrono::steady_clock::now();
  if (!url.empty()) {
    if (int r = avio_open(&pb_, url.c_str(), AVIO_FLAG_WRITE); r < 0)
      fail("-progress {}: cannot open: {}", url, av_error_text(r));
  }
}

Progress::~Progress() {
  if (pb_) avio_closep(&pb_);
}

bool Progress::due(bool final) const {
  return final || std::chrono::steady_clock::now() - last_ >= std::chrono::milliseconds(500);
}

void Progress::update(const ProgressState& s, bool final) {
  if (!due(final)) return;
  auto now = std::chrono::steady_clock::now();
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double fps = elapsed > 0 ? s.frames / elapsed : 0;
  double speed = elapsed > 0 ? s.out_time / elapsed : 0;
  double kbits = s.out_time > 0 ? s.bytes * 8 / s.out_time / 1000 : -1;
  if (stats_) {
    std::string line = fmt::format("frame={:5} fps={:3.0f} q={:.1f} size={:8}kB time={} bitrate={} speed={:.3g}x",
                                   s.frames, fps, s.quality < 0 ? -1.0 : s.quality, s.bytes / 1024, hms(s.out_time),
                                   kbits < 0 ? std::string("N/A") : fmt::format("{:6.1f}kbits/s", kbits), speed);
    if (s.duration > 0 && speed > 0 && !final) line += " eta=" + hms((s.duration - s.out_time) / speed);
    fprintf(stderr, "%s    %c", line.c_str(), final ? '\n' : '\r');
    fflush(stderr);
    printed_ = true;
  }
  if (pb_) {
    // One value, three spellings: out_time_us, out_time_ms (also microseconds, as in ffmpeg) and
    // out_time agree to the microsecond.
    const int64_t out_us = std::llround(s.out_time * 1e6);
    std::string b = fmt::format(
        "frame={}\nfps={:.2f}\nstream_0_0_q={:.1f}\nbitrate={}\ntotal_size={}\nout_time_us={}\nout_time_ms={}\n"
        "out_time={}\ndup_frames=0\ndrop_frames=0\nspeed={}\nprogress={}\n",
        s.frames, fps, s.quality < 0 ? -1.0 : s.quality,
        kbits < 0 ? std::string("N/A") : fmt::format("{:.1f}kbits/s", kbits), s.bytes,
        out_us, out_us, hms_us(out_us),
        speed > 0 ? fmt::format("{:.3g}x", speed) : std::string("N/A"), final ? "end" : "continue");
    avio_write(pb_, reinterpret_cast<const unsigned char*>(b.data()), int(b.size()));
    avio_flush(pb_);
  }
}

}  // namespace omni

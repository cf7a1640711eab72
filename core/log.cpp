#include "core/log.h"

#include <exception>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace omni {

static std::mutex mu;
static std::string last_error;
static int level = AV_LOG_WARNING;
static int holding = 0;
static std::string held;

static void callback(void* avcl, int lvl, const char* fmt, va_list vl) {
  if (lvl > AV_LOG_ERROR && lvl > level) return;
  // libswscale warns on every full-range (yuvj*) context even when the range is handled.
  if (lvl == AV_LOG_WARNING && strstr(fmt, "deprecated pixel format used")) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, lvl, fmt, copy, line, sizeof line, &print_prefix);
  va_end(copy);
  std::lock_guard<std::mutex> lock(mu);
  if (lvl <= AV_LOG_ERROR) {
    // Keep the message without the "[ctx @ 0x..] " prefix and newline for our one-line error.
    char bare[1024];
    va_copy(copy, vl);
    vsnprintf(bare, sizeof bare, fmt, copy);
    va_end(copy);
    last_error = bare;
    while (!last_error.empty() && (last_error.back() == '\n' || last_error.back() == '.')) last_error.pop_back();
  }
  // Errors are reported by omni itself in one line; the library's own line shows only when the
  // user asked for more detail than the default.
  if (lvl <= level && (lvl > AV_LOG_ERROR || level >= AV_LOG_VERBOSE)) {
    if (holding) held += line;
    else fputs(line, stderr);
  }
}

void install_av_log() { av_log_set_callback(callback); }

void set_log_level(int l) {
  level = l;
  av_log_set_level(l < AV_LOG_ERROR ? AV_LOG_ERROR : l);
}

int log_level() { return level; }

std::string take_last_av_error() {
  std::lock_guard<std::mutex> lock(mu);
  std::string e;
  e.swap(last_error);
  return e;
}

LogHold::LogHold() : exceptions_(std::uncaught_exceptions()) {
  std::lock_guard<std::mutex> lock(mu);
  ++holding;
}

LogHold::~LogHold() {
  std::lock_guard<std::mutex> lock(mu);
  if (std::uncaught_exceptions() > exceptions_) held.clear();  // the error line says it all
  if (--holding == 0) {
    fputs(held.c_str(), stderr);
    held.clear();
  }
}

void LogHold::discard() {
  std::lock_guard<std::mutex> lock(mu);
  held.clear();
}

}  // namespace omni

// The omni filter interface. One filter = one file in filters/ with the same shape:
// option table, the class (configure, push, flush), and a FilterDesc at the bottom that the
// registry (filters/registry.cpp) lists on one line.
//
// Life cycle, driven by the runner (core/media/pipeline.cpp), like libavfilter's init, config_props,
// filter_frame and EOF:
//   create(options)          - options already parsed and range-checked against the table
//   formats()                - pixel formats push() accepts; the runner converts with libavfilter
//   configure(in) -> out     - once, before the first frame, with the negotiated input
//   push(frame, emit)        - 0..n calls of emit per push; frames may be held back (window())
//   flush(emit)              - at end of stream: emit everything still held, in order
// Errors are thrown as omni::Error; the runner stops and nothing is left under the output name.
#pragma once
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/media/frame.h"
#include "core/filtergraph/options.h"

extern "C" {
#include <libavutil/pixfmt.h>
#include <libavutil/rational.h>
}

namespace omni {

struct StreamInfo {
  int width = 0, height = 0;
  AVPixelFormat format = AV_PIX_FMT_NONE;
  AVRational time_base{0, 1};
  AVRational frame_rate{0, 1};  // 0/1 when unknown or variable
  AVRational sample_aspect_ratio{0, 1};
  // Set where this input can be read a second time (a -vf chain on a file, not a pipe): runs the
  // input, and the filters before this one, once more from the start, handing each frame to
  // `take`; returns when the input ends. Called from configure(): a filter that needs the whole
  // video before its first output (remove's pass=2) reads it this way. Empty elsewhere.
  std::function<void(const std::function<void(Frame)>& take)> first_pass;
};

using Emit = std::function<void(Frame)>;

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::vector<AVPixelFormat> formats() const = 0;
  virtual StreamInfo configure(const StreamInfo& in) = 0;
  virtual void push(Frame frame, const Emit& emit) = 0;
  virtual void flush(const Emit& /*emit*/) {}
  // Most frames this filter holds back between push() and emit. The runner checks the promise
  // (it never buffers more), so memory stays bounded by the window, not by the video's length.
  virtual int window() const { return 0; }
  // True when each output frame depends on its own input frame alone (no state carried between
  // frames, whatever the pipeline holds): omni chunk then needs no overlap and joins are exact.
  // Asked after configure().
  virtual bool stateless() const { return false; }
};

struct FilterDesc {
  const char* name;
  const char* description;  // a capitalised sentence, as in `ffmpeg -filters`
  std::span<const OptionDef> options;
  std::unique_ptr<Filter> (*create)(const OptionValues& options);
  const char* notes = nullptr;  // extra help text (honest limits of the method), or nullptr
};

// The registry: omni's filters, sorted by name. Tests may add their own before running.
std::span<const FilterDesc* const> omni_filters();
const FilterDesc* find_omni_filter(std::string_view name);
void register_extra_filter(const FilterDesc* desc);  // test-only filters; call before parsing

}  // namespace omni

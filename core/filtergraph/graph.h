// FilterGraph: runs one parsed filtergraph in which stock FFmpeg filters and omni filters mix.
//
// Each maximal connected run of stock filters becomes one libavfilter AVFilterGraph ("native
// segment": buffersrc -> ... -> buffersink); each omni filter sits between two segments. The
// buffersink in front of an omni filter is constrained to the pixel formats the filter accepts,
// so libavfilter itself converts at the boundary. Segments are configured lazily, when the first
// frame has arrived on each of their inputs (as ffmpeg does), so omni filters configure from
// real, negotiated stream parameters.
//
// Ownership: FilterGraph owns all AVFilterGraphs and omni filter instances. push() takes
// ownership of the frame. Sink callbacks receive frames they then own. Not thread-safe.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/filtergraph/filtergraph.h"
#include "core/media/frame.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavutil/frame.h>
}

namespace omni {

struct GraphPad {
  std::string label;  // "" when unlabelled
  AVMediaType type;
};

// What sits after an open output pad: stock filters to append (scale for -s, ...), format
// constraints for the buffersink (an encoder's pixel/sample formats), and the consumer.
struct GraphSink {
  std::vector<std::pair<std::string, std::string>> suffix;  // (filter, args), applied in order
  std::vector<int> formats;        // AVPixelFormat / AVSampleFormat list; empty = any
  std::vector<int> sample_rates;   // audio only; empty = any
  std::function<void(AVFilterContext* sink)> configured;  // before the first frame is pulled
  std::function<void(AVFrame* frame)> frame;              // owns frame; nullptr marks the end
};

struct GraphOptions {
  int threads = 0;              // libavfilter threads per segment (0 = auto)
  std::string sws_flags = "flags=bicubic";  // ffmpeg's default for auto-inserted scalers
  // The runner's, for a simple graph on a file: reads the input again through `chain` (graph text:
  // the filters before an omni filter) and hands each frame, in one of `formats` (the omni
  // filter's), to `take` (StreamInfo::first_pass).
  std::function<void(const std::string& chain, const std::function<void(Frame)>& take, const std::vector<AVPixelFormat>& formats)> replay;
  // Told each omni filter's name, window() and stateless() once it is configured (omni chunk's probe).
  std::function<void(const char* filter, int window, bool stateless)> configured;
};

class FilterGraph {
 public:
  // Parses, validates every filter's options (before any frame is read) and links the pads.
  FilterGraph(std::string_view text, const GraphOptions& options);
  ~FilterGraph();
  FilterGraph(const FilterGraph&) = delete;
  FilterGraph& operator=(const FilterGraph&) = delete;

  const std::vector<GraphPad>& inputs() const { return inputs_; }
  const std::vector<GraphPad>& outputs() const { return outputs_; }

  // Before the first push: stock filters to run first on an input (autorotate), the input's
  // time base and frame rate, and each output's sink.
  void set_input(size_t index, AVRational time_base, AVRational frame_rate,
                 std::vector<std::pair<std::string, std::string>> prefix = {});
  void set_sink(size_t index, GraphSink sink);

  // Feeds a frame (ownership taken) into an input; nullptr closes the input.
  void push(size_t input, AVFrame* frame);
  // Pulls what segments without inputs (sources such as testsrc) can still produce.
  void drain_sources();
  bool all_outputs_done() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<GraphPad> inputs_, outputs_;
};

// The omni filter registry and libavfilter's, as one list for `omni -filters`.
std::vector<std::string> all_filter_names();

// The pixel format a buffersink's input had before libavfilter converted it to one the sink
// accepts (the input of the auto-inserted scaler), or the link's own format.
AVPixelFormat format_before_conversion(AVFilterContext* sink);

}  // namespace omni

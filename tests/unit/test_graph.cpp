// FilterGraph: native segments and omni filters in one graph, driven frame by frame.
#include <doctest/doctest.h>

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/filtergraph/graph.h"
#include "core/log.h"

extern "C" {
#include <libavutil/frame.h>
}

namespace omni {
extern const FilterDesc testdelay_filter, testalpha_filter;
}
using namespace omni;

namespace {

struct Registered {
  Registered() {
    install_av_log();
    register_extra_filter(&testdelay_filter);
    register_extra_filter(&testalpha_filter);
  }
} registered;

AVFrame* make_frame(int w, int h, int64_t pts, uint8_t luma) {
  Frame f = Frame::alloc(w, h, AV_PIX_FMT_YUV420P);
  f.mat(0).setTo(luma);
  f.mat(1).setTo(128);
  f.mat(2).setTo(128);
  f.set_pts(pts);
  return f.release();
}

struct Collected {
  std::vector<int64_t> pts;
  std::vector<int> luma, format, width;
  bool ended = false;
};

Collected run(const std::string& text, int frames, int w = 64, int h = 48) {
  FilterGraph g(text, GraphOptions{});
  REQUIRE(g.inputs().size() == 1);
  REQUIRE(g.outputs().size() == 1);
  g.set_input(0, AVRational{1, 25}, AVRational{25, 1});
  Collected c;
  GraphSink sink;
  sink.frame = [&](AVFrame* f) {
    if (!f) {
      c.ended = true;
      return;
    }
    c.pts.push_back(f->pts);
    c.luma.push_back(f->data[0][0]);
    c.format.push_back(f->format);
    c.width.push_back(f->width);
    av_frame_free(&f);
  };
  g.set_sink(0, sink);
  for (int i = 0; i < frames; ++i) g.push(0, make_frame(w, h, i, uint8_t(16 + i)));
  g.push(0, nullptr);
  return c;
}

}  // namespace

TEST_CASE("a windowed omni filter between native segments keeps every frame, in order") {
  Collected c = run("scale=32:24,testdelay=n=4,hflip,testdelay=2", 10);
  CHECK(c.ended);
  REQUIRE(c.pts.size() == 10);
  for (int i = 0; i < 10; ++i) {
    CHECK(c.pts[i] == i);
    CHECK(c.luma[i] == 16 + i);
    CHECK(c.width[i] == 32);
  }
}

TEST_CASE("two omni filters back to back, and a window larger than the clip") {
  Collected c = run("testdelay=n=20,testdelay=n=1", 5);
  REQUIRE(c.pts.size() == 5);
  CHECK(c.pts.back() == 4);
}

TEST_CASE("alpha produced by an omni filter reaches the output, side data crosses a native segment") {
  Collected c = run("testalpha=value=200,scale=32:24,testdelay=n=1:require=testalpha", 3);
  REQUIRE(c.pts.size() == 3);
  CHECK(c.format[0] == AV_PIX_FMT_YUVA420P);
}

TEST_CASE("the runner converts pixel formats at omni boundaries with libavfilter") {
  // testalpha accepts only yuv420p; give it rgb24 from a native segment.
  Collected c = run("format=rgb24,testalpha", 2);
  REQUIRE(c.pts.size() == 2);
  CHECK(c.format[0] == AV_PIX_FMT_YUVA420P);
}

TEST_CASE("errors before the first frame: unknown filters and options, with suggestions") {
  CHECK_THROWS_WITH_AS(FilterGraph("scal=2:2", GraphOptions{}), doctest::Contains("no filter named 'scal' (did you mean 'scale'?)"), Error);
  CHECK_THROWS_WITH_AS(FilterGraph("scale=wdth=2", GraphOptions{}), doctest::Contains("unknown option 'wdth' (did you mean 'width'?)"), Error);
  CHECK_THROWS_WITH_AS(FilterGraph("testdelay=n=100", GraphOptions{}), doctest::Contains("testdelay: n=100 is out of range [0, 64]"), Error);
  CHECK_THROWS_WITH_AS(FilterGraph("testdelay=m=1", GraphOptions{}), doctest::Contains("unknown option 'm' (did you mean 'n'?)"), Error);
}

namespace {
// Breaks its promise: declares a window of 1 but holds everything.
class Greedy : public Filter {
 public:
  std::vector<AVPixelFormat> formats() const override { return {AV_PIX_FMT_YUV420P}; }
  StreamInfo configure(const StreamInfo& in) override { return in; }
  void push(Frame f, const Emit&) override { held.push_back(std::move(f)); }
  int window() const override { return 1; }
  std::vector<Frame> held;
};
const FilterDesc greedy_filter = {"testgreedy", "Holds too much (test only).", {},
                                  [](const OptionValues&) -> std::unique_ptr<Filter> { return std::make_unique<Greedy>(); }};
}  // namespace

TEST_CASE("the runner enforces a filter's declared window") {
  register_extra_filter(&greedy_filter);
  CHECK_THROWS_WITH_AS(run("testgreedy", 5), doctest::Contains("holds 2 frames, more than its declared window of 1"), Error);
}

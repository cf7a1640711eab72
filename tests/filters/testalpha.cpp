// Test-only filter: produces an alpha plane. Output is yuva420p with the input's picture and an
// alpha of `value` inside a centred box of half the frame size, 0 outside, written through the
// cv::Mat views; leaves side data "testalpha" (the frame number) for later filters. (The tensor
// view is LibTorch-side and proven in tests/unit/test_frame.cpp.)
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/filtergraph/filter.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"value", "alpha inside the box", OptType::Int, "255", 0, 255},
};

class TestAlpha : public Filter {
 public:
  explicit TestAlpha(const OptionValues& o) : value_(int(o.i("value"))) {}
  std::vector<AVPixelFormat> formats() const override { return {AV_PIX_FMT_YUV420P}; }
  StreamInfo configure(const StreamInfo& in) override {
    StreamInfo out = in;
    out.format = AV_PIX_FMT_YUVA420P;
    return out;
  }
  void push(Frame in, const Emit& emit) override {
    Frame out = Frame::alloc(in.width(), in.height(), AV_PIX_FMT_YUVA420P);
    out.copy_props_from(in);
    for (int p = 0; p < 3; ++p) in.mat(p).copyTo(out.mat(p));
    cv::Mat am = out.alpha();
    am.setTo(0);
    int w = in.width(), h = in.height();
    am(cv::Rect(w / 4, h / 4, w / 2, h / 2)).setTo(value_);
    out.side_mut().set("testalpha", count_++);
    emit(std::move(out));
  }

 private:
  int value_;
  int64_t count_ = 0;
};

}  // namespace

extern const FilterDesc testalpha_filter = {
    "testalpha", "Give the video an alpha plane with an opaque centre box (test only).", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<TestAlpha>(o); }};

}  // namespace omni

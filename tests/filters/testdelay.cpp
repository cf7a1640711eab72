// Test-only filter: holds a window of `n` frames and emits each one `n` frames late, in order,
// unchanged. Proves that the runner lets a temporal filter hold frames back, flushes them at the
// end, and keeps frame count and timing identical. With `require=NAME` it fails on any frame that
// lacks side data NAME (proves side data crosses native segments).
#include <deque>

#include "core/error.h"
#include "core/filtergraph/filter.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"n", "frames to hold back", OptType::Int, "3", 0, 64},
    {"require", "side data every frame must carry (empty: none)", OptType::String, ""},
};

class TestDelay : public Filter {
 public:
  explicit TestDelay(const OptionValues& o) : n_(int(o.i("n"))), require_(o.s("require")) {}
  std::vector<AVPixelFormat> formats() const override { return {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_RGB24}; }
  StreamInfo configure(const StreamInfo& in) override { return in; }
  void push(Frame f, const Emit& emit) override {
    if (!require_.empty() && !f.side().has(require_)) fail("testdelay: a frame arrived without side data '{}'", require_);
    held_.push_back(std::move(f));
    if (int(held_.size()) > n_) {
      emit(std::move(held_.front()));
      held_.pop_front();
    }
  }
  void flush(const Emit& emit) override {
    while (!held_.empty()) {
      emit(std::move(held_.front()));
      held_.pop_front();
    }
  }
  int window() const override { return n_; }

 private:
  int n_;
  std::string require_;
  std::deque<Frame> held_;
};

}  // namespace

extern const FilterDesc testdelay_filter = {
    "testdelay", "Hold frames back and emit them late (test only).", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<TestDelay>(o); }};

}  // namespace omni

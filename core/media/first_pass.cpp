// core/media/first_pass.h says what it does.
#include "core/media/first_pass.h"

#include "core/error.h"
#include "core/filtergraph/filter.h"

namespace omni {

namespace {

// The run in progress on this thread (a first pass runs inside the filter's configure, on the
// thread that runs the job).
thread_local const std::function<void(Frame)>* t_take = nullptr;
thread_local const std::vector<AVPixelFormat>* t_formats = nullptr;

class Tap : public Filter {
 public:
  Tap() : take_(t_take), formats_(t_formats ? *t_formats : std::vector<AVPixelFormat>{}) {}
  std::vector<AVPixelFormat> formats() const override { return formats_; }
  StreamInfo configure(const StreamInfo& in) override { return in; }
  // The frame goes on to the null output as well: a run that delivers nothing is an error.
  void push(Frame f, const Emit& emit) override {
    if (take_) (*take_)(Frame(f));  // a new reference to the same buffers
    emit(std::move(f));
  }

 private:
  const std::function<void(Frame)>* take_;
  std::vector<AVPixelFormat> formats_;
};

const FilterDesc tap_filter = {"omni_first_pass_tap", "Hands each frame to a filter's first pass (internal).", {},
                               [](const OptionValues&) -> std::unique_ptr<Filter> { return std::make_unique<Tap>(); }};

}  // namespace

void replay_input(const Job& job, int file, int stream, const std::string& chain, const std::vector<AVPixelFormat>& formats,
                  const std::function<void(Frame)>& take) {
  // Registered on first use only: `omni -filters` never lists it.
  static const bool registered = (register_extra_filter(&tap_filter), true);
  (void)registered;
  Job sub;
  sub.inputs = job.inputs;
  sub.vf = chain.empty() ? tap_filter.name : chain + "," + tap_filter.name;
  MapSpec m;
  m.file = file, m.index = stream;
  sub.maps = {m};
  sub.output = "-";
  sub.format = "null";
  sub.no_audio = sub.no_subs = true;
  sub.stats = false, sub.stats_forced = true;
  sub.overwrite = Overwrite::Always;
  sub.threads = job.threads;
  sub.autorotate = job.autorotate;
  sub.xerror = job.xerror;
  sub.device = job.device;
  sub.nested = true;
  const auto* keep_take = t_take;
  const auto* keep_formats = t_formats;
  t_take = &take, t_formats = &formats;
  struct Restore {
    const std::function<void(Frame)>* take;
    const std::vector<AVPixelFormat>* formats;
    ~Restore() { t_take = take, t_formats = formats; }
  } restore{keep_take, keep_formats};
  // Interrupted (255): the outer run stops at its next packet and finishes what it has.
  if (int r = run_job(sub); r != 0 && r != 255) fail("the first pass over the input failed (exit {})", r);
}

}  // namespace omni

// Net::run: the loop every importer's steps run in.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: ATen.h stopped including it after LibTorch 1.13

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/model/net.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard: ATen.h stopped including it after LibTorch 1.13

namespace omni::model {

std::vector<at::Tensor> Net::run(const std::vector<at::Tensor>& in) const {
  if (in.size() != input_slots.size()) fail("{}: expected {} inputs, got {}", name, input_slots.size(), in.size());
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> s(static_cast<size_t>(slot_count));
  for (size_t i = 0; i < in.size(); ++i) {
    const auto& want = inputs[i].shape;
    if (!want.empty() && in[i].sizes() != at::IntArrayRef(want))
      fail("{}: input '{}': expected shape {}, got {}", name, inputs[i].name, fmt::join(want, "x"), fmt::join(in[i].sizes(), "x"));
    at::Tensor t = in[i].to(device).to(at::kFloat);
    t = input_nhwc[i] ? nhwc_to_nchw(t) : t.contiguous();
    // Steps may work in place on a tensor they read last: never on the caller's memory.
    if (t.data_ptr() == in[i].data_ptr()) t = t.clone();
    s[input_slots[i]] = t;
  }
  // OMNI_PROFILE=1: time per op kind on stderr (what `omni models run` spends its time on);
  // OMNI_PROFILE=steps: also the 30 slowest steps and the shape each wrote.
  static const bool profile = std::getenv("OMNI_PROFILE") != nullptr;
  if (!profile) {
    size_t k = 0;
    try {
      for (; k < steps.size(); ++k) steps[k](s);
    } catch (const Error& e) {
      fail("{}: op {} ({}) failed: {}", name, k, op_names[k], e.what());
    } catch (const c10::Error& e) {
      // Shapes that passed import but cannot compute (a malformed model): an error, not a crash.
      std::string msg = e.what_without_backtrace();
      fail("{}: op {} ({}) failed: {}", name, k, op_names[k], msg.substr(0, msg.find('\n')));
    } catch (const std::exception& e) {
      std::string msg = e.what();
      fail("{}: op {} ({}) failed: {}", name, k, op_names[k], msg.substr(0, msg.find('\n')));
    }
  } else {
    std::map<std::string, double> ms;
    std::vector<std::pair<double, std::string>> st;
    for (size_t k = 0; k < steps.size(); ++k) {
      std::vector<const void*> before(s.size());  // a slot whose storage changed is one the step wrote
      for (size_t i = 0; i < s.size(); ++i) before[i] = s[i].defined() ? s[i].data_ptr() : nullptr;
      auto t0 = std::chrono::steady_clock::now();
      steps[k](s);
      double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ms[op_names[k]] += t;
      std::string shp;
      for (size_t i = 0; i < s.size(); ++i)
        if (s[i].defined() && s[i].data_ptr() != before[i]) shp = fmt::format("{}", fmt::join(s[i].sizes(), "x"));
      st.push_back({t, fmt::format("{} {} {}", k, op_names[k], shp)});
    }
    for (auto& [op, t] : ms) fprintf(stderr, "profile %s: %-28s %8.2f ms\n", name.c_str(), op.c_str(), t);
    if (std::string(std::getenv("OMNI_PROFILE")) == "steps") {
      std::stable_sort(st.begin(), st.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      for (size_t i = 0; i < std::min<size_t>(30, st.size()); ++i)
        fprintf(stderr, "profile %s: step %s %8.2f ms\n", name.c_str(), st[i].second.c_str(), st[i].first);
    }
  }
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < output_slots.size(); ++i)
    out.push_back((output_nhwc[i] ? nchw_to_nhwc(s[output_slots[i]]) : s[output_slots[i]]).to(at::kCPU));
  return out;
}

}  // namespace omni::model

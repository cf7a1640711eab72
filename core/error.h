// omni's one error type. Library code throws; only cli/ turns an Error into a line on stderr and
// an exit status. The message is "<where>: <what>; <what to do>" without the "omni: " prefix.
#pragma once
#include <fmt/format.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omni {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg, int exit_code = 1) : std::runtime_error(msg), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }  // the process status cli/ returns for it

 private:
  int exit_code_;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

// The FFmpeg error text for an AVERROR code ("Invalid data found when processing input").
std::string av_error_text(int averror);

// The nearest of `candidates` to `word` by edit distance, or "" when none is close enough to help.
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace omni

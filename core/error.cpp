#include "core/error.h"

#include <algorithm>
#include <vector>

extern "C" {
#include <libavutil/error.h>
}

namespace omni {

std::string av_error_text(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(averror, buf, sizeof buf);
  return buf;
}

// Edits between a and b, two swapped neighbours counting as one (the commonest typo: "rmeove").
static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  auto same = [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y)); };
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    // A prefix ("sca" for "scale") is a strong hint even when the distance is large.
    if (c.size() > word.size() && c.compare(0, word.size(), word) == 0 && word.size() >= 2) d = std::min(d, size_t(1));
    if (d < best_d) best_d = d, best = c;
  }
  // Only suggest when the typo is small relative to the word: 1 edit for short words, ~1/3 beyond.
  size_t limit = std::max<size_t>(1, (word.size() + 2) / 3);
  return best_d <= limit ? best : std::string();
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string n = nearest_name(word, candidates);
  return n.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", n);
}

}  // namespace omni

// Option tables: one row per option of an omni filter, like libavfilter's AVOption tables. The
// table drives parsing, range checks, `omni -h filter=NAME` and the man page.
//
//   static const omni::OptionDef options[] = {
//     {"size", "block size in pixels", omni::OptType::Int, "8", 1, 256},
//     {"mode", "what to keep", omni::OptType::Enum, "person", 0, 0, "person|salient|auto"},
//   };
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace omni {

enum class OptType { Int, Float, Bool, String, Color, Duration, ImageSize, Path, Enum };

const char* opt_type_name(OptType t);

struct OptionDef {
  const char* name;
  const char* help;        // lowercase, no full stop (libavfilter's habit)
  OptType type;
  const char* def;         // default as text; nullptr = required
  double min = 0, max = 0; // range for Int, Float and Duration (seconds); ignored when min == max
  const char* choices = nullptr;  // Enum: "a|b|c"
};

// One parsed value. `text` is always the option's text after unescaping; the typed fields are
// filled according to the option's type.
struct OptionValue {
  std::string text;
  int64_t i = 0;         // Int, Bool (0/1), Enum (index into choices)
  double f = 0;          // Float, Duration (seconds)
  uint8_t rgba[4] = {0, 0, 0, 255};  // Color
  int w = 0, h = 0;      // ImageSize
};

class OptionValues {
 public:
  const OptionValue& at(std::string_view name) const;  // throws if the table has no such option
  int64_t i(std::string_view name) const { return at(name).i; }
  double f(std::string_view name) const { return at(name).f; }
  bool b(std::string_view name) const { return at(name).i != 0; }
  const std::string& s(std::string_view name) const { return at(name).text; }
  bool was_set(std::string_view name) const;  // given by the user rather than defaulted
  void set(std::string name, OptionValue v, bool user) {
    user_set_[name] = user;
    values_[std::move(name)] = std::move(v);
  }

 private:
  std::map<std::string, OptionValue, std::less<>> values_;
  std::map<std::string, bool, std::less<>> user_set_;
};

// Parses one value of `def`'s type and checks its range. Throws Error naming `where` and the
// option ("omni: remove: dilate=-3 is out of range [0, 256]").
OptionValue parse_option_value(std::string_view where, const OptionDef& def, std::string_view text);

// Parses a filter's argument string (the second escaping level: "k=v:k2=v2", positional values
// bind to the table's options in order until the first named one, as libavfilter does), fills in
// defaults and checks that every required option is present.
OptionValues parse_options(std::string_view where, std::span<const OptionDef> table, std::string_view args);

// "[0, 256]", "person|salient|auto", ... for help output.
std::string describe_range(const OptionDef& def);

}  // namespace omni

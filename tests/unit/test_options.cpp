// Option tables: parsing, defaults, ranges, and the messages users see.
#include <doctest/doctest.h>

#include "core/error.h"
#include "core/filtergraph/options.h"

using namespace omni;

static const OptionDef table[] = {
    {"size", "block size", OptType::Int, "8", 1, 256},
    {"strength", "blend", OptType::Float, "1", 0, 1},
    {"mode", "what", OptType::Enum, "person", 0, 0, "person|salient|auto"},
    {"bg", "colour", OptType::Color, "green"},
    {"smooth", "temporal", OptType::Bool, "1"},
    {"dur", "how long", OptType::Duration, "1.5", 0, 60},
    {"out", "size", OptType::ImageSize, "hd720"},
    {"with", "file", OptType::Path, nullptr},
};

static std::string err(std::string_view args) {
  try {
    parse_options("f", table, args);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_CASE("defaults, named and positional values") {
  OptionValues v = parse_options("f", table, "16:0.5:with=a.mp4");
  CHECK(v.i("size") == 16);
  CHECK(v.f("strength") == doctest::Approx(0.5));
  CHECK(v.s("mode") == "person");
  CHECK(v.i("mode") == 0);
  CHECK(v.at("bg").rgba[1] == 128);  // FFmpeg's "green" is #008000
  CHECK(v.b("smooth"));
  CHECK(v.f("dur") == doctest::Approx(1.5));
  CHECK(v.at("out").w == 1280);
  CHECK(v.at("out").h == 720);
  CHECK(v.s("with") == "a.mp4");
  CHECK(v.was_set("size"));
  CHECK_FALSE(v.was_set("mode"));

  OptionValues w = parse_options("f", table, "with='x:y.png':mode=auto:bg=#ff000080:smooth=off:dur='00:00:02.5':out=64x32");
  CHECK(w.s("with") == "x:y.png");
  CHECK(w.i("mode") == 2);
  CHECK(w.at("bg").rgba[0] == 255);
  CHECK(w.at("bg").rgba[3] == 128);
  CHECK_FALSE(w.b("smooth"));
  CHECK(w.f("dur") == doctest::Approx(2.5));
  CHECK(w.at("out").w == 64);
}

TEST_CASE("errors name the filter, the option and the fix") {
  CHECK(err("size=0:with=a") == "f: size=0 is out of range [1, 256]");
  CHECK(err("size=big:with=a") == "f: size=big is not a valid int; expected a whole number");
  CHECK(err("strength=2:with=a") == "f: strength=2 is out of range [0, 1]");
  CHECK(err("mode=salent:with=a") == "f: mode=salent is not one of person|salient|auto (did you mean 'salient'?)");
  CHECK(err("szie=3:with=a") == "f: unknown option 'szie' (did you mean 'size'?)");
  CHECK(err("") == "f: option 'with' is required (file)");
  CHECK(err("bg=notacolour:with=a").find("is not a valid color") != std::string::npos);
  CHECK(err("smooth=maybe:with=a").find("is not a valid bool") != std::string::npos);
  CHECK(err("with=a:8") == "f: positional value '8' after a named option; write it as name=value");
  CHECK(err("size=3:size=4:with=a") == "f: option 'size' is given twice");
  CHECK(err("1:1:person:red:1:1:hd720:a:extra") == "f: too many values: 'extra' has no option to go to");
  CHECK(err("dur=99:with=a") == "f: dur=99 is out of range [0, 60]");
}

TEST_CASE("nearest name") {
  CHECK(nearest_name("scal", {"scale", "crop", "eq"}) == "scale");
  CHECK(nearest_name("crpo", {"scale", "crop", "eq"}) == "crop");
  CHECK(nearest_name("zzzzzz", {"scale", "crop", "eq"}) == "");
}

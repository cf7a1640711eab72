// MediaReader: a second picture source for filters that take a path (matte's bg=beach.jpg or
// bg=waves.mp4, later replace's with=...). Anything FFmpeg decodes: a still image gives the same
// picture every time, a video gives its frames in order and starts again at the end.
// Pictures come out scaled to cover the requested size (aspect kept, centre crop), in the
// requested pixel format, with BT.601/709 chosen like the frames they will be mixed with.
#pragma once
#include <memory>
#include <string>

#include "core/frame.h"

namespace omni {

class MediaReader {
 public:
  explicit MediaReader(const std::string& path);  // throws a one-line Error if it cannot decode
  ~MediaReader();
  // The next picture at `like`'s size, pixel format and colour tags.
  Frame next(const Frame& like);
  bool is_still() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
};

}  // namespace omni

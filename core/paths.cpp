#include "core/paths.h"

#include <cstdio>
#include <memory>

namespace omni {

bool read_file(const std::string& path, std::string& out) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return false;
  out.clear();
  char buf[1 << 16];
  // Sized from the end when the file can seek; read to EOF in any case (a pipe, a growing file).
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    if (long n = std::ftell(f.get()); n > 0) out.reserve(size_t(n));
    std::rewind(f.get());
  }
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, got);
  return !std::ferror(f.get());
}

}  // namespace omni

// Where things are relative to the running executable (the torch module, installed models), and
// reading a whole file.
#pragma once
#include <string>

namespace omni {
std::string executable_dir();  // folder of /proc/self/exe, or "." when it cannot be read

// The whole file, read in one call (a copy through istreambuf_iterator goes byte by byte: most of
// a model file's load time under the sanitizers). False when it cannot be read.
bool read_file(const std::string& path, std::string& out);
}  // namespace omni

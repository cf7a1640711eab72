// Where things are relative to the running executable (the torch module, installed models).
#pragma once
#include <string>

namespace omni {
std::string executable_dir();  // folder of /proc/self/exe, or "." when it cannot be read
}  // namespace omni

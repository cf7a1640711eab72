// SHA-256 of a file or a buffer, hex encoded (for model manifests; FIPS 180-4).
#pragma once
#include <cstdint>
#include <string>

namespace omni {
std::string sha256_hex(const uint8_t* data, size_t size);
std::string sha256_file(const std::string& path);  // throws Error if unreadable
}  // namespace omni

#pragma once
// FNV-1a: a stable 64-bit hash of bytes (cache file names, split keys, the checksums of
// safetensors files and input files). It finds accidental changes; it is not for security.
#include <cstdint>
#include <string>
#include <string_view>

namespace autospace {

inline std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// As 16 lower-case hex digits.
std::string fnv1a64_hex(std::string_view bytes);

}  // namespace autospace

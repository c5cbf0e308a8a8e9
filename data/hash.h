#pragma once
// FNV-1a: a stable 64-bit hash of names (cache file names, split keys). Not for security.
#include <cstdint>
#include <string_view>

namespace autospace::data {

inline std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace autospace::data

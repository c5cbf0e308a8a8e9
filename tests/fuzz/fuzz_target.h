#pragma once
// What every fuzz target shares: a reader may refuse its input only with the errors the
// program's boundaries turn into messages naming the file (autospace::Error, and for the
// JSON readers nlohmann's exceptions, which the phase runner prefixes with the file).
// Anything else escaping, a crash, a leak or undefined behaviour is a finding: libFuzzer
// stops and saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "kernels/common/check.h"

namespace autospace::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property of what was read; its failure is a finding (not a refusal, so not an Error).
inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz finding: %s\n", property);
  std::abort();
}

// Runs `read`, accepting the refusals listed above.
template <class F> void expect_clean_refusal(const F& read) {
  try {
    read();
  } catch (const Error&) {
  }
}

}  // namespace autospace::fuzz

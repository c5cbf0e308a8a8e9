#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11):
// a counter-based generator, so the i-th number of a stream is computed directly from
// (key, counter) with no state. Header-only and host/device-agnostic so that CPU and CUDA
// kernels draw the very same numbers.
#include <cstdint>

#include "kernels/common/host_device.h"

namespace autospace::kernels {

struct PhiloxBlock {
  std::uint32_t v[4];
};

AUTOSPACE_HOST_DEVICE inline PhiloxBlock philox4x32_10(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2,
                                                       std::uint32_t c3, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(M0) * c0;
    const std::uint64_t p1 = static_cast<std::uint64_t>(M1) * c2;
    const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const std::uint32_t n3 = static_cast<std::uint32_t>(p0);
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += W0;
    k1 += W1;
  }
  return {{c0, c1, c2, c3}};
}

// A stream: key = 64-bit seed, counter = (block, step, epoch, purpose). Element i is word
// i % 4 of block i / 4.
struct PhiloxStream {
  std::uint32_t key0, key1, step, epoch, purpose;

  AUTOSPACE_HOST_DEVICE std::uint32_t bits(std::uint64_t i) const { return block(i >> 2).v[i & 3]; }
  // Uniform in [0, 1) with 24 random bits.
  AUTOSPACE_HOST_DEVICE float uniform(std::uint64_t i) const { return to_uniform(bits(i)); }

  // Elements 4b .. 4b+3 from a single Philox call, for kernels that consume a stream in
  // order and would otherwise recompute each block four times.
  AUTOSPACE_HOST_DEVICE PhiloxBlock block(std::uint64_t b) const {
    return philox4x32_10(static_cast<std::uint32_t>(b), step, epoch, purpose, key0, key1);
  }
  AUTOSPACE_HOST_DEVICE static float to_uniform(std::uint32_t bits) {
    return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
  }
};

}  // namespace autospace::kernels

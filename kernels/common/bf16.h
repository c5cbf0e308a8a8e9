#pragma once
// The f32 <-> bf16 conversions every backend uses, so that a value rounds the same way on
// the CPU and the GPU: bf16 is the upper 16 bits of an IEEE float, rounded to nearest even
// on the way down; a NaN stays a (quiet) NaN.
#include <cstdint>

#include "kernels/common/host_device.h"

namespace autospace::kernels {

AUTOSPACE_HOST_DEVICE inline std::uint16_t bf16_from_float_bits(std::uint32_t bits) {
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

AUTOSPACE_HOST_DEVICE inline std::uint32_t float_bits_from_bf16(std::uint16_t b) {
  return static_cast<std::uint32_t>(b) << 16;
}

}  // namespace autospace::kernels

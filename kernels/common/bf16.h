#pragma once
// The f32 <-> bf16 conversions every backend uses, so that a value rounds the same way on
// the CPU and the GPU: bf16 is the upper 16 bits of an IEEE float, rounded to nearest even
// on the way down; a NaN stays a (quiet) NaN.
//
// `bf16` is the element type of bf16 activations: a distinct type, so that a kernel
// templated on its element type T (float or bf16) loads with to_float(p[i]) and stores with
// from_float<T>(v), computing in float either way.
#include <cstdint>
#include <cstring>

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

struct bf16 {
  std::uint16_t bits;
};

AUTOSPACE_HOST_DEVICE inline float float_from_bits(std::uint32_t bits) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(bits);
#else
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
#endif
}

AUTOSPACE_HOST_DEVICE inline std::uint32_t bits_from_float(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
#endif
}

AUTOSPACE_HOST_DEVICE inline float to_float(float v) { return v; }
AUTOSPACE_HOST_DEVICE inline float to_float(bf16 v) { return float_from_bits(float_bits_from_bf16(v.bits)); }

template <class T> AUTOSPACE_HOST_DEVICE inline T from_float(float v) {
  if constexpr (sizeof(T) == sizeof(float)) return v;
  else return T{bf16_from_float_bits(bits_from_float(v))};
}

}  // namespace autospace::kernels

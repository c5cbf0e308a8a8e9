#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/common/bf16.h"

namespace autospace {

enum class DType : std::uint8_t { f32, bf16, u8, i32, i64 };

std::size_t dtype_size(DType t);
const char* dtype_name(DType t);         // "f32", "bf16", ...
const char* safetensors_dtype(DType t);  // "F32", "BF16", "U8", "I32", "I64"
DType dtype_from_safetensors(const std::string& name);  // throws Error for unknown names

// bf16 is stored as the upper 16 bits of an IEEE float (round-to-nearest-even on store).
std::uint16_t float_to_bf16(float f);
float bf16_to_float(std::uint16_t b);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<kernels::bf16>() { return DType::bf16; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }

}  // namespace autospace

#include "engine/core/dtype.h"

#include <cstring>

#include "kernels/common/bf16.h"
#include "kernels/common/check.h"

namespace autospace {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::bf16: return 2;
    case DType::u8: return 1;
    case DType::i32: return 4;
    case DType::i64: return 8;
  }
  AUTOSPACE_THROW("unknown dtype ", static_cast<int>(t));
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::bf16: return "bf16";
    case DType::u8: return "u8";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
  }
  return "?";
}

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::bf16: return "BF16";
    case DType::u8: return "U8";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
  }
  return "?";
}

DType dtype_from_safetensors(const std::string& name) {
  if (name == "F32") return DType::f32;
  if (name == "BF16") return DType::bf16;
  if (name == "U8") return DType::u8;
  if (name == "I32") return DType::i32;
  if (name == "I64") return DType::i64;
  AUTOSPACE_THROW("unsupported safetensors dtype \"", name, "\" (supported: F32, BF16, U8, I32, I64)");
}

std::uint16_t float_to_bf16(float f) { return kernels::from_float<kernels::bf16>(f).bits; }

float bf16_to_float(std::uint16_t b) { return kernels::to_float(kernels::bf16{b}); }

}  // namespace autospace

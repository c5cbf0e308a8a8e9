#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// Concatenates `count` tensors seen as [rows, widths[i]] along the last dimension into
// out [rows, sum of widths] (OpenMP over rows); elements of T (float or bf16).
template <class T>
void concat_channels(std::int64_t rows, std::int64_t count, const T* const* xs, const std::int64_t* widths, T* out);

// The inverse: splits x [rows, sum of widths] into outs[i] [rows, widths[i]]; a null
// outs[i] skips that part (an input that needs no gradient).
template <class T>
void split_channels(std::int64_t rows, std::int64_t count, const T* x, const std::int64_t* widths, T* const* outs);

}  // namespace autospace::kernels::cpu

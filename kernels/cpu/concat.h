#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// Concatenates `count` tensors seen as [rows, widths[i]] along the last dimension into
// out [rows, sum of widths] (OpenMP over rows).
void concat_channels(std::int64_t rows, std::int64_t count, const float* const* xs, const std::int64_t* widths,
                     float* out);

// The inverse: splits x [rows, sum of widths] into outs[i] [rows, widths[i]]; a null
// outs[i] skips that part (an input that needs no gradient).
void split_channels(std::int64_t rows, std::int64_t count, const float* x, const std::int64_t* widths,
                    float* const* outs);

}  // namespace autospace::kernels::cpu

#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// Concatenates `count` tensors seen as [rows, widths[i]] along the last dimension into
// out [rows, sum of widths].
template <class T>
void concat_channels(std::int64_t rows, std::int64_t count, const T* const* xs, const std::int64_t* widths, T* out);

}  // namespace autospace::kernels::ref

#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// Device pointers (the pointer arrays themselves live on the host); the same contracts
// as kernels/cpu/concat.h. Each part is one strided 2-D copy.
template <class T>
void concat_channels(std::int64_t rows, std::int64_t count, const T* const* xs, const std::int64_t* widths, T* out);
template <class T>
void split_channels(std::int64_t rows, std::int64_t count, const T* x, const std::int64_t* widths, T* const* outs);

}  // namespace autospace::kernels::cuda

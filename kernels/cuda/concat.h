#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// Device pointers (the pointer arrays themselves live on the host); the same contracts
// as kernels/cpu/concat.h. Each part is one strided 2-D copy.
void concat_channels(std::int64_t rows, std::int64_t count, const float* const* xs, const std::int64_t* widths,
                     float* out);
void split_channels(std::int64_t rows, std::int64_t count, const float* x, const std::int64_t* widths,
                    float* const* outs);

}  // namespace autospace::kernels::cuda

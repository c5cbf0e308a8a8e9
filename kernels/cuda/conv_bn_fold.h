#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// Device pointers; the same contract as kernels/cpu/conv_bn_fold.h.
void fold_batch_norm(std::int64_t out_c, std::int64_t per_out, const float* w, const float* bias, const float* gamma,
                     const float* beta, const float* mean, const float* var, float eps, float* folded_w,
                     float* folded_bias);

}  // namespace autospace::kernels::cuda

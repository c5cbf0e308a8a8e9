#pragma once
// Batch normalisation folded into a convolution's weights and bias for evaluation
// (kernels/common/batch_norm_fold.h); the folded convolution then runs with its
// activation as an epilogue (conv2d_forward_activation, kernels/cpu/conv2d.h).
#include <cstdint>

namespace autospace::kernels::cpu {

// w: [out_c, per_out] (OHWI flattened); bias may be null (no conv bias). Writes
// folded_w [out_c, per_out] and folded_bias [out_c].
void fold_batch_norm(std::int64_t out_c, std::int64_t per_out, const float* w, const float* bias, const float* gamma,
                     const float* beta, const float* mean, const float* var, float eps, float* folded_w,
                     float* folded_bias);

}  // namespace autospace::kernels::cpu

#pragma once
// Fused per-parameter optimiser updates on device memory; the same update rules as
// kernels/cpu/optimizer_update.h.
#include <cstdint>

#include "kernels/common/optimizer_step.h"

namespace autospace::kernels::cuda {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step);
// sgd_update over `count` parameters in a few launches (multi_tensor.cuh: the descriptors
// live on the host and travel as kernel arguments): a network's hundreds of small
// parameters cost a handful of launches instead of one each.
// With a gate (device f32 [1]), nothing changes where gate[0] is 0.
void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov, const float* gate);
// Adam (the CPU's adam_update, kernels/cpu/optimizer_update.h) over `count` parameters
// in a few launches, likewise; the bias corrections are computed on the host per parameter.
void adam_update_many(std::int64_t count, const AdamTensor* tensors, float beta1, float beta2, float eps);

// The CPU's gradient_norm over `count` device arrays (the arrays of pointers and sizes on
// the host): the sum of squares accumulated in double in a fixed order, the norm and the
// clipping factor written to device memory; nothing is read back.
void gradient_norm(std::int64_t count, const float* const* xs, const std::int64_t* sizes, float* norm,
                   double max_norm, float* clip_scale);
// xs[k][0, sizes[k]) *= scale[0] (device memory) for every k, in a few launches.
void scale_in_place_many(std::int64_t count, float* const* xs, const std::int64_t* sizes, const float* scale);

}  // namespace autospace::kernels::cuda

#pragma once
// Fused per-parameter optimiser updates on device memory; the same update rules as
// kernels/cpu/optimizer_update.h.
#include <cstdint>

#include "kernels/common/optimizer_step.h"

namespace autospace::kernels::cuda {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step);
// sgd_update over `count` parameters in a few launches (the descriptors live on the host
// and travel as kernel arguments, at most kSgdTensorsPerLaunch each): a network's hundreds
// of small parameters cost a handful of launches instead of one each.
void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov);
void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step);

// Sum of squares over `count` device arrays (xs[i] holding sizes[i] floats; the arrays of
// pointers and sizes live on the host), accumulated in double in a fixed order: one
// synchronisation for all of them.
double sum_of_squares(std::int64_t count, const float* const* xs, const std::int64_t* sizes);
// x *= s
void scale_in_place(std::int64_t n, float* x, float s);

}  // namespace autospace::kernels::cuda

#pragma once
// Fused per-parameter optimiser updates (one pass over weight, gradient and state).
#include <cstdint>

#include "kernels/common/optimizer_step.h"

namespace autospace::kernels::cpu {

// PyTorch's SGD: d = g + wd * w; buf = first ? d : momentum * buf + d;
// w -= lr * (nesterov ? d + momentum * buf : buf). With momentum == 0, buf may be null.
void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step);

// sgd_update over `count` parameters (descriptors in host memory). With a gate (f32 [1],
// kernels/cpu/step_gate.h) nothing changes where gate[0] is 0: the step was skipped.
void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov, const float* gate);

// PyTorch's Adam (L2 weight decay added to the gradient): m, v updated in place;
// step is the 1-based count of updates of this parameter (bias correction).
void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step);

// adam_update over `count` parameters (descriptors in host memory).
void adam_update_many(std::int64_t count, const AdamTensor* tensors, float beta1, float beta2, float eps);

// norm[0] = the L2 norm over `count` arrays (xs[k] holding sizes[k] floats; the arrays of
// pointers and sizes in host memory), summed in double. With clip_scale, clip_scale[0] =
// max_norm / (norm + 1e-6) (in double) when the norm is finite and above max_norm, else 1:
// the factor gradient clipping multiplies by.
void gradient_norm(std::int64_t count, const float* const* xs, const std::int64_t* sizes, float* norm,
                   double max_norm, float* clip_scale);
// xs[k][0, sizes[k]) *= scale[0] for every k (pointer and size arrays in host memory).
void scale_in_place_many(std::int64_t count, float* const* xs, const std::int64_t* sizes, const float* scale);

}  // namespace autospace::kernels::cpu

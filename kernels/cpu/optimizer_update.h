#pragma once
// Fused per-parameter optimiser updates (one pass over weight, gradient and state).
#include <cstdint>

#include "kernels/common/optimizer_step.h"

namespace autospace::kernels::cpu {

// PyTorch's SGD: d = g + wd * w; buf = first ? d : momentum * buf + d;
// w -= lr * (nesterov ? d + momentum * buf : buf). With momentum == 0, buf may be null.
void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step);

// sgd_update over `count` parameters (descriptors in host memory).
void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov);

// PyTorch's Adam (L2 weight decay added to the gradient): m, v updated in place;
// step is the 1-based count of updates of this parameter (bias correction).
void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step);

// adam_update over `count` parameters (descriptors in host memory).
void adam_update_many(std::int64_t count, const AdamTensor* tensors, float beta1, float beta2, float eps);

// Sum of squares in double (for gradient norms).
double sum_of_squares(std::int64_t n, const float* x);
// x *= s
void scale_in_place(std::int64_t n, float* x, float s);
// xs[k][0, sizes[k]) *= s for every k (pointer and size arrays in host memory).
void scale_in_place_many(std::int64_t count, float* const* xs, const std::int64_t* sizes, float s);

}  // namespace autospace::kernels::cpu

#pragma once
// Fused per-parameter optimiser updates on device memory; the same update rules as
// kernels/cpu/optimizer_update.h.
#include <cstdint>

namespace autospace::kernels::cuda {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step);
void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step);

// Sum of squares over `count` device arrays (xs[i] holding sizes[i] floats; the arrays of
// pointers and sizes live on the host), accumulated in double in a fixed order: one
// synchronisation for all of them.
double sum_of_squares(std::int64_t count, const float* const* xs, const std::int64_t* sizes);
// x *= s
void scale_in_place(std::int64_t n, float* x, float s);

}  // namespace autospace::kernels::cuda

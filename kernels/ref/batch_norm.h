#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// Batch normalisation over x seen as [rows, channels] (NHWC with rows = N*H*W).

// Per-channel batch mean and biased variance.
template <class T>
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const T* x, T* mean, T* var);

// y = gamma * (x - mean) / sqrt(var + eps) + beta.
template <class T>
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const T* x, const T* mean, const T* var,
                        const T* gamma, const T* beta, double eps, T* y);

// Gradients of batch_norm_forward. With batch_stats, mean and var are x's own batch
// statistics (training) and the gradient flows through them; otherwise they are
// constants (eval).
template <class T>
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const T* mean,
                         const T* var, const T* gamma, double eps, bool batch_stats, T* dx, T* dgamma, T* dbeta);

}  // namespace autospace::kernels::ref

#pragma once
#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// Batch normalisation over x seen as [rows, channels] (NHWC with rows = N*H*W), OpenMP
// over rows and vectorised over channels. The activations x, y, dy and dx are of T (float
// or bf16: read into float, computed in float, stored rounded); the per-channel numbers
// (statistics, gamma, beta and their gradients) are float.

// Per-channel batch mean and biased variance in one pass over x.
template <class T>
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const T* x, float* mean, float* var);

// running = (1 - momentum) * running + momentum * batch statistic, with the variance
// made unbiased from `count` (> 1) samples per channel.
void batch_norm_update_running(std::int64_t channels, const float* mean, const float* var, std::int64_t count,
                               float momentum, float* running_mean, float* running_var);

// y = act(gamma * (x - mean) / sqrt(var + eps) + beta) (y may alias x): the activation
// fused, so that a BN-activation pair reads and writes the tensor once.
template <class T>
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const T* x, const float* mean, const float* var,
                        const float* gamma, const float* beta, float eps, ActivationKind activation, T* y);

// Gradients of batch_norm_forward, dy being the gradient of its output. With an
// activation, its derivative is taken at the pre-activation recomputed from x (bit for
// bit the forward's), so that neither the BN output nor the activation's input has to be
// kept. With batch_stats, mean and var are x's own batch statistics (training) and the
// gradient flows through them; otherwise they are constants (eval). dx may be null when x
// needs no gradient; dgamma and dbeta are always written.
template <class T>
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const float* mean,
                         const float* var, const float* gamma, const float* beta, float eps, bool batch_stats,
                         ActivationKind activation, T* dx, float* dgamma, float* dbeta);

// batch_norm_backward in two halves, for synchronised batch-norm, whose gradient through
// the statistics needs sums over every rank's rows (dy' is dy through the activation):
// the per-channel sums of dy' and dy' * (x - mean) over this process's rows,
template <class T>
void batch_norm_backward_sums(std::int64_t rows, std::int64_t channels, const T* x, const T* dy,
                              const float* mean, const float* var, const float* gamma, const float* beta, float eps,
                              ActivationKind activation, double* sum_dy, double* sum_dy_xc);
// and the gradients: dgamma and dbeta from the local sums, dx with the gradient through
// statistics taken over `count` rows whose sums are total_dy and total_dy_xc (the local
// sums and rows again for plain batch-norm).
template <class T>
void batch_norm_backward_apply(std::int64_t rows, std::int64_t channels, const T* x, const T* dy,
                               const float* mean, const float* var, const float* gamma, const float* beta, float eps,
                               bool batch_stats, ActivationKind activation, const double* sum_dy,
                               const double* sum_dy_xc, double count, const double* total_dy,
                               const double* total_dy_xc, T* dx, float* dgamma, float* dbeta);

}  // namespace autospace::kernels::cpu

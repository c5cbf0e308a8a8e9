#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// Batch normalisation over x seen as [rows, channels] (NHWC with rows = N*H*W), OpenMP
// over rows and vectorised over channels.

// Per-channel batch mean and biased variance in one pass over x.
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const float* x, float* mean, float* var);

// running = (1 - momentum) * running + momentum * batch statistic, with the variance
// made unbiased from `count` (> 1) samples per channel.
void batch_norm_update_running(std::int64_t channels, const float* mean, const float* var, std::int64_t count,
                               float momentum, float* running_mean, float* running_var);

// y = gamma * (x - mean) / sqrt(var + eps) + beta (y may alias x).
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const float* x, const float* mean,
                        const float* var, const float* gamma, const float* beta, float eps, float* y);

// Gradients of batch_norm_forward. With batch_stats, mean and var are x's own batch
// statistics (training) and the gradient flows through them; otherwise they are
// constants (eval). dx may be null when x needs no gradient; dgamma and dbeta are
// always written.
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const float* x, const float* dy,
                         const float* mean, const float* var, const float* gamma, float eps, bool batch_stats,
                         float* dx, float* dgamma, float* dbeta);

// batch_norm_backward in two halves, for synchronised batch-norm, whose gradient through
// the statistics needs sums over every rank's rows:
// the per-channel sums of dy and dy * (x - mean) over this process's rows,
void batch_norm_backward_sums(std::int64_t rows, std::int64_t channels, const float* x, const float* dy,
                              const float* mean, double* sum_dy, double* sum_dy_xc);
// and the gradients: dgamma and dbeta from the local sums, dx with the gradient through
// statistics taken over `count` rows whose sums are total_dy and total_dy_xc (the local
// sums and rows again for plain batch-norm).
void batch_norm_backward_apply(std::int64_t rows, std::int64_t channels, const float* x, const float* dy,
                               const float* mean, const float* var, const float* gamma, float eps, bool batch_stats,
                               const double* sum_dy, const double* sum_dy_xc, double count, const double* total_dy,
                               const double* total_dy_xc, float* dx, float* dgamma, float* dbeta);

}  // namespace autospace::kernels::cpu

#pragma once
#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// Batch normalisation over device arrays seen as [rows, channels]; the same contracts as
// kernels/cpu/batch_norm.h (activations of T = float or bf16, per-channel numbers float).
// Per-channel sums run in double (kernels/cuda/reduce.cuh).

// Mean and biased variance from shifted sums (x - x[row 0]), as on the CPU.
template <class T>
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const T* x, float* mean, float* var);
void batch_norm_update_running(std::int64_t channels, const float* mean, const float* var, std::int64_t count,
                               float momentum, float* running_mean, float* running_var);
// y = act(gamma * (x - mean) / sqrt(var + eps) + beta); the activation is fused so that
// conv-BN-activation chains read and write the tensor once.
template <class T>
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const T* x, const float* mean, const float* var,
                        const float* gamma, const float* beta, float eps, ActivationKind activation, T* y);
// The activation's derivative at the pre-activation recomputed from x, as on the CPU.
template <class T>
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const float* mean,
                         const float* var, const float* gamma, const float* beta, float eps, bool batch_stats,
                         ActivationKind activation, T* dx, float* dgamma, float* dbeta);

}  // namespace autospace::kernels::cuda

#include "kernels/cuda/batch_norm.h"

#include "kernels/common/batch_norm.h"
#include "kernels/cuda/activation.cuh"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

template <class T>
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const T* x, float* mean, float* var) {
  const double n = static_cast<double>(rows);
  column_reduce<2>(
      1, rows, channels,
      [=] __device__(std::int64_t, std::int64_t r, std::int64_t c, double* acc) {
        const float d = to_float(x[r * channels + c]) - to_float(x[c]);
        acc[0] += d;
        acc[1] += static_cast<double>(d) * d;
      },
      [=] __device__(std::int64_t, std::int64_t c, const double* total) {
        const double m = total[0] / n;
        const double v = total[1] / n - m * m;
        mean[c] = static_cast<float>(static_cast<double>(to_float(x[c])) + m);
        var[c] = static_cast<float>(v < 0.0 ? 0.0 : v);  // as the CPU's std::max: a NaN stays NaN
      });
}

void batch_norm_update_running(std::int64_t channels, const float* mean, const float* var, std::int64_t count,
                               float momentum, float* running_mean, float* running_var) {
  const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
  const double keep = 1.0 - static_cast<double>(momentum);
  const double m = momentum;
  launch_map(channels, [=] __device__(auto c) {
    running_mean[c] = static_cast<float>(keep * running_mean[c] + m * static_cast<double>(mean[c]));
    running_var[c] = static_cast<float>(keep * running_var[c] + m * unbias * static_cast<double>(var[c]));
  });
}

namespace {

// batch_norm_scale per channel, as on the CPU: the forward pass and the backward pass's
// recomputed pre-activation use the same factors.
void bn_scales(std::int64_t channels, const float* gamma, const float* var, float eps, float* scale) {
  launch_map(channels, [=] __device__(auto c) { scale[c] = batch_norm_scale(gamma[c], var[c], eps); });
}

template <ActivationKind K, class T>
void apply(std::int64_t n, std::int64_t channels, const T* x, const float* mean, const float* scale,
           const float* beta, T* y) {
  launch_map(n, [=] __device__(auto i) {
    const auto c = i % static_cast<decltype(i)>(channels);
    y[i] = from_float<T>(activate<K>((to_float(x[i]) - mean[c]) * scale[c] + beta[c]));
  });
}

// dx = k * dy' + slope * (x - mean) + offset per channel, dy' being dy through the
// activation at the recomputed pre-activation; slope and offset carry the gradient
// through the batch statistics and vanish in eval mode.
template <ActivationKind K, class T>
void backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const float* mean,
              const float* var, const float* gamma, const float* beta, const float* scale, float eps,
              bool batch_stats, float* coefficients, T* dx, float* dgamma, float* dbeta) {
  float* k = coefficients;
  float* slope = k + channels;
  float* offset = slope + channels;
  const double n = static_cast<double>(rows);
  column_reduce<2>(
      1, rows, channels,
      [=] __device__(std::int64_t, std::int64_t r, std::int64_t c, double* acc) {
        const std::int64_t i = r * channels + c;
        const float xc = to_float(x[i]) - mean[c];
        const float g = activate_backward_at_input<K>(xc * scale[c] + beta[c], to_float(dy[i]));
        acc[0] += g;
        acc[1] += static_cast<double>(g * xc);
      },
      [=] __device__(std::int64_t, std::int64_t c, const double* total) {
        const double invstd = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
        dbeta[c] = static_cast<float>(total[0]);
        dgamma[c] = static_cast<float>(total[1] * invstd);
        const double kc = static_cast<double>(gamma[c]) * invstd;
        k[c] = static_cast<float>(kc);
        slope[c] = batch_stats ? static_cast<float>(-kc * invstd * invstd * total[1] / n) : 0.0f;
        offset[c] = batch_stats ? static_cast<float>(-kc * total[0] / n) : 0.0f;
      });
  if (!dx) return;
  launch_map(rows * channels, [=] __device__(auto i) {
    const auto c = i % static_cast<decltype(i)>(channels);
    const float xc = to_float(x[i]) - mean[c];
    const float g = activate_backward_at_input<K>(xc * scale[c] + beta[c], to_float(dy[i]));
    dx[i] = from_float<T>(k[c] * g + slope[c] * xc + offset[c]);
  });
}

}  // namespace

template <class T>
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const T* x, const float* mean, const float* var,
                        const float* gamma, const float* beta, float eps, ActivationKind activation, T* y) {
  // Centring before scaling as on the CPU.
  Scratch scale_buffer(static_cast<std::size_t>(channels) * sizeof(float));
  float* scale = scale_buffer.as<float>();
  bn_scales(channels, gamma, var, eps, scale);
  dispatch_activation(activation,
                      [&](auto k) { apply<decltype(k)::value>(rows * channels, channels, x, mean, scale, beta, y); });
}

template <class T>
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const float* mean,
                         const float* var, const float* gamma, const float* beta, float eps, bool batch_stats,
                         ActivationKind activation, T* dx, float* dgamma, float* dbeta) {
  // Scales, then k, slope and offset, per channel.
  Scratch buffer(static_cast<std::size_t>(4 * channels) * sizeof(float));
  float* scale = buffer.as<float>();
  bn_scales(channels, gamma, var, eps, scale);
  dispatch_activation(activation, [&](auto k) {
    backward<decltype(k)::value>(rows, channels, x, dy, mean, var, gamma, beta, scale, eps, batch_stats,
                                 scale + channels, dx, dgamma, dbeta);
  });
}

#define AUTOSPACE_BATCH_NORM_INSTANCES(T)                                                                        \
  template void batch_norm_stats<T>(std::int64_t, std::int64_t, const T*, float*, float*);                       \
  template void batch_norm_forward<T>(std::int64_t, std::int64_t, const T*, const float*, const float*,          \
                                      const float*, const float*, float, ActivationKind, T*);                    \
  template void batch_norm_backward<T>(std::int64_t, std::int64_t, const T*, const T*, const float*,             \
                                       const float*, const float*, const float*, float, bool, ActivationKind, T*, \
                                       float*, float*);
AUTOSPACE_BATCH_NORM_INSTANCES(float)
AUTOSPACE_BATCH_NORM_INSTANCES(bf16)
#undef AUTOSPACE_BATCH_NORM_INSTANCES

}  // namespace autospace::kernels::cuda

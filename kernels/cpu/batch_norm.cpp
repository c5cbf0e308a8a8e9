#include "kernels/cpu/batch_norm.h"

#include "kernels/common/batch_norm.h"
#include "kernels/cpu/activation_math.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace autospace::kernels::cpu {

namespace {

constexpr std::int64_t kParallelMin = 32768;
// Rows summed in float vectors before being folded into the double totals: short
// enough that the float rounding stays around 1e-6 relative, long enough that the
// float-to-double conversion is a small part of the work.
constexpr std::int64_t kBlockRows = 32;

// Two per-channel sums over the rows of a [rows, channels] array. body(r, a, b) adds
// row r's terms to the float accumulators a and b (one entry per channel). Each thread
// takes a contiguous range of rows and keeps its own double totals, combined at the end
// in thread order.
template <class Body>
void channel_sums(std::int64_t rows, std::int64_t channels, double* sum_a, double* sum_b, const Body& body) {
  const int threads =
      rows * channels > kParallelMin ? static_cast<int>(std::min<std::int64_t>(omp_get_max_threads(), rows)) : 1;
  std::vector<double> partial(static_cast<std::size_t>(2 * channels * threads), 0.0);
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const std::int64_t begin = rows * t / nt, end = rows * (t + 1) / nt;
    double* total_a = partial.data() + 2 * channels * t;
    double* total_b = total_a + channels;
    std::vector<float> block_a(static_cast<std::size_t>(channels)), block_b(static_cast<std::size_t>(channels));
    float* a = block_a.data();
    float* b = block_b.data();
    for (std::int64_t r0 = begin; r0 < end; r0 += kBlockRows) {
      std::fill(block_a.begin(), block_a.end(), 0.0f);
      std::fill(block_b.begin(), block_b.end(), 0.0f);
      for (std::int64_t r = r0; r < std::min(end, r0 + kBlockRows); ++r) body(r, a, b);
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c) {
        total_a[c] += a[c];
        total_b[c] += b[c];
      }
    }
  }
  std::fill(sum_a, sum_a + channels, 0.0);
  std::fill(sum_b, sum_b + channels, 0.0);
  for (int t = 0; t < threads; ++t)
    for (std::int64_t c = 0; c < channels; ++c) {
      sum_a[c] += partial[static_cast<std::size_t>(2 * channels * t + c)];
      sum_b[c] += partial[static_cast<std::size_t>(2 * channels * t + channels + c)];
    }
}

// batch_norm_scale per channel: the forward pass and the backward pass's recomputed
// pre-activation use the same factors.
std::vector<float> bn_scales(std::int64_t channels, const float* gamma, const float* var, float eps) {
  std::vector<float> scale(static_cast<std::size_t>(channels));
  for (std::int64_t c = 0; c < channels; ++c)
    scale[static_cast<std::size_t>(c)] = batch_norm_scale(gamma[c], var[c], eps);
  return scale;
}

}  // namespace

template <class T>
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const T* x, float* mean, float* var) {
  // Sums of x - x[row 0] rather than of x: a one-pass variance from plain sums of x and x^2
  // cancels catastrophically when |mean| >> std, the shifted one does not.
  std::vector<float> shift_v(static_cast<std::size_t>(channels));
  for (std::int64_t c = 0; c < channels; ++c) shift_v[static_cast<std::size_t>(c)] = to_float(x[c]);
  const float* shift = shift_v.data();
  std::vector<double> sum(static_cast<std::size_t>(channels)), sum_sq(static_cast<std::size_t>(channels));
  channel_sums(rows, channels, sum.data(), sum_sq.data(), [&](std::int64_t r, float* a, float* b) {
    const T* xr = x + r * channels;
#pragma omp simd
    for (std::int64_t c = 0; c < channels; ++c) {
      const float d = to_float(xr[c]) - shift[c];
      a[c] += d;
      b[c] += d * d;
    }
  });
  const double n = static_cast<double>(rows);
  for (std::int64_t c = 0; c < channels; ++c) {
    const double m = sum[static_cast<std::size_t>(c)] / n;
    mean[c] = static_cast<float>(static_cast<double>(shift[c]) + m);
    var[c] = static_cast<float>(std::max(sum_sq[static_cast<std::size_t>(c)] / n - m * m, 0.0));
  }
}

void batch_norm_update_running(std::int64_t channels, const float* mean, const float* var, std::int64_t count,
                               float momentum, float* running_mean, float* running_var) {
  const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
  const double keep = 1.0 - static_cast<double>(momentum);
  for (std::int64_t c = 0; c < channels; ++c) {
    running_mean[c] = static_cast<float>(keep * running_mean[c] + momentum * static_cast<double>(mean[c]));
    running_var[c] = static_cast<float>(keep * running_var[c] + momentum * unbias * static_cast<double>(var[c]));
  }
}

template <class T>
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const T* x, const float* mean, const float* var,
                        const float* gamma, const float* beta, float eps, ActivationKind activation, T* y) {
  // Centring before scaling (rather than folding the mean into the shift too) avoids
  // cancellation when |mean| >> std.
  const std::vector<float> scale_v = bn_scales(channels, gamma, var, eps);
  const float* scale = scale_v.data();
  dispatch_activation(activation, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
#pragma omp parallel for schedule(static) if (rows * channels > kParallelMin)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * channels;
      T* yr = y + r * channels;
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c)
        yr[c] = from_float<T>(activate<K>((to_float(xr[c]) - mean[c]) * scale[c] + beta[c]));
    }
  });
}

template <class T>
void batch_norm_backward_sums(std::int64_t rows, std::int64_t channels, const T* x, const T* dy,
                              const float* mean, const float* var, const float* gamma, const float* beta, float eps,
                              ActivationKind activation, double* sum_dy, double* sum_dy_xc) {
  const std::vector<float> scale_v = bn_scales(channels, gamma, var, eps);
  const float* scale = scale_v.data();
  dispatch_activation(activation, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    channel_sums(rows, channels, sum_dy, sum_dy_xc, [&](std::int64_t r, float* a, float* b) {
      const T* xr = x + r * channels;
      const T* gr = dy + r * channels;
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c) {
        const float xc = to_float(xr[c]) - mean[c];
        const float g = activate_backward<K>(xc * scale[c] + beta[c], to_float(gr[c]));
        a[c] += g;
        b[c] += g * xc;
      }
    });
  });
}

template <class T>
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const float* mean,
                         const float* var, const float* gamma, const float* beta, float eps, bool batch_stats,
                         ActivationKind activation, T* dx, float* dgamma, float* dbeta) {
  std::vector<double> sum_dy(static_cast<std::size_t>(channels)), sum_dy_xc(static_cast<std::size_t>(channels));
  batch_norm_backward_sums(rows, channels, x, dy, mean, var, gamma, beta, eps, activation, sum_dy.data(),
                           sum_dy_xc.data());
  batch_norm_backward_apply(rows, channels, x, dy, mean, var, gamma, beta, eps, batch_stats, activation,
                            sum_dy.data(), sum_dy_xc.data(), static_cast<double>(rows), sum_dy.data(),
                            sum_dy_xc.data(), dx, dgamma, dbeta);
}

template <class T>
void batch_norm_backward_apply(std::int64_t rows, std::int64_t channels, const T* x, const T* dy,
                               const float* mean, const float* var, const float* gamma, const float* beta, float eps,
                               bool batch_stats, ActivationKind activation, const double* sum_dy,
                               const double* sum_dy_xc, double count, const double* total_dy,
                               const double* total_dy_xc, T* dx, float* dgamma, float* dbeta) {
  // dx = k * dy' + slope * (x - mean) + offset per channel; slope and offset carry the
  // gradient through the batch statistics and vanish in eval mode.
  std::vector<float> k_v(static_cast<std::size_t>(channels)), slope_v(static_cast<std::size_t>(channels)),
      offset_v(static_cast<std::size_t>(channels));
  for (std::int64_t c = 0; c < channels; ++c) {
    const std::size_t i = static_cast<std::size_t>(c);
    const double invstd = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    dbeta[c] = static_cast<float>(sum_dy[i]);
    dgamma[c] = static_cast<float>(sum_dy_xc[i] * invstd);
    const double k = static_cast<double>(gamma[c]) * invstd;
    k_v[i] = static_cast<float>(k);
    slope_v[i] = batch_stats ? static_cast<float>(-k * invstd * invstd * total_dy_xc[i] / count) : 0.0f;
    offset_v[i] = batch_stats ? static_cast<float>(-k * total_dy[i] / count) : 0.0f;
  }
  if (!dx) return;
  const std::vector<float> scale_v = bn_scales(channels, gamma, var, eps);
  const float* scale = scale_v.data();
  const float* k = k_v.data();
  const float* slope = slope_v.data();
  const float* offset = offset_v.data();
  dispatch_activation(activation, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
#pragma omp parallel for schedule(static) if (rows * channels > kParallelMin)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * channels;
      const T* gr = dy + r * channels;
      T* dr = dx + r * channels;
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c) {
        const float xc = to_float(xr[c]) - mean[c];
        const float g = activate_backward<K>(xc * scale[c] + beta[c], to_float(gr[c]));
        dr[c] = from_float<T>(k[c] * g + slope[c] * xc + offset[c]);
      }
    }
  });
}

#define AUTOSPACE_BATCH_NORM_INSTANCES(T)                                                                        \
  template void batch_norm_stats<T>(std::int64_t, std::int64_t, const T*, float*, float*);                       \
  template void batch_norm_forward<T>(std::int64_t, std::int64_t, const T*, const float*, const float*,          \
                                      const float*, const float*, float, ActivationKind, T*);                    \
  template void batch_norm_backward<T>(std::int64_t, std::int64_t, const T*, const T*, const float*,             \
                                       const float*, const float*, const float*, float, bool, ActivationKind, T*, \
                                       float*, float*);                                                          \
  template void batch_norm_backward_sums<T>(std::int64_t, std::int64_t, const T*, const T*, const float*,        \
                                            const float*, const float*, const float*, float, ActivationKind,     \
                                            double*, double*);                                                   \
  template void batch_norm_backward_apply<T>(std::int64_t, std::int64_t, const T*, const T*, const float*,       \
                                             const float*, const float*, const float*, float, bool,              \
                                             ActivationKind, const double*, const double*, double, const double*, \
                                             const double*, T*, float*, float*);
AUTOSPACE_BATCH_NORM_INSTANCES(float)
AUTOSPACE_BATCH_NORM_INSTANCES(bf16)
#undef AUTOSPACE_BATCH_NORM_INSTANCES

}  // namespace autospace::kernels::cpu

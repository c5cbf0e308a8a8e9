#include "kernels/cpu/depthwise_conv2d.h"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace autospace::kernels::cpu {

bool depthwise_weights_by_hand(const Conv2dShape& s) {
  return s.groups > 1 && s.groups == s.in_c && s.out_c == s.in_c && s.kernel_h * s.kernel_w > 9;
}

template <class T>
void depthwise_conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias) {
  const std::int64_t c_n = s.in_c, kh_n = s.kernel_h, kw_n = s.kernel_w, taps = kh_n * kw_n;
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), rows = s.n * oh_n;
  // The bias gradient, when asked for, is one more "tap": the sum of dy alone.
  const std::int64_t slots = taps + (dbias ? 1 : 0);
  const int threads = static_cast<int>(std::min<std::int64_t>(omp_get_max_threads(), rows));
  // partial[t][slot * C + c]: thread t's double totals.
  std::vector<double> partial(static_cast<std::size_t>(threads * slots * c_n), 0.0);
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    double* total = partial.data() + t * slots * c_n;
    // One output row's sums in float, then added to the totals: short float sums (at most
    // W_out terms) keep their rounding near 1e-7.
    std::vector<float> row_sums(static_cast<std::size_t>(slots * c_n));
    float* acc = row_sums.data();
    for (std::int64_t r = rows * t / nt; r < rows * (t + 1) / nt; ++r) {
      const std::int64_t n = r / oh_n, oh = r % oh_n;
      std::fill(row_sums.begin(), row_sums.end(), 0.0f);
      if (dbias) {
        float* a = acc + taps * c_n;
        for (std::int64_t ow = 0; ow < ow_n; ++ow) {
          const T* g = dy + ((n * oh_n + oh) * ow_n + ow) * c_n;
#pragma omp simd
          for (std::int64_t c = 0; c < c_n; ++c) a[c] += to_float(g[c]);
        }
      }
      for (std::int64_t kh = 0; kh < kh_n; ++kh) {
        const std::int64_t ih = oh * s.stride - s.pad + kh;
        if (ih < 0 || ih >= s.in_h) continue;
        const T* x_row = x + (n * s.in_h + ih) * s.in_w * c_n;
        for (std::int64_t ow = 0; ow < ow_n; ++ow) {
          const T* g = dy + ((n * oh_n + oh) * ow_n + ow) * c_n;
          for (std::int64_t kw = 0; kw < kw_n; ++kw) {
            const std::int64_t iw = ow * s.stride - s.pad + kw;
            if (iw < 0 || iw >= s.in_w) continue;
            const T* xi = x_row + iw * c_n;
            float* a = acc + (kh * kw_n + kw) * c_n;
#pragma omp simd
            for (std::int64_t c = 0; c < c_n; ++c) a[c] += to_float(g[c]) * to_float(xi[c]);
          }
        }
      }
#pragma omp simd
      for (std::int64_t i = 0; i < slots * c_n; ++i) total[i] += acc[i];
    }
  }
  // dw[c, tap] (and dbias[c]) from the threads' totals, in thread order.
  const auto summed = [&](std::int64_t slot, std::int64_t c) {
    double sum = 0.0;
    for (int t = 0; t < threads; ++t) sum += partial[static_cast<std::size_t>((t * slots + slot) * c_n + c)];
    return static_cast<float>(sum);
  };
  for (std::int64_t c = 0; c < c_n; ++c) {
    for (std::int64_t tap = 0; tap < taps; ++tap) dw[c * taps + tap] = summed(tap, c);
    if (dbias) dbias[c] = summed(taps, c);
  }
}

template void depthwise_conv2d_backward_weights<float>(const Conv2dShape&, const float*, const float*, float*,
                                                       float*);
template void depthwise_conv2d_backward_weights<bf16>(const Conv2dShape&, const bf16*, const bf16*, float*, float*);

}  // namespace autospace::kernels::cpu

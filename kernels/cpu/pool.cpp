#include "kernels/cpu/pool.h"

#include <vector>

namespace autospace::kernels::cpu {

namespace {

// Below this many elements touched, threads cost more than they save.
constexpr std::int64_t kParallelThreshold = 32768;

}  // namespace

// Each thread sums into float accumulators of its own, so bf16 outputs are rounded once.
template <class T>
void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* x, T* y) {
  const float scale = 1.f / static_cast<float>(hw);
#pragma omp parallel if (n * hw * c > kParallelThreshold)
  {
    std::vector<float> sums(static_cast<std::size_t>(c));
    float* acc = sums.data();
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      const T* in = x + i * hw * c;
#pragma omp simd
      for (std::int64_t ch = 0; ch < c; ++ch) acc[ch] = 0.f;
      for (std::int64_t p = 0; p < hw; ++p)
#pragma omp simd
        for (std::int64_t ch = 0; ch < c; ++ch) acc[ch] += to_float(in[p * c + ch]);
      T* out = y + i * c;
#pragma omp simd
      for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = from_float<T>(acc[ch] * scale);
    }
  }
}

template <class T>
void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* dy, T* dx) {
  const float scale = 1.f / static_cast<float>(hw);
#pragma omp parallel for collapse(2) schedule(static) if (n * hw * c > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t p = 0; p < hw; ++p) {
      const T* g = dy + i * c;
      T* out = dx + (i * hw + p) * c;
#pragma omp simd
      for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = from_float<T>(to_float(g[ch]) * scale);
    }
}

template <class T> void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), c = s.c;
#pragma omp parallel if (s.n * s.in_h * s.in_w * c > kParallelThreshold)
  {
    std::vector<float> sums(static_cast<std::size_t>(c));
    float* acc = sums.data();
#pragma omp for collapse(2) schedule(static)
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t oh = 0; oh < oh_n; ++oh) {
        const auto wh = s.window(oh, s.in_h);
        for (std::int64_t ow = 0; ow < ow_n; ++ow) {
          const auto ww = s.window(ow, s.in_w);
#pragma omp simd
          for (std::int64_t ch = 0; ch < c; ++ch) acc[ch] = 0.f;
          for (std::int64_t ih = wh.begin; ih < wh.end; ++ih)
            for (std::int64_t iw = ww.begin; iw < ww.end; ++iw) {
              const T* in = x + ((n * s.in_h + ih) * s.in_w + iw) * c;
#pragma omp simd
              for (std::int64_t ch = 0; ch < c; ++ch) acc[ch] += to_float(in[ch]);
            }
          const float scale = 1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin));
          T* out = y + ((n * oh_n + oh) * ow_n + ow) * c;
#pragma omp simd
          for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = from_float<T>(acc[ch] * scale);
        }
      }
  }
}

// Gathers, for each input position, the gradients of the windows covering it, so that
// threads write disjoint rows of dx.
template <class T> void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), c = s.c;
#pragma omp parallel if (s.n * s.in_h * s.in_w * c > kParallelThreshold)
  {
    std::vector<float> sums(static_cast<std::size_t>(c));
    float* acc = sums.data();
#pragma omp for collapse(2) schedule(static)
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t ih = 0; ih < s.in_h; ++ih) {
        const auto rows = s.covering(ih, oh_n);
        for (std::int64_t iw = 0; iw < s.in_w; ++iw) {
          const auto cols = s.covering(iw, ow_n);
#pragma omp simd
          for (std::int64_t ch = 0; ch < c; ++ch) acc[ch] = 0.f;
          for (std::int64_t oh = rows.begin; oh < rows.end; ++oh) {
            const auto wh = s.window(oh, s.in_h);
            for (std::int64_t ow = cols.begin; ow < cols.end; ++ow) {
              const auto ww = s.window(ow, s.in_w);
              const float scale = 1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin));
              const T* g = dy + ((n * oh_n + oh) * ow_n + ow) * c;
#pragma omp simd
              for (std::int64_t ch = 0; ch < c; ++ch) acc[ch] += to_float(g[ch]) * scale;
            }
          }
          T* out = dx + ((n * s.in_h + ih) * s.in_w + iw) * c;
#pragma omp simd
          for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = from_float<T>(acc[ch]);
        }
      }
  }
}

#define AUTOSPACE_POOL_INSTANCES(T)                                                                            \
  template void global_avg_pool_forward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);            \
  template void global_avg_pool_backward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);           \
  template void avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                                       \
  template void avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);
AUTOSPACE_POOL_INSTANCES(float)
AUTOSPACE_POOL_INSTANCES(bf16)
#undef AUTOSPACE_POOL_INSTANCES

}  // namespace autospace::kernels::cpu

#include "kernels/cpu/pool.h"

namespace autospace::kernels::cpu {

namespace {

// Below this many elements touched, threads cost more than they save.
constexpr std::int64_t kParallelThreshold = 32768;

}  // namespace

void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* x, float* y) {
  const float scale = 1.f / static_cast<float>(hw);
#pragma omp parallel for schedule(static) if (n * hw * c > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i) {
    float* out = y + i * c;
    const float* in = x + i * hw * c;
#pragma omp simd
    for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = 0.f;
    for (std::int64_t p = 0; p < hw; ++p)
#pragma omp simd
      for (std::int64_t ch = 0; ch < c; ++ch) out[ch] += in[p * c + ch];
#pragma omp simd
    for (std::int64_t ch = 0; ch < c; ++ch) out[ch] *= scale;
  }
}

void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* dy, float* dx) {
  const float scale = 1.f / static_cast<float>(hw);
#pragma omp parallel for collapse(2) schedule(static) if (n * hw * c > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t p = 0; p < hw; ++p) {
      const float* g = dy + i * c;
      float* out = dx + (i * hw + p) * c;
#pragma omp simd
      for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = g[ch] * scale;
    }
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), c = s.c;
#pragma omp parallel for collapse(2) schedule(static) if (s.n * s.in_h * s.in_w * c > kParallelThreshold)
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t oh = 0; oh < oh_n; ++oh) {
      const auto wh = s.window(oh, s.in_h);
      for (std::int64_t ow = 0; ow < ow_n; ++ow) {
        const auto ww = s.window(ow, s.in_w);
        float* out = y + ((n * oh_n + oh) * ow_n + ow) * c;
#pragma omp simd
        for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = 0.f;
        for (std::int64_t ih = wh.begin; ih < wh.end; ++ih)
          for (std::int64_t iw = ww.begin; iw < ww.end; ++iw) {
            const float* in = x + ((n * s.in_h + ih) * s.in_w + iw) * c;
#pragma omp simd
            for (std::int64_t ch = 0; ch < c; ++ch) out[ch] += in[ch];
          }
        const float scale = 1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin));
#pragma omp simd
        for (std::int64_t ch = 0; ch < c; ++ch) out[ch] *= scale;
      }
    }
}

// Gathers, for each input position, the gradients of the windows covering it, so that
// threads write disjoint rows of dx.
void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), c = s.c;
#pragma omp parallel for collapse(2) schedule(static) if (s.n * s.in_h * s.in_w * c > kParallelThreshold)
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t ih = 0; ih < s.in_h; ++ih) {
      const auto rows = s.covering(ih, oh_n);
      for (std::int64_t iw = 0; iw < s.in_w; ++iw) {
        const auto cols = s.covering(iw, ow_n);
        float* out = dx + ((n * s.in_h + ih) * s.in_w + iw) * c;
#pragma omp simd
        for (std::int64_t ch = 0; ch < c; ++ch) out[ch] = 0.f;
        for (std::int64_t oh = rows.begin; oh < rows.end; ++oh) {
          const auto wh = s.window(oh, s.in_h);
          for (std::int64_t ow = cols.begin; ow < cols.end; ++ow) {
            const auto ww = s.window(ow, s.in_w);
            const float scale = 1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin));
            const float* g = dy + ((n * oh_n + oh) * ow_n + ow) * c;
#pragma omp simd
            for (std::int64_t ch = 0; ch < c; ++ch) out[ch] += g[ch] * scale;
          }
        }
      }
    }
}

}  // namespace autospace::kernels::cpu

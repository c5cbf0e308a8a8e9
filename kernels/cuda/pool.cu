#include "kernels/cuda/pool.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* x, float* y) {
  const double inv = 1.0 / static_cast<double>(hw);
  column_reduce<1>(
      n, hw, c,
      [=] __device__(std::int64_t b, std::int64_t p, std::int64_t ch, double* acc) {
        acc[0] += x[(b * hw + p) * c + ch];
      },
      [=] __device__(std::int64_t b, std::int64_t ch, const double* total) {
        y[b * c + ch] = static_cast<float>(total[0] * inv);
      });
}

void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* dy, float* dx) {
  const float scale = 1.f / static_cast<float>(hw);
  launch_map(n * hw * c, [=] __device__(auto i) {
    using I = decltype(i);
    const I ch = i % static_cast<I>(c), b = i / static_cast<I>(hw * c);
    dx[i] = dy[b * static_cast<I>(c) + ch] * scale;
  });
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  launch_map(s.n * oh_n * ow_n * s.c, [=] __device__(auto i) {
    const std::int64_t ch = i % s.c, ow = i / s.c % ow_n, oh = i / (s.c * ow_n) % oh_n, b = i / (s.c * ow_n * oh_n);
    const auto wh = s.window(oh, s.in_h), ww = s.window(ow, s.in_w);
    float sum = 0.f;
    for (std::int64_t ih = wh.begin; ih < wh.end; ++ih)
      for (std::int64_t iw = ww.begin; iw < ww.end; ++iw) sum += x[((b * s.in_h + ih) * s.in_w + iw) * s.c + ch];
    y[i] = sum * (1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin)));
  });
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  launch_map(s.n * s.in_h * s.in_w * s.c, [=] __device__(auto i) {
    const std::int64_t ch = i % s.c, iw = i / s.c % s.in_w, ih = i / (s.c * s.in_w) % s.in_h,
                       b = i / (s.c * s.in_w * s.in_h);
    const auto rows = s.covering(ih, oh_n), cols = s.covering(iw, ow_n);
    float sum = 0.f;
    for (std::int64_t oh = rows.begin; oh < rows.end; ++oh) {
      const auto wh = s.window(oh, s.in_h);
      for (std::int64_t ow = cols.begin; ow < cols.end; ++ow) {
        const auto ww = s.window(ow, s.in_w);
        const float scale = 1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin));
        sum += dy[((b * oh_n + oh) * ow_n + ow) * s.c + ch] * scale;
      }
    }
    dx[i] = sum;
  });
}

}  // namespace autospace::kernels::cuda

#include "kernels/cuda/pool.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

template <class T>
void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* x, T* y) {
  const double inv = 1.0 / static_cast<double>(hw);
  column_reduce<1>(
      n, hw, c,
      [=] __device__(std::int64_t b, std::int64_t p, std::int64_t ch, double* acc) {
        acc[0] += to_float(x[(b * hw + p) * c + ch]);
      },
      [=] __device__(std::int64_t b, std::int64_t ch, const double* total) {
        y[b * c + ch] = from_float<T>(static_cast<float>(total[0] * inv));
      });
}

template <class T>
void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* dy, T* dx) {
  const float scale = 1.f / static_cast<float>(hw);
  launch_map(n * hw * c, [=] __device__(auto i) {
    using I = decltype(i);
    const I ch = i % static_cast<I>(c), b = i / static_cast<I>(hw * c);
    dx[i] = from_float<T>(to_float(dy[b * static_cast<I>(c) + ch]) * scale);
  });
}

template <class T> void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  launch_map(s.n * oh_n * ow_n * s.c, [=] __device__(auto i) {
    const std::int64_t ch = i % s.c, ow = i / s.c % ow_n, oh = i / (s.c * ow_n) % oh_n, b = i / (s.c * ow_n * oh_n);
    const auto wh = s.window(oh, s.in_h), ww = s.window(ow, s.in_w);
    float sum = 0.f;
    for (std::int64_t ih = wh.begin; ih < wh.end; ++ih)
      for (std::int64_t iw = ww.begin; iw < ww.end; ++iw)
        sum += to_float(x[((b * s.in_h + ih) * s.in_w + iw) * s.c + ch]);
    y[i] = from_float<T>(sum * (1.f / static_cast<float>((wh.end - wh.begin) * (ww.end - ww.begin))));
  });
}

template <class T> void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx) {
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
        sum += to_float(dy[((b * oh_n + oh) * ow_n + ow) * s.c + ch]) * scale;
      }
    }
    dx[i] = from_float<T>(sum);
  });
}

#define AUTOSPACE_POOL_INSTANCES(T)                                                                            \
  template void global_avg_pool_forward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);            \
  template void global_avg_pool_backward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);           \
  template void avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                                       \
  template void avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);
AUTOSPACE_POOL_INSTANCES(float)
AUTOSPACE_POOL_INSTANCES(bf16)
#undef AUTOSPACE_POOL_INSTANCES

}  // namespace autospace::kernels::cuda

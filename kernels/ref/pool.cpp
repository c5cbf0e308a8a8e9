#include "kernels/ref/pool.h"

namespace autospace::kernels::ref {

template <class T> void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* x, T* y) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double acc = 0;
      for (std::int64_t p = 0; p < hw; ++p) acc += static_cast<double>(x[(i * hw + p) * c + ch]);
      y[i * c + ch] = static_cast<T>(acc / static_cast<double>(hw));
    }
}

template <class T> void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* dy, T* dx) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t p = 0; p < hw; ++p)
      for (std::int64_t ch = 0; ch < c; ++ch)
        dx[(i * hw + p) * c + ch] = static_cast<T>(static_cast<double>(dy[i * c + ch]) / static_cast<double>(hw));
}

template <class T> void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t oh = 0; oh < oh_n; ++oh)
      for (std::int64_t ow = 0; ow < ow_n; ++ow) {
        const auto wh = s.window(oh, s.in_h), ww = s.window(ow, s.in_w);
        const double count = static_cast<double>((wh.end - wh.begin) * (ww.end - ww.begin));
        for (std::int64_t c = 0; c < s.c; ++c) {
          double acc = 0;
          for (std::int64_t ih = wh.begin; ih < wh.end; ++ih)
            for (std::int64_t iw = ww.begin; iw < ww.end; ++iw)
              acc += static_cast<double>(x[((n * s.in_h + ih) * s.in_w + iw) * s.c + c]);
          y[((n * oh_n + oh) * ow_n + ow) * s.c + c] = static_cast<T>(acc / count);
        }
      }
}

template <class T> void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t ih = 0; ih < s.in_h; ++ih)
      for (std::int64_t iw = 0; iw < s.in_w; ++iw)
        for (std::int64_t c = 0; c < s.c; ++c) {
          double acc = 0;
          for (std::int64_t oh = 0; oh < oh_n; ++oh) {
            const auto wh = s.window(oh, s.in_h);
            if (ih < wh.begin || ih >= wh.end) continue;
            for (std::int64_t ow = 0; ow < ow_n; ++ow) {
              const auto ww = s.window(ow, s.in_w);
              if (iw < ww.begin || iw >= ww.end) continue;
              const double count = static_cast<double>((wh.end - wh.begin) * (ww.end - ww.begin));
              acc += static_cast<double>(dy[((n * oh_n + oh) * ow_n + ow) * s.c + c]) / count;
            }
          }
          dx[((n * s.in_h + ih) * s.in_w + iw) * s.c + c] = static_cast<T>(acc);
        }
}

#define AUTOSPACE_INSTANTIATE(T)                                                                           \
  template void global_avg_pool_forward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);      \
  template void global_avg_pool_backward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);     \
  template void avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                                  \
  template void avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);
AUTOSPACE_INSTANTIATE(float)
AUTOSPACE_INSTANTIATE(double)
#undef AUTOSPACE_INSTANTIATE

}  // namespace autospace::kernels::ref

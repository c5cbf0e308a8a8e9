#include "kernels/ref/conv2d.h"

namespace autospace::kernels::ref {

namespace {

// Index helpers over the NHWC / OHWI layouts of one shape.
struct Layout {
  const Conv2dShape& s;
  std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  std::int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;

  std::int64_t x(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c) const {
    return ((n * s.in_h + h) * s.in_w + w) * s.in_c + c;
  }
  std::int64_t y(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c) const {
    return ((n * oh_n + h) * ow_n + w) * s.out_c + c;
  }
  std::int64_t w(std::int64_t oc, std::int64_t kh, std::int64_t kw, std::int64_t ic) const {
    return ((oc * s.kernel_h + kh) * s.kernel_w + kw) * cin_g + ic;
  }
};

}  // namespace

template <class T> void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  const Layout L{s};
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t oh = 0; oh < L.oh_n; ++oh)
      for (std::int64_t ow = 0; ow < L.ow_n; ++ow)
        for (std::int64_t oc = 0; oc < s.out_c; ++oc) {
          const std::int64_t g = oc / L.cout_g;
          double acc = bias ? static_cast<double>(bias[oc]) : 0.0;
          for (std::int64_t kh = 0; kh < s.kernel_h; ++kh) {
            const std::int64_t ih = oh * s.stride - s.pad + kh;
            if (ih < 0 || ih >= s.in_h) continue;
            for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
              const std::int64_t iw = ow * s.stride - s.pad + kw;
              if (iw < 0 || iw >= s.in_w) continue;
              for (std::int64_t ic = 0; ic < L.cin_g; ++ic)
                acc += static_cast<double>(x[L.x(n, ih, iw, g * L.cin_g + ic)]) *
                       static_cast<double>(w[L.w(oc, kh, kw, ic)]);
            }
          }
          y[L.y(n, oh, ow, oc)] = static_cast<T>(acc);
        }
}

template <class T> void conv2d_backward_data(const Conv2dShape& s, const T* dy, const T* w, T* dx) {
  const Layout L{s};
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t ih = 0; ih < s.in_h; ++ih)
      for (std::int64_t iw = 0; iw < s.in_w; ++iw)
        for (std::int64_t c = 0; c < s.in_c; ++c) {
          const std::int64_t g = c / L.cin_g, ic = c % L.cin_g;
          double acc = 0;
          for (std::int64_t kh = 0; kh < s.kernel_h; ++kh) {
            // ih = oh * stride - pad + kh must hold for an integer oh in range.
            const std::int64_t sh = ih + s.pad - kh;
            if (sh < 0 || sh % s.stride != 0 || sh / s.stride >= L.oh_n) continue;
            for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
              const std::int64_t sw = iw + s.pad - kw;
              if (sw < 0 || sw % s.stride != 0 || sw / s.stride >= L.ow_n) continue;
              for (std::int64_t o = 0; o < L.cout_g; ++o) {
                const std::int64_t oc = g * L.cout_g + o;
                acc += static_cast<double>(dy[L.y(n, sh / s.stride, sw / s.stride, oc)]) *
                       static_cast<double>(w[L.w(oc, kh, kw, ic)]);
              }
            }
          }
          dx[L.x(n, ih, iw, c)] = static_cast<T>(acc);
        }
}

template <class T> void conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, T* dw, T* dbias) {
  const Layout L{s};
  for (std::int64_t oc = 0; oc < s.out_c; ++oc) {
    const std::int64_t g = oc / L.cout_g;
    for (std::int64_t kh = 0; kh < s.kernel_h; ++kh)
      for (std::int64_t kw = 0; kw < s.kernel_w; ++kw)
        for (std::int64_t ic = 0; ic < L.cin_g; ++ic) {
          double acc = 0;
          for (std::int64_t n = 0; n < s.n; ++n)
            for (std::int64_t oh = 0; oh < L.oh_n; ++oh) {
              const std::int64_t ih = oh * s.stride - s.pad + kh;
              if (ih < 0 || ih >= s.in_h) continue;
              for (std::int64_t ow = 0; ow < L.ow_n; ++ow) {
                const std::int64_t iw = ow * s.stride - s.pad + kw;
                if (iw < 0 || iw >= s.in_w) continue;
                acc += static_cast<double>(dy[L.y(n, oh, ow, oc)]) *
                       static_cast<double>(x[L.x(n, ih, iw, g * L.cin_g + ic)]);
              }
            }
          dw[L.w(oc, kh, kw, ic)] = static_cast<T>(acc);
        }
    if (dbias) {
      double acc = 0;
      for (std::int64_t n = 0; n < s.n; ++n)
        for (std::int64_t oh = 0; oh < L.oh_n; ++oh)
          for (std::int64_t ow = 0; ow < L.ow_n; ++ow) acc += static_cast<double>(dy[L.y(n, oh, ow, oc)]);
      dbias[oc] = static_cast<T>(acc);
    }
  }
}

#define AUTOSPACE_INSTANTIATE(T)                                                                 \
  template void conv2d_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*);         \
  template void conv2d_backward_data<T>(const Conv2dShape&, const T*, const T*, T*);             \
  template void conv2d_backward_weights<T>(const Conv2dShape&, const T*, const T*, T*, T*);
AUTOSPACE_INSTANTIATE(float)
AUTOSPACE_INSTANTIATE(double)
#undef AUTOSPACE_INSTANTIATE

}  // namespace autospace::kernels::ref

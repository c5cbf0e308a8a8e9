#pragma once
// Naive convolution oracles: every output element is one double-precision sum written
// straight from the definition, so the tests can trust them.
#include "kernels/common/conv2d.h"

namespace autospace::kernels::ref {

// y[n, oh, ow, oc] = bias[oc] + sum over (kh, kw, ic in oc's group) of
// x[n, oh * stride - pad + kh, ow * stride - pad + kw, ic] * w[oc, kh, kw, ic - group start].
// bias may be null.
template <class T> void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y);
// dx = d(sum dy * y) / dx.
template <class T> void conv2d_backward_data(const Conv2dShape& s, const T* dy, const T* w, T* dx);
// dw = d(sum dy * y) / dw and, when dbias is not null, dbias[oc] = sum of dy over n, oh, ow.
template <class T> void conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, T* dw, T* dbias);

}  // namespace autospace::kernels::ref

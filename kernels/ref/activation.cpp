#include "kernels/ref/activation.h"

#include <algorithm>
#include <cmath>

namespace autospace::kernels::ref {

namespace {
double activate(ActivationKind kind, double x) {
  switch (kind) {
    case ActivationKind::identity: return x;
    case ActivationKind::relu: return std::max(x, 0.0);
    case ActivationKind::relu6: return std::min(std::max(x, 0.0), 6.0);
    case ActivationKind::swish: return x / (1.0 + std::exp(-x));
    case ActivationKind::hswish: return x * std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
    case ActivationKind::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case ActivationKind::hsigmoid: return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
  }
  return x;
}
}  // namespace

template <class T> void activation(ActivationKind kind, std::int64_t n, const T* x, T* y) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(activate(kind, static_cast<double>(x[i])));
}

template void activation<float>(ActivationKind, std::int64_t, const float*, float*);
template void activation<double>(ActivationKind, std::int64_t, const double*, double*);

}  // namespace autospace::kernels::ref

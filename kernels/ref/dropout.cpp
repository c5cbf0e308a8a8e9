#include "kernels/ref/dropout.h"

namespace autospace::kernels::ref {

template <class T> void dropout(std::int64_t n, const T* x, float p, const PhiloxStream& stream, T* y) {
  const double scale = 1.0 / (1.0 - static_cast<double>(p));
  for (std::int64_t i = 0; i < n; ++i) {
    const bool dropped = stream.uniform(static_cast<std::uint64_t>(i)) < p;
    y[i] = dropped ? T(0) : static_cast<T>(static_cast<double>(x[i]) * scale);
  }
}

template void dropout<float>(std::int64_t, const float*, float, const PhiloxStream&, float*);
template void dropout<double>(std::int64_t, const double*, float, const PhiloxStream&, double*);

}  // namespace autospace::kernels::ref

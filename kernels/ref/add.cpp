#include "kernels/ref/add.h"

namespace autospace::kernels::ref {

template <class T> void add(std::int64_t n, const T* a, const T* b, T* out) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(static_cast<double>(a[i]) + static_cast<double>(b[i]));
}

template void add<float>(std::int64_t, const float*, const float*, float*);
template void add<double>(std::int64_t, const double*, const double*, double*);

}  // namespace autospace::kernels::ref

#include "kernels/ref/channel_slice.h"

namespace autospace::kernels::ref {

template <class T> void channel_slice(const SliceShape& s, const T* x, T* y) {
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t e = 0; e < s.count; ++e)
      for (std::int64_t i = 0; i < s.inner; ++i)
        y[(o * s.count + e) * s.inner + i] = x[(o * s.extent + e) * s.inner + i];
}

template void channel_slice<float>(const SliceShape&, const float*, float*);
template void channel_slice<double>(const SliceShape&, const double*, double*);

}  // namespace autospace::kernels::ref

#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// y[n, p, c] = x[n, p, c] * s[n, c] for x seen as [batch, pixels, channels].
template <class T>
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s, T* y);

}  // namespace autospace::kernels::ref

#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// out = a + b over n elements.
template <class T> void add(std::int64_t n, const T* a, const T* b, T* out);

}  // namespace autospace::kernels::ref

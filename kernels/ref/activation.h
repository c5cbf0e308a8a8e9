#pragma once
#include <cstdint>

#include "kernels/common/activation.h"

namespace autospace::kernels::ref {

// y = kind(x) over n elements.
template <class T> void activation(ActivationKind kind, std::int64_t n, const T* x, T* y);

}  // namespace autospace::kernels::ref

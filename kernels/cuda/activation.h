#pragma once
#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/activation.h.
template <class T> void activation(ActivationKind kind, std::int64_t n, const T* x, T* y);
template <class T>
void activation_backward(ActivationKind kind, std::int64_t n, const T* x, const T* y, const T* dy, T* dx);

}  // namespace autospace::kernels::cuda

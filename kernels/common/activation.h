#pragma once
// The element-wise activations every backend implements. Kept apart from the engine's
// ops::Activation so that kernels stay free of engine headers.
#include <type_traits>

#include "kernels/common/check.h"

namespace autospace::kernels {

enum class ActivationKind { identity, relu, relu6, swish, hswish, sigmoid, hsigmoid };

// Calls f(std::integral_constant<ActivationKind, kind>) so that a backend's loops or
// kernels are instantiated per kind and the switch runs once, on the host, outside them.
template <class F> void dispatch_activation(ActivationKind kind, F&& f) {
  using K = ActivationKind;
  switch (kind) {
    case K::identity: return f(std::integral_constant<K, K::identity>{});
    case K::relu: return f(std::integral_constant<K, K::relu>{});
    case K::relu6: return f(std::integral_constant<K, K::relu6>{});
    case K::swish: return f(std::integral_constant<K, K::swish>{});
    case K::hswish: return f(std::integral_constant<K, K::hswish>{});
    case K::sigmoid: return f(std::integral_constant<K, K::sigmoid>{});
    case K::hsigmoid: return f(std::integral_constant<K, K::hsigmoid>{});
  }
  AUTOSPACE_THROW("activation: invalid kind ", static_cast<int>(kind));
}

}  // namespace autospace::kernels

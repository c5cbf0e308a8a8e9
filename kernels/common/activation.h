#pragma once
// The element-wise activations every backend implements. Kept apart from the engine's
// ops::Activation so that kernels stay free of engine headers.
namespace autospace::kernels {

enum class ActivationKind { identity, relu, relu6, swish, hswish, sigmoid, hsigmoid };

}  // namespace autospace::kernels

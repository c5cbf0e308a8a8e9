#pragma once
#include <string>

#include "engine/tensor.h"
#include "kernels/common/activation.h"

namespace autospace::ops {

enum class Activation { identity, relu, relu6, swish, hswish, sigmoid, hsigmoid };

// "identity"/"none", "relu", "relu6", "swish"/"silu", "hswish", "sigmoid", "hsigmoid";
// throws naming the text otherwise.
Activation parse_activation(const std::string& name);
const char* activation_name(Activation a);
// The kernels' name for it (kernels stay free of engine headers).
kernels::ActivationKind kernel_activation(Activation a);

// Element-wise activation of any f32 tensor.
Tensor activation(const Tensor& x, Activation kind);
inline Tensor relu(const Tensor& x) { return activation(x, Activation::relu); }
inline Tensor relu6(const Tensor& x) { return activation(x, Activation::relu6); }
inline Tensor swish(const Tensor& x) { return activation(x, Activation::swish); }
inline Tensor hswish(const Tensor& x) { return activation(x, Activation::hswish); }
inline Tensor sigmoid(const Tensor& x) { return activation(x, Activation::sigmoid); }

}  // namespace autospace::ops

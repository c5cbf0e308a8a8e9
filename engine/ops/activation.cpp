#include "engine/ops/activation.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/activation.h"
#include "kernels/cuda/activation.h"

namespace autospace::ops {

namespace {

template <class T> using ActivationKernel = decltype(kernels::cpu::activation<T>);
template <class T> using ActivationBackwardKernel = decltype(kernels::cpu::activation_backward<T>);
const FloatKernelTable<ActivationBackwardKernel> kActivationBackward{
    "activation_backward", {AUTOSPACE_FLOAT_KERNELS(ActivationBackwardKernel, activation_backward)}};
const FloatKernelTable<ActivationKernel> kActivation{"activation",
                                                     {AUTOSPACE_FLOAT_KERNELS(ActivationKernel, activation)}};

// The sigmoid's derivative is cheapest from its output, every other one needs the input.
bool backward_uses_output(Activation a) { return a == Activation::sigmoid; }

struct ActivationNode : Node {
  Activation kind = Activation::identity;
  Tensor output;  // sigmoid only; detached, as the output's grad_fn is this node

  const char* name() const override { return activation_name(kind); }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = Tensor::empty(g.shape(), g.dtype(), g.device());
    const bool from_output = backward_uses_output(kind);
    with_float_type(g.dtype(), name(), "gradient", [&](auto t) {
      using T = decltype(t);
      const T* x = from_output ? nullptr : inputs[0].data<T>();
      const T* y = from_output ? output.data<T>() : nullptr;
      kActivationBackward.get<T>(g.device())(kernel_activation(kind), g.numel(), x, y, g.data<T>(), dx.data<T>());
    });
    return {dx};
  }
};

}  // namespace

Activation parse_activation(const std::string& name) {
  if (name == "identity" || name == "none") return Activation::identity;
  if (name == "relu") return Activation::relu;
  if (name == "relu6") return Activation::relu6;
  if (name == "swish" || name == "silu") return Activation::swish;
  if (name == "hswish") return Activation::hswish;
  if (name == "sigmoid") return Activation::sigmoid;
  if (name == "hsigmoid") return Activation::hsigmoid;
  AUTOSPACE_THROW("unknown activation \"", name,
                  "\" (expected identity, none, relu, relu6, swish, silu, hswish, sigmoid or hsigmoid)");
}

kernels::ActivationKind kernel_activation(Activation a) {
  switch (a) {
    case Activation::identity: return kernels::ActivationKind::identity;
    case Activation::relu: return kernels::ActivationKind::relu;
    case Activation::relu6: return kernels::ActivationKind::relu6;
    case Activation::swish: return kernels::ActivationKind::swish;
    case Activation::hswish: return kernels::ActivationKind::hswish;
    case Activation::sigmoid: return kernels::ActivationKind::sigmoid;
    case Activation::hsigmoid: return kernels::ActivationKind::hsigmoid;
  }
  AUTOSPACE_THROW("activation: invalid kind ", static_cast<int>(a));
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::relu6: return "relu6";
    case Activation::swish: return "swish";
    case Activation::hswish: return "hswish";
    case Activation::sigmoid: return "sigmoid";
    case Activation::hsigmoid: return "hsigmoid";
  }
  return "invalid";
}

Tensor activation(const Tensor& x, Activation kind) {
  const char* op = activation_name(kind);
  expect_float(x, op, "x");
  if (kind == Activation::identity) return x;
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  with_float_type(x.dtype(), op, "x", [&](auto t) {
    using T = decltype(t);
    kActivation.get<T>(x.device())(kernel_activation(kind), x.numel(), x.data<T>(), out.data<T>());
  });
  if (needs_grad({&x})) {
    auto node = std::make_shared<ActivationNode>();
    node->kind = kind;
    if (backward_uses_output(kind)) node->output = out.detach();
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops

#include "engine/ops/linear.h"

#include "engine/autograd/node.h"
#include "engine/ops/cast.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/linear.h"
#include "kernels/cuda/linear.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::linear_backward_weights)> kLinearBackwardWeights{
    "linear_backward_weights", {AUTOSPACE_F32_KERNELS(linear_backward_weights)}};
const KernelTable<decltype(kernels::cpu::linear_forward)> kLinearForward{"linear_forward",
                                                                         {AUTOSPACE_F32_KERNELS(linear_forward)}};
const KernelTable<decltype(kernels::cpu::linear_backward_data)> kLinearBackwardData{
    "linear_backward_data", {AUTOSPACE_F32_KERNELS(linear_backward_data)}};

struct LinearNode : Node {
  std::int64_t n = 0, k = 0, o = 0;
  const char* name() const override { return "linear"; }

  // inputs = {x, weight, bias (possibly undefined)}.
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &x = inputs[0], &w = inputs[1], &b = inputs[2];
    const Device device = g.device();
    Tensor gx, gw, gb;
    if (x.requires_grad()) {
      gx = Tensor::empty(x.shape(), DType::f32, device);
      kLinearBackwardData(device, DType::f32)(n, k, o, g.data<float>(), w.data<float>(), gx.data<float>());
    }
    if (w.requires_grad() || b.requires_grad()) {
      // One oneDNN pass yields both; a frozen weight with a trainable bias is rare.
      gw = Tensor::empty(w.shape(), DType::f32, device);
      if (b.requires_grad()) gb = Tensor::empty(b.shape(), DType::f32, device);
      float* dbias = gb.defined() ? gb.data<float>() : nullptr;
      kLinearBackwardWeights(device, DType::f32)(n, k, o, x.data<float>(), g.data<float>(), gw.data<float>(), dbias);
      if (!w.requires_grad()) gw = Tensor();
    }
    return {gx, gw, gb};
  }
};

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  // bf16 activations enter the classifier as f32: it is a small part of the work, and the
  // logits and the loss stay f32.
  if (x.defined() && x.dtype() == DType::bf16) return linear(cast(x, DType::f32), weight, bias);
  expect_f32(x, "linear", "x");
  expect_f32(weight, "linear", "weight");
  if (bias.defined()) expect_f32(bias, "linear", "bias");
  expect_rank(x, 2, "linear", "x [N, K]");
  expect_rank(weight, 2, "linear", "weight [O, K]");
  const std::int64_t n = x.dim(0), k = x.dim(1), o = weight.dim(0);
  AUTOSPACE_CHECK(weight.dim(1) == k, "linear: x ", shape_str(x.shape()), " has K = ", k, " features but weight ",
                  shape_str(weight.shape()), " expects ", weight.dim(1));
  AUTOSPACE_CHECK(n > 0 && k > 0 && o > 0, "linear: x ", shape_str(x.shape()), ", weight ",
                  shape_str(weight.shape()), ": empty dimension");
  if (bias.defined()) {
    expect_rank(bias, 1, "linear", "bias [O]");
    AUTOSPACE_CHECK(bias.dim(0) == o, "linear: bias ", shape_str(bias.shape()), " for weight ",
                    shape_str(weight.shape()), " must have O = ", o, " elements");
  }
  const Device device = common_device({&x, &weight, &bias}, "linear");
  Tensor out = Tensor::empty({n, o}, DType::f32, device);
  kLinearForward(device, DType::f32)(n, k, o, x.data<float>(), weight.data<float>(),
                                     bias.defined() ? bias.data<float>() : nullptr, out.data<float>());
  if (needs_grad({&x, &weight, &bias})) {
    auto node = std::make_shared<LinearNode>();
    node->n = n;
    node->k = k;
    node->o = o;
    record(node, out, {x, weight, bias});
  }
  return out;
}

}  // namespace autospace::ops

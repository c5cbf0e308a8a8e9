#include "engine/ops/dropout.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/dropout.h"
#include "kernels/cuda/dropout.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::dropout)> kDropout{"dropout", {AUTOSPACE_F32_KERNELS(dropout)}};

// The mask is recomputed from the stream rather than stored: dropout is linear in x, so
// the backward pass is the same kernel applied to the output gradient.
struct DropoutNode : Node {
  kernels::PhiloxStream stream{};
  float p = 0;

  const char* name() const override { return "dropout"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = Tensor::empty(g.shape(), DType::f32, g.device());
    kDropout(g.device(), DType::f32)(g.numel(), g.data<float>(), p, stream, dx.data<float>());
    return {dx};
  }
};

}  // namespace

Tensor dropout(const Tensor& x, float p, bool training, const RngKey& key) {
  expect_f32(x, "dropout", "x");
  AUTOSPACE_CHECK(p >= 0.f && p <= 1.f, "dropout: p = ", p, " outside [0, 1]");
  if (!training || p == 0.f) return x;
  const kernels::PhiloxStream stream = key.stream();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  kDropout(x.device(), DType::f32)(x.numel(), x.data<float>(), p, stream, out.data<float>());
  if (needs_grad({&x})) {
    auto node = std::make_shared<DropoutNode>();
    node->stream = stream;
    node->p = p;
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops

#include "engine/ops/dropout.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/dropout.h"
#include "kernels/cuda/dropout.h"

namespace autospace::ops {

namespace {

template <class T> using DropoutKernel = decltype(kernels::cpu::dropout<T>);
const FloatKernelTable<DropoutKernel> kDropout{
    "dropout", {AUTOSPACE_FLOAT_KERNELS(DropoutKernel, dropout)}};

void run_dropout(const Tensor& x, float p, const kernels::PhiloxStream& stream, const Tensor& out) {
  with_float_type(x.dtype(), "dropout", "x", [&](auto t) {
    using T = decltype(t);
    kDropout.get<T>(x.device())(x.numel(), x.data<T>(), p, stream, out.data<T>());
  });
}

// The mask is recomputed from the stream rather than stored: dropout is linear in x, so
// the backward pass is the same kernel applied to the output gradient.
struct DropoutNode : Node {
  kernels::PhiloxStream stream{};
  float p = 0;

  const char* name() const override { return "dropout"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = Tensor::empty(g.shape(), g.dtype(), g.device());
    run_dropout(g, p, stream, dx);
    return {dx};
  }
};

}  // namespace

Tensor dropout(const Tensor& x, float p, bool training, const RngKey& key) {
  expect_float(x, "dropout", "x");
  AUTOSPACE_CHECK(p >= 0.f && p <= 1.f, "dropout: p = ", p, " outside [0, 1]");
  if (!training || p == 0.f) return x;
  const kernels::PhiloxStream stream = key.stream();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  run_dropout(x, p, stream, out);
  if (needs_grad({&x})) {
    auto node = std::make_shared<DropoutNode>();
    node->stream = stream;
    node->p = p;
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops

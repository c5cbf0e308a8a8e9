#include "engine/ops/broadcast_mul.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/broadcast_mul.h"
#include "kernels/cuda/broadcast_mul.h"

namespace autospace::ops {

namespace {

template <class T> using ForwardKernel = decltype(kernels::cpu::broadcast_mul<T>);
template <class T> using BackwardKernel = decltype(kernels::cpu::broadcast_mul_backward<T>);
const FloatKernelTable<ForwardKernel> kBroadcastMul{
    "broadcast_mul",
    {AUTOSPACE_FLOAT_KERNELS(ForwardKernel, broadcast_mul)}};
const FloatKernelTable<BackwardKernel> kBroadcastMulBackward{
    "broadcast_mul_backward",
    {AUTOSPACE_FLOAT_KERNELS(BackwardKernel, broadcast_mul_backward)}};

struct BroadcastMulNode : Node {
  const char* name() const override { return "broadcast_mul"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &x = inputs[0], &s = inputs[1];
    Tensor dx = x.requires_grad() ? Tensor::empty(x.shape(), x.dtype(), g.device()) : Tensor();
    Tensor ds = s.requires_grad() ? Tensor::empty(s.shape(), s.dtype(), g.device()) : Tensor();
    with_float_type(x.dtype(), name(), "x", [&](auto t) {
      using T = decltype(t);
      kBroadcastMulBackward.get<T>(g.device())(x.dim(0), x.dim(1) * x.dim(2), x.dim(3), x.data<T>(), s.data<T>(),
                                               g.data<T>(), dx.defined() ? dx.data<T>() : nullptr,
                                               ds.defined() ? ds.data<T>() : nullptr);
    });
    return {dx, ds};
  }
};

}  // namespace

Tensor broadcast_mul(const Tensor& x, const Tensor& s) {
  expect_float(x, "broadcast_mul", "x");
  expect_float(s, "broadcast_mul", "s");
  expect_same_dtype(x, s, "broadcast_mul");
  expect_rank(x, 4, "broadcast_mul", "x");
  const Shape want{x.dim(0), 1, 1, x.dim(3)};
  AUTOSPACE_CHECK(s.shape() == want, "broadcast_mul: s must have shape ", shape_str(want), " for x ",
                  shape_str(x.shape()), ", got ", shape_str(s.shape()));
  const Device device = common_device({&x, &s}, "broadcast_mul");
  Tensor out = Tensor::empty(x.shape(), x.dtype(), device);
  with_float_type(x.dtype(), "broadcast_mul", "x", [&](auto t) {
    using T = decltype(t);
    kBroadcastMul.get<T>(device)(x.dim(0), x.dim(1) * x.dim(2), x.dim(3), x.data<T>(), s.data<T>(), out.data<T>());
  });
  if (needs_grad({&x, &s})) record(std::make_shared<BroadcastMulNode>(), out, {x, s});
  return out;
}

}  // namespace autospace::ops

#include "engine/ops/broadcast_mul.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/broadcast_mul.h"
#include "kernels/cuda/broadcast_mul.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::broadcast_mul)> kBroadcastMul{"broadcast_mul",
                                                                       {AUTOSPACE_F32_KERNELS(broadcast_mul)}};
const KernelTable<decltype(kernels::cpu::broadcast_mul_backward)> kBroadcastMulBackward{
    "broadcast_mul_backward", {AUTOSPACE_F32_KERNELS(broadcast_mul_backward)}};

struct BroadcastMulNode : Node {
  const char* name() const override { return "broadcast_mul"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &x = inputs[0], &s = inputs[1];
    Tensor dx = x.requires_grad() ? Tensor::empty(x.shape(), DType::f32, g.device()) : Tensor();
    Tensor ds = s.requires_grad() ? Tensor::empty(s.shape(), DType::f32, g.device()) : Tensor();
    kBroadcastMulBackward(g.device(), DType::f32)(
        x.dim(0), x.dim(1) * x.dim(2), x.dim(3), x.data<float>(), s.data<float>(), g.data<float>(),
        dx.defined() ? dx.data<float>() : nullptr, ds.defined() ? ds.data<float>() : nullptr);
    return {dx, ds};
  }
};

}  // namespace

Tensor broadcast_mul(const Tensor& x, const Tensor& s) {
  expect_f32(x, "broadcast_mul", "x");
  expect_f32(s, "broadcast_mul", "s");
  expect_rank(x, 4, "broadcast_mul", "x");
  const Shape want{x.dim(0), 1, 1, x.dim(3)};
  AUTOSPACE_CHECK(s.shape() == want, "broadcast_mul: s must have shape ", shape_str(want), " for x ",
                  shape_str(x.shape()), ", got ", shape_str(s.shape()));
  const Device device = common_device({&x, &s}, "broadcast_mul");
  Tensor out = Tensor::empty(x.shape(), DType::f32, device);
  kBroadcastMul(device, DType::f32)(x.dim(0), x.dim(1) * x.dim(2), x.dim(3), x.data<float>(), s.data<float>(),
                                    out.data<float>());
  if (needs_grad({&x, &s})) record(std::make_shared<BroadcastMulNode>(), out, {x, s});
  return out;
}

}  // namespace autospace::ops

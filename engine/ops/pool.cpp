#include "engine/ops/pool.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/pool.h"
#include "kernels/cuda/pool.h"

namespace autospace::ops {

namespace {

template <class T> using GlobalForwardKernel = decltype(kernels::cpu::global_avg_pool_forward<T>);
template <class T> using GlobalBackwardKernel = decltype(kernels::cpu::global_avg_pool_backward<T>);
template <class T> using ForwardKernel = decltype(kernels::cpu::avg_pool2d_forward<T>);
template <class T> using BackwardKernel = decltype(kernels::cpu::avg_pool2d_backward<T>);
const FloatKernelTable<GlobalBackwardKernel> kGlobalAvgPoolBackward{
    "global_avg_pool_backward",
    {AUTOSPACE_FLOAT_KERNELS(GlobalBackwardKernel, global_avg_pool_backward)}};
const FloatKernelTable<BackwardKernel> kAvgPool2dBackward{
    "avg_pool2d_backward",
    {AUTOSPACE_FLOAT_KERNELS(BackwardKernel, avg_pool2d_backward)}};
const FloatKernelTable<GlobalForwardKernel> kGlobalAvgPoolForward{
    "global_avg_pool_forward",
    {AUTOSPACE_FLOAT_KERNELS(GlobalForwardKernel, global_avg_pool_forward)}};
const FloatKernelTable<ForwardKernel> kAvgPool2dForward{
    "avg_pool2d_forward",
    {AUTOSPACE_FLOAT_KERNELS(ForwardKernel, avg_pool2d_forward)}};

struct GlobalAvgPoolNode : Node {
  Shape input_shape;
  const char* name() const override { return "global_avg_pool"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor gx = Tensor::empty(input_shape, g.dtype(), g.device());
    const std::int64_t n = input_shape[0], hw = input_shape[1] * input_shape[2], c = input_shape[3];
    with_float_type(g.dtype(), name(), "gradient", [&](auto t) {
      using T = decltype(t);
      kGlobalAvgPoolBackward.get<T>(g.device())(n, hw, c, g.data<T>(), gx.data<T>());
    });
    return {gx};
  }
};

struct AvgPool2dNode : Node {
  kernels::Pool2dShape shape;
  const char* name() const override { return "avg_pool2d"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor gx = Tensor::empty({shape.n, shape.in_h, shape.in_w, shape.c}, g.dtype(), g.device());
    with_float_type(g.dtype(), name(), "gradient", [&](auto t) {
      using T = decltype(t);
      kAvgPool2dBackward.get<T>(g.device())(shape, g.data<T>(), gx.data<T>());
    });
    return {gx};
  }
};

void expect_nhwc(const Tensor& x, const char* op) {
  expect_float(x, op, "x");
  expect_rank(x, 4, op, "x [N, H, W, C]");
  AUTOSPACE_CHECK(x.numel() > 0, op, ": x ", shape_str(x.shape()), " is empty");
}

}  // namespace

Tensor global_avg_pool(const Tensor& x) {
  expect_nhwc(x, "global_avg_pool");
  const Shape& s = x.shape();
  Tensor out = Tensor::empty({s[0], 1, 1, s[3]}, x.dtype(), x.device());
  with_float_type(x.dtype(), "global_avg_pool", "x", [&](auto t) {
    using T = decltype(t);
    kGlobalAvgPoolForward.get<T>(x.device())(s[0], s[1] * s[2], s[3], x.data<T>(), out.data<T>());
  });
  if (needs_grad({&x})) {
    auto node = std::make_shared<GlobalAvgPoolNode>();
    node->input_shape = s;
    record(node, out, {x});
  }
  return out;
}

Tensor avg_pool2d(const Tensor& x, int kernel, int stride, int padding) {
  expect_nhwc(x, "avg_pool2d");
  // A window wholly inside the padding would average nothing, hence padding <= kernel / 2.
  AUTOSPACE_CHECK(kernel >= 1 && stride >= 1 && padding >= 0 && padding <= kernel / 2, "avg_pool2d: x ",
                  shape_str(x.shape()), ", kernel ", kernel, ", stride ", stride, ", padding ", padding,
                  ": need kernel >= 1, stride >= 1 and 0 <= padding <= kernel / 2");
  const kernels::Pool2dShape s{.n = x.dim(0), .in_h = x.dim(1), .in_w = x.dim(2), .c = x.dim(3), .kernel = kernel,
                               .stride = stride, .pad = padding};
  AUTOSPACE_CHECK(s.in_h + 2 * s.pad >= s.kernel && s.in_w + 2 * s.pad >= s.kernel, "avg_pool2d: x ",
                  shape_str(x.shape()), ", kernel ", kernel, ", padding ", padding,
                  ": the kernel is larger than the padded input");
  Tensor out = Tensor::empty({s.n, s.out_h(), s.out_w(), s.c}, x.dtype(), x.device());
  with_float_type(x.dtype(), "avg_pool2d", "x", [&](auto t) {
    using T = decltype(t);
    kAvgPool2dForward.get<T>(x.device())(s, x.data<T>(), out.data<T>());
  });
  if (needs_grad({&x})) {
    auto node = std::make_shared<AvgPool2dNode>();
    node->shape = s;
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops

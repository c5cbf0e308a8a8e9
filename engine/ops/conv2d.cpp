#include "engine/ops/conv2d.h"

#include <type_traits>

#include "engine/autograd/node.h"
#include "engine/ops/conv_autotune.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cuda/conv2d.h"

namespace autospace::ops {

namespace {

template <class T> using ForwardKernel = decltype(kernels::cpu::conv2d_forward<T>);
template <class T> using BackwardDataKernel = decltype(kernels::cpu::conv2d_backward_data<T>);
template <class T> using BackwardWeightsKernel = decltype(kernels::cpu::conv2d_backward_weights<T>);
const FloatKernelTable<BackwardWeightsKernel> kConv2dBackwardWeights{
    "conv2d_backward_weights",
    {AUTOSPACE_FLOAT_KERNELS(BackwardWeightsKernel, conv2d_backward_weights)}};
const FloatKernelTable<ForwardKernel> kConv2dForward{
    "conv2d_forward",
    {AUTOSPACE_FLOAT_KERNELS(ForwardKernel, conv2d_forward)}};
const FloatKernelTable<BackwardDataKernel> kConv2dBackwardData{
    "conv2d_backward_data",
    {AUTOSPACE_FLOAT_KERNELS(BackwardDataKernel, conv2d_backward_data)}};

// On a GPU each pass asks the autotuner for its shape's backend first (prepare_conv_pass).
struct Conv2dNode : Node {
  kernels::Conv2dShape shape;
  const char* name() const override { return "conv2d"; }

  // inputs = {x, weight, bias (possibly undefined)}.
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &x = inputs[0], &w = inputs[1], &b = inputs[2];
    const Device device = g.device();
    Tensor gx, gw, gb;
    with_float_type(x.dtype(), "conv2d", "x", [&](auto t) {
      using T = decltype(t);
      if (x.requires_grad()) {
        gx = Tensor::empty(x.shape(), x.dtype(), device);
        const auto kernel = kConv2dBackwardData.get<T>(device);
        if (device.is_cuda())
          prepare_conv_pass<T>(kernels::cuda::ConvPass::backward_data, shape,
                               {.w = w.data<float>(), .dy = g.data<T>(), .dx = gx.data<T>()});
        kernel(shape, g.data<T>(), w.data<float>(), gx.data<T>());
      }
      if (w.requires_grad() || b.requires_grad()) {
        // oneDNN computes the bias gradient in the same pass as the weight gradient; a
        // frozen weight with a trainable bias is rare enough to pay for the weight pass.
        gw = Tensor::empty(w.shape(), DType::f32, device);
        if (b.requires_grad()) gb = Tensor::empty(b.shape(), DType::f32, device);
        float* dbias = gb.defined() ? gb.data<float>() : nullptr;
        const auto kernel = kConv2dBackwardWeights.get<T>(device);
        if (device.is_cuda())
          prepare_conv_pass<T>(kernels::cuda::ConvPass::backward_weights, shape,
                               {.x = x.data<T>(), .dy = g.data<T>(), .dw = gw.data<float>(), .dbias = dbias});
        kernel(shape, x.data<T>(), g.data<T>(), gw.data<float>(), dbias);
        if (!w.requires_grad()) gw = Tensor();
      }
    });
    return {gx, gw, gb};
  }
};

}  // namespace

kernels::Conv2dShape checked_conv2d_shape(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& o) {
  expect_float(x, "conv2d", "x");
  expect_f32(w, "conv2d", "weight");
  if (b.defined()) expect_f32(b, "conv2d", "bias");
  expect_rank(x, 4, "conv2d", "x [N, H, W, Cin]");
  expect_rank(w, 4, "conv2d", "weight [Cout, kh, kw, Cin / groups]");
  const auto what = [&] {
    return detail::concat("conv2d: x ", shape_str(x.shape()), ", weight ", shape_str(w.shape()),
                          b.defined() ? ", bias " + shape_str(b.shape()) : std::string(), ", stride ", o.stride,
                          ", padding ", o.padding, ", groups ", o.groups, ": ");
  };
  AUTOSPACE_CHECK(o.stride >= 1 && o.padding >= 0 && o.groups >= 1, what(),
                  "stride and groups must be >= 1 and padding >= 0");
  AUTOSPACE_CHECK(x.numel() > 0 && w.numel() > 0, what(), "empty dimension");
  kernels::Conv2dShape s{.n = x.dim(0), .in_h = x.dim(1), .in_w = x.dim(2), .in_c = x.dim(3), .out_c = w.dim(0),
                         .kernel_h = w.dim(1), .kernel_w = w.dim(2), .stride = o.stride, .pad = o.padding,
                         .groups = o.groups};
  AUTOSPACE_CHECK(s.in_c % s.groups == 0 && s.out_c % s.groups == 0, what(), "Cin = ", s.in_c, " and Cout = ",
                  s.out_c, " must both be divisible by groups");
  AUTOSPACE_CHECK(w.dim(3) == s.in_c / s.groups, what(), "weight has ", w.dim(3),
                  " input channels, expected Cin / groups = ", s.in_c / s.groups);
  AUTOSPACE_CHECK(s.in_h + 2 * s.pad >= s.kernel_h && s.in_w + 2 * s.pad >= s.kernel_w, what(),
                  "the kernel is larger than the padded input");
  if (b.defined()) {
    expect_rank(b, 1, "conv2d", "bias [Cout]");
    AUTOSPACE_CHECK(b.dim(0) == s.out_c, what(), "bias must have Cout = ", s.out_c, " elements");
  }
  return s;
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& options) {
  const kernels::Conv2dShape s = checked_conv2d_shape(x, weight, bias, options);
  const Device device = common_device({&x, &weight, &bias}, "conv2d");
  Tensor out = Tensor::empty({s.n, s.out_h(), s.out_w(), s.out_c}, x.dtype(), device);
  const float* b = bias.defined() ? bias.data<float>() : nullptr;
  with_float_type(x.dtype(), "conv2d", "x", [&](auto t) {
    using T = decltype(t);
    const auto kernel = kConv2dForward.get<T>(device);
    if (device.is_cuda())
      prepare_conv_pass<T>(kernels::cuda::ConvPass::forward, s,
                           {.x = x.data<T>(), .w = weight.data<float>(), .bias = b, .y = out.data<T>()});
    kernel(s, x.data<T>(), weight.data<float>(), b, out.data<T>());
  });
  if (needs_grad({&x, &weight, &bias})) {
    auto node = std::make_shared<Conv2dNode>();
    node->shape = s;
    record(node, out, {x, weight, bias});
  }
  return out;
}

}  // namespace autospace::ops

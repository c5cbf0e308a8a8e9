#include "engine/ops/conv_bn_fold.h"

#include <atomic>

#include <type_traits>

#include "engine/autograd/node.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/conv_autotune.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/conv_bn_fold.h"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/conv_bn_fold.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::fold_batch_norm)> kFoldBatchNorm{"fold_batch_norm",
                                                                          {AUTOSPACE_F32_KERNELS(fold_batch_norm)}};
template <class T> using ForwardActivationKernel = decltype(kernels::cpu::conv2d_forward_activation<T>);
const FloatKernelTable<ForwardActivationKernel> kConv2dForwardActivation{
    "conv2d_forward_activation",
    {AUTOSPACE_FLOAT_KERNELS(ForwardActivationKernel, conv2d_forward_activation)}};

std::atomic<bool> folding{true};

void expect_channel_vector(const Tensor& t, const char* arg, std::int64_t channels) {
  expect_f32(t, "conv_batch_norm_folded", arg);
  expect_rank(t, 1, "conv_batch_norm_folded", arg);
  AUTOSPACE_CHECK(t.dim(0) == channels, "conv_batch_norm_folded: ", arg, " has ", t.dim(0),
                  " elements, the convolution has Cout = ", channels);
}

}  // namespace

Tensor conv_batch_norm_folded(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& conv,
                              const FoldedBatchNorm& bn) {
  AUTOSPACE_CHECK(!grad_enabled(), "conv_batch_norm_folded: inference only (it records no gradient); call it with ",
                  "grad mode off (NoGradGuard)");
  const kernels::Conv2dShape s = checked_conv2d_shape(x, weight, bias, conv);
  expect_channel_vector(bn.gamma, "gamma", s.out_c);
  expect_channel_vector(bn.beta, "beta", s.out_c);
  expect_channel_vector(bn.running_mean, "running_mean", s.out_c);
  expect_channel_vector(bn.running_var, "running_var", s.out_c);
  const Device device = common_device(
      {&x, &weight, &bias, &bn.gamma, &bn.beta, &bn.running_mean, &bn.running_var}, "conv_batch_norm_folded");
  if (!folding_pays(s)) {
    BatchNormOptions o;
    o.training = false;
    o.eps = bn.eps;
    o.activation = bn.activation;
    return batch_norm(conv2d(x, weight, bias, conv), bn.gamma, bn.beta, bn.running_mean, bn.running_var, o);
  }

  const Tensor w = Tensor::empty(weight.shape(), DType::f32, device);
  const Tensor b = Tensor::empty({s.out_c}, DType::f32, device);
  kFoldBatchNorm(device, DType::f32)(s.out_c, weight.numel() / s.out_c, weight.data<float>(),
                                     bias.defined() ? bias.data<float>() : nullptr, bn.gamma.data<float>(),
                                     bn.beta.data<float>(), bn.running_mean.data<float>(),
                                     bn.running_var.data<float>(), bn.eps, w.data<float>(), b.data<float>());
  Tensor out = Tensor::empty({s.n, s.out_h(), s.out_w(), s.out_c}, x.dtype(), device);
  with_float_type(x.dtype(), "conv_batch_norm_folded", "x", [&](auto t) {
    using T = decltype(t);
    const auto kernel = kConv2dForwardActivation.get<T>(device);
    if (device.is_cuda())
      prepare_conv_pass<T>(kernels::cuda::ConvPass::forward, s,
                           {.x = x.data<T>(), .w = w.data<float>(), .bias = b.data<float>(), .y = out.data<T>()});
    kernel(s, x.data<T>(), w.data<float>(), b.data<float>(), kernel_activation(bn.activation), out.data<T>());
  });
  return out;
}

bool folding_pays(const kernels::Conv2dShape& s) {
  return s.n * s.out_h() * s.out_w() * s.out_c >= 2 * s.out_c * s.kernel_h * s.kernel_w * (s.in_c / s.groups);
}

bool fold_conv_batch_norm(bool bn_training) { return !bn_training && !grad_enabled() && folding.load(); }
ConvBatchNormFolding::ConvBatchNormFolding(bool enabled) : previous_(folding.exchange(enabled)) {}
ConvBatchNormFolding::~ConvBatchNormFolding() { folding.store(previous_); }

}  // namespace autospace::ops

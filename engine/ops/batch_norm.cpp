#include "engine/ops/batch_norm.h"

#include "engine/autograd/node.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cuda/batch_norm.h"

namespace autospace::ops {

namespace {

struct BatchNormNode : Node {
  // The statistics the forward pass normalised with: x's batch statistics in training,
  // a copy of the running ones in eval (they may change before the backward pass).
  Tensor mean, var;
  float eps = 0;
  bool batch_stats = true;

  const char* name() const override { return "batch_norm"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &x = inputs[0], &gamma = inputs[1], &beta = inputs[2];
    const std::int64_t channels = x.dim(-1);
    Tensor dx = x.requires_grad() ? Tensor::empty(x.shape(), DType::f32, g.device()) : Tensor();
    Tensor dgamma = Tensor::empty({channels}, DType::f32, g.device());
    Tensor dbeta = Tensor::empty({channels}, DType::f32, g.device());
    if (g.device().is_cpu()) {
      kernels::cpu::batch_norm_backward(x.numel() / channels, channels, x.data<float>(), g.data<float>(),
                                        mean.data<float>(), var.data<float>(), gamma.data<float>(), eps, batch_stats,
                                        dx.defined() ? dx.data<float>() : nullptr, dgamma.data<float>(),
                                        dbeta.data<float>());
    } else {
      AUTOSPACE_CUDA_OP(g.device(), "batch_norm",
                        kernels::cuda::batch_norm_backward(x.numel() / channels, channels, x.data<float>(),
                                                           g.data<float>(), mean.data<float>(), var.data<float>(),
                                                           gamma.data<float>(), eps, batch_stats,
                                                           dx.defined() ? dx.data<float>() : nullptr,
                                                           dgamma.data<float>(), dbeta.data<float>()));
    }
    return {dx, gamma.requires_grad() ? dgamma : Tensor(), beta.requires_grad() ? dbeta : Tensor()};
  }
};

void expect_channels(const Tensor& t, std::int64_t channels, const Tensor& x, const char* arg) {
  expect_f32(t, "batch_norm", arg);
  AUTOSPACE_CHECK(t.shape() == Shape{channels}, "batch_norm: ", arg, " has shape ", shape_str(t.shape()),
                  ", expected [", channels, "] (the channels of x ", shape_str(x.shape()), ")");
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, const BatchNormOptions& options) {
  expect_f32(x, "batch_norm", "x");
  AUTOSPACE_CHECK(x.ndim() == 4 || x.ndim() == 2, "batch_norm: x must be [N, H, W, C] or [N, C], got ",
                  shape_str(x.shape()));
  const std::int64_t channels = x.dim(-1);
  AUTOSPACE_CHECK(channels > 0 && x.numel() > 0, "batch_norm: x of shape ", shape_str(x.shape()), " is empty");
  const std::int64_t rows = x.numel() / channels;
  expect_channels(gamma, channels, x, "gamma");
  expect_channels(beta, channels, x, "beta");
  // The running statistics are read in eval and written when training updates them;
  // otherwise they may be left undefined.
  const bool uses_running = !options.training || options.update_running_stats;
  if (uses_running) {
    expect_channels(running_mean, channels, x, "running_mean");
    expect_channels(running_var, channels, x, "running_var");
  }
  AUTOSPACE_CHECK(options.eps > 0.f, "batch_norm: eps must be positive, got ", options.eps);
  AUTOSPACE_CHECK(options.momentum >= 0.f && options.momentum <= 1.f, "batch_norm: momentum ", options.momentum,
                  " outside [0, 1]");
  AUTOSPACE_CHECK(!options.training || rows > 1, "batch_norm: training needs more than one value per channel, x has shape ",
                  shape_str(x.shape()));
  const Device device =
      common_device({&x, &gamma, &beta, uses_running ? &running_mean : nullptr, uses_running ? &running_var : nullptr},
                    "batch_norm");

  const bool record_graph = needs_grad({&x, &gamma, &beta});
  Tensor mean, var;
  if (options.training) {
    mean = Tensor::empty({channels}, DType::f32, device);
    var = Tensor::empty({channels}, DType::f32, device);
    if (device.is_cpu())
      kernels::cpu::batch_norm_stats(rows, channels, x.data<float>(), mean.data<float>(), var.data<float>());
    else
      AUTOSPACE_CUDA_OP(device, "batch_norm",
                        kernels::cuda::batch_norm_stats(rows, channels, x.data<float>(), mean.data<float>(),
                                                        var.data<float>()));
    if (options.update_running_stats) {
      if (device.is_cpu())
        kernels::cpu::batch_norm_update_running(channels, mean.data<float>(), var.data<float>(), rows,
                                                options.momentum, running_mean.data<float>(),
                                                running_var.data<float>());
      else
        AUTOSPACE_CUDA_OP(device, "batch_norm",
                          kernels::cuda::batch_norm_update_running(channels, mean.data<float>(), var.data<float>(),
                                                                   rows, options.momentum, running_mean.data<float>(),
                                                                   running_var.data<float>()));
    }
  } else {
    mean = record_graph ? running_mean.clone() : running_mean;
    var = record_graph ? running_var.clone() : running_var;
  }
  Tensor out = Tensor::empty(x.shape(), DType::f32, device);
  if (device.is_cpu())
    kernels::cpu::batch_norm_forward(rows, channels, x.data<float>(), mean.data<float>(), var.data<float>(),
                                     gamma.data<float>(), beta.data<float>(), options.eps, out.data<float>());
  else
    AUTOSPACE_CUDA_OP(device, "batch_norm",
                      kernels::cuda::batch_norm_forward(rows, channels, x.data<float>(), mean.data<float>(),
                                                        var.data<float>(), gamma.data<float>(), beta.data<float>(),
                                                        options.eps, out.data<float>()));
  if (record_graph) {
    auto node = std::make_shared<BatchNormNode>();
    node->mean = mean;
    node->var = var;
    node->eps = options.eps;
    node->batch_stats = options.training;
    record(node, out, {x, gamma, beta});
  }
  return out;
}

}  // namespace autospace::ops

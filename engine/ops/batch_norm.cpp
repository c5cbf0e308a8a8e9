#include "engine/ops/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/autograd/node.h"
#include "engine/ops/add.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cuda/batch_norm.h"

namespace autospace::ops {

namespace {

template <class T> using StatsKernel = decltype(kernels::cpu::batch_norm_stats<T>);
template <class T> using ForwardKernel = decltype(kernels::cpu::batch_norm_forward<T>);
template <class T> using BackwardKernel = decltype(kernels::cpu::batch_norm_backward<T>);
const FloatKernelTable<StatsKernel> kBatchNormStats{"batch_norm_stats",
                                                    {AUTOSPACE_FLOAT_KERNELS(StatsKernel, batch_norm_stats)}};
const FloatKernelTable<ForwardKernel> kBatchNormForward{"batch_norm_forward",
                                                        {AUTOSPACE_FLOAT_KERNELS(ForwardKernel, batch_norm_forward)}};
const FloatKernelTable<BackwardKernel> kBatchNormBackward{
    "batch_norm_backward", {AUTOSPACE_FLOAT_KERNELS(BackwardKernel, batch_norm_backward)}};
const KernelTable<decltype(kernels::cpu::batch_norm_update_running)> kBatchNormUpdateRunning{
    "batch_norm_update_running", {AUTOSPACE_F32_KERNELS(batch_norm_update_running)}};

thread_local dist::Communicator* sync_comm = nullptr;

// A device tensor's values in host memory, and back: synchronised batch-norm on the GPU
// exchanges its per-channel numbers through the host (2C floats per layer and direction).
std::vector<float> host_values(const Tensor& t) { return t.to_vector(); }
Tensor device_values(const std::vector<float>& v, Device device) {
  return Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())}).to(device);
}

// Global-batch mean and biased variance from every rank's (rows, mean, variance): the
// parallel form of the variance, so no rank's mean is subtracted from a large E[x^2].
std::int64_t sync_statistics(dist::Communicator& comm, std::int64_t rows, const Tensor& mean, const Tensor& var) {
  const std::int64_t channels = mean.numel();
  Tensor local = Tensor::empty({2 * channels + 1});
  float* l = local.data<float>();
  l[0] = static_cast<float>(rows);
  std::copy_n(mean.data<float>(), channels, l + 1);
  std::copy_n(var.data<float>(), channels, l + 1 + channels);
  const Tensor all = comm.all_gather(local);
  const float* a = all.data<float>();
  const std::int64_t stride = 2 * channels + 1;
  double total = 0;
  for (int r = 0; r < comm.world(); ++r) total += a[r * stride];
  float* m = mean.data<float>();
  float* v = var.data<float>();
  for (std::int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (int r = 0; r < comm.world(); ++r) sum += static_cast<double>(a[r * stride]) * a[r * stride + 1 + c];
    const double global_mean = sum / total;
    double spread = 0;
    for (int r = 0; r < comm.world(); ++r) {
      const double d = a[r * stride + 1 + c] - global_mean;
      spread += static_cast<double>(a[r * stride]) * (a[r * stride + 1 + channels + c] + d * d);
    }
    m[c] = static_cast<float>(global_mean);
    v[c] = static_cast<float>(spread / total);
  }
  return static_cast<std::int64_t>(total);
}

// Sums every rank's two per-channel sums in place (one all-reduce). Each double travels as
// a float and the float's rounding error: the ranks' sums of dy often nearly cancel, and
// the float additions of such values are exact, so the totals keep the precision of the
// local double sums.
void all_reduce_sums(dist::Communicator& comm, std::vector<double>& first, std::vector<double>& second) {
  const auto channels = static_cast<std::int64_t>(first.size());
  Tensor totals = Tensor::empty({4 * channels});
  float* t = totals.data<float>();
  const auto put = [&](std::int64_t slot, double value) {
    t[2 * slot] = static_cast<float>(value);
    t[2 * slot + 1] = static_cast<float>(value - static_cast<double>(t[2 * slot]));
  };
  for (std::int64_t c = 0; c < channels; ++c) {
    put(c, first[static_cast<std::size_t>(c)]);
    put(channels + c, second[static_cast<std::size_t>(c)]);
  }
  comm.all_reduce(totals, dist::ReduceOp::sum);
  const auto get = [&](std::int64_t slot) { return static_cast<double>(t[2 * slot]) + t[2 * slot + 1]; };
  for (std::int64_t c = 0; c < channels; ++c) {
    first[static_cast<std::size_t>(c)] = get(c);
    second[static_cast<std::size_t>(c)] = get(channels + c);
  }
}

struct BatchNormNode : Node {
  // The statistics the forward pass normalised with: x's batch statistics in training,
  // a copy of the running ones in eval (they may change before the backward pass).
  Tensor mean, var;
  float eps = 0;
  bool batch_stats = true;
  kernels::ActivationKind activation = kernels::ActivationKind::identity;
  dist::Communicator* sync = nullptr;  // synchronised batch-norm: sums over every rank
  std::int64_t global_rows = 0;

  const char* name() const override { return "batch_norm"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &x = inputs[0], &gamma = inputs[1], &beta = inputs[2];
    const std::int64_t channels = x.dim(-1);
    Tensor dx = x.requires_grad() ? Tensor::empty(x.shape(), x.dtype(), g.device()) : Tensor();
    Tensor dgamma = Tensor::empty({channels}, DType::f32, g.device());
    Tensor dbeta = Tensor::empty({channels}, DType::f32, g.device());
    with_float_type(x.dtype(), "batch_norm", "x", [&](auto t) {
      using T = decltype(t);
      if (sync && x.device().is_cpu()) {
        sync_backward<T>(x, g, gamma, beta, dx, dgamma, dbeta);
      } else if (sync) {
        sync_backward_device<T>(x, g, gamma, beta, dx, dgamma, dbeta);
      } else {
        kBatchNormBackward.get<T>(g.device())(x.numel() / channels, channels, x.data<T>(), g.data<T>(),
                                              mean.data<float>(), var.data<float>(), gamma.data<float>(),
                                              beta.data<float>(), eps, batch_stats, activation,
                                              dx.defined() ? dx.data<T>() : nullptr, dgamma.data<float>(),
                                              dbeta.data<float>());
      }
    });
    return {dx, gamma.requires_grad() ? dgamma : Tensor(), beta.requires_grad() ? dbeta : Tensor()};
  }

  // dgamma and dbeta stay this rank's own (gradient averaging sums them over ranks
  // later); dx takes the gradient through the global statistics.
  template <class T>
  void sync_backward(const Tensor& x, const Tensor& g, const Tensor& gamma, const Tensor& beta, const Tensor& dx,
                     const Tensor& dgamma, const Tensor& dbeta) {
    const std::int64_t channels = x.dim(-1), rows = x.numel() / channels;
    std::vector<double> sum_dy(static_cast<std::size_t>(channels)), sum_dy_xc(static_cast<std::size_t>(channels));
    kernels::cpu::batch_norm_backward_sums(rows, channels, x.data<T>(), g.data<T>(), mean.data<float>(),
                                           var.data<float>(), gamma.data<float>(), beta.data<float>(), eps,
                                           activation, sum_dy.data(), sum_dy_xc.data());
    std::vector<double> total_dy = sum_dy, total_dy_xc = sum_dy_xc;
    all_reduce_sums(*sync, total_dy, total_dy_xc);
    kernels::cpu::batch_norm_backward_apply(rows, channels, x.data<T>(), g.data<T>(), mean.data<float>(),
                                            var.data<float>(), gamma.data<float>(), beta.data<float>(), eps, true,
                                            activation, sum_dy.data(), sum_dy_xc.data(),
                                            static_cast<double>(global_rows), total_dy.data(), total_dy_xc.data(),
                                            dx.defined() ? dx.data<T>() : nullptr, dgamma.data<float>(),
                                            dbeta.data<float>());
  }

  // The same on a GPU, from the device's own batch-norm kernels: the backward pass with the
  // statistics held constant gives this rank's sums (dbeta = sum dy', dgamma = sum dy' (x -
  // mean) / std, dy' being dy through the activation) and dx's first term k dy',
  // k = gamma / std; the sums travel through the host; the statistics' term, slope (x -
  // mean) + offset per channel, is a batch-norm forward with gamma' = slope * std and
  // beta' = offset, added to dx.
  template <class T>
  void sync_backward_device(const Tensor& x, const Tensor& g, const Tensor& gamma, const Tensor& beta,
                            const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta) {
    const Device device = x.device();
    const std::int64_t channels = x.dim(-1), rows = x.numel() / channels;
    kBatchNormBackward.get<T>(device)(rows, channels, x.data<T>(), g.data<T>(), mean.data<float>(),
                                      var.data<float>(), gamma.data<float>(), beta.data<float>(), eps, false,
                                      activation, dx.defined() ? dx.data<T>() : nullptr, dgamma.data<float>(),
                                      dbeta.data<float>());
    const std::vector<float> local_dy = host_values(dbeta), scaled_dy_xc = host_values(dgamma);
    const std::vector<float> v = host_values(var), gam = host_values(gamma);
    const auto std_of = [&](std::int64_t c) { return std::sqrt(static_cast<double>(v[static_cast<std::size_t>(c)]) + eps); };
    std::vector<double> total_dy(local_dy.begin(), local_dy.end()), total_dy_xc(static_cast<std::size_t>(channels));
    for (std::int64_t c = 0; c < channels; ++c)
      total_dy_xc[static_cast<std::size_t>(c)] = static_cast<double>(scaled_dy_xc[static_cast<std::size_t>(c)]) * std_of(c);
    all_reduce_sums(*sync, total_dy, total_dy_xc);
    if (!dx.defined()) return;
    std::vector<float> gamma_term(static_cast<std::size_t>(channels)), offset(static_cast<std::size_t>(channels));
    const double n = static_cast<double>(global_rows);
    for (std::int64_t c = 0; c < channels; ++c) {
      const double sd = std_of(c), k = static_cast<double>(gam[static_cast<std::size_t>(c)]) / sd;
      const double slope = -k * total_dy_xc[static_cast<std::size_t>(c)] / (sd * sd * n);
      gamma_term[static_cast<std::size_t>(c)] = static_cast<float>(slope * sd);
      offset[static_cast<std::size_t>(c)] = static_cast<float>(-k * total_dy[static_cast<std::size_t>(c)] / n);
    }
    const Tensor statistics_term = Tensor::empty(x.shape(), x.dtype(), device);
    kBatchNormForward.get<T>(device)(rows, channels, x.data<T>(), mean.data<float>(), var.data<float>(),
                                     device_values(gamma_term, device).data<float>(),
                                     device_values(offset, device).data<float>(), eps,
                                     kernels::ActivationKind::identity, statistics_term.data<T>());
    NoGradGuard no_grad;
    dx.copy_from(add(dx, statistics_term));
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
  expect_float(x, "batch_norm", "x");
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
  dist::Communicator* sync = options.training ? sync_comm : nullptr;
  std::int64_t stat_rows = rows;
  Tensor mean, var;
  if (options.training) {
    mean = Tensor::empty({channels}, DType::f32, device);
    var = Tensor::empty({channels}, DType::f32, device);
    with_float_type(x.dtype(), "batch_norm", "x", [&](auto t) {
      using T = decltype(t);
      kBatchNormStats.get<T>(device)(rows, channels, x.data<T>(), mean.data<float>(), var.data<float>());
    });
    if (sync) {
      // The host communicator's collective on host copies (the same tensors on the CPU).
      const Tensor host_mean = mean.to(Device::cpu()), host_var = var.to(Device::cpu());
      stat_rows = sync_statistics(*sync, rows, host_mean, host_var);
      if (!device.is_cpu()) {
        mean.copy_from(host_mean);
        var.copy_from(host_var);
      }
    }
    if (options.update_running_stats) {
      kBatchNormUpdateRunning(device, DType::f32)(channels, mean.data<float>(), var.data<float>(), stat_rows,
                                                  options.momentum, running_mean.data<float>(),
                                                  running_var.data<float>());
    }
  } else {
    mean = record_graph ? running_mean.clone() : running_mean;
    var = record_graph ? running_var.clone() : running_var;
  }
  Tensor out = Tensor::empty(x.shape(), x.dtype(), device);
  with_float_type(x.dtype(), "batch_norm", "x", [&](auto t) {
    using T = decltype(t);
    kBatchNormForward.get<T>(device)(rows, channels, x.data<T>(), mean.data<float>(), var.data<float>(),
                                     gamma.data<float>(), beta.data<float>(), options.eps,
                                     kernel_activation(options.activation), out.data<T>());
  });
  if (record_graph) {
    auto node = std::make_shared<BatchNormNode>();
    node->mean = mean;
    node->var = var;
    node->eps = options.eps;
    node->batch_stats = options.training;
    node->activation = kernel_activation(options.activation);
    node->sync = sync;
    node->global_rows = stat_rows;
    record(node, out, {x, gamma, beta});
  }
  return out;
}

SyncBatchNorm::SyncBatchNorm(dist::Communicator& comm) : previous_(sync_comm) { sync_comm = &comm; }
SyncBatchNorm::~SyncBatchNorm() { sync_comm = previous_; }

}  // namespace autospace::ops

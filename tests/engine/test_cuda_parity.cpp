// CPU/GPU parity of every op, forward and backward, and of whole training steps
// (ggml-style: the same call on both devices over a grid of shapes — odd sizes, stride 2,
// channel counts off multiples of 8, batch 1 — compared by relative L2 error). Inputs
// are fresh random numbers on every run (the seed is printed); every GPU allocation is
// poisoned with NaN first, so an unwritten output element fails; NaN never passes.
// Each case prints "parity: <what> <error> (bound <bound>)", which tools/gpu-check.sh
// collects into its summary.
//
// Bounds: fp32 results within 1e-5 of the CPU. The whole-network steps get 1e-4, or ten
// times the CPU's own response to a rounding-size change of its input where that is larger
// (compare_conditioned: such a network is too badly conditioned for a fixed bound).
// tf32 and bf16 GEMM precision: 1e-3 and 1e-2 (the operand rounding, 2^-11 and 2^-8).
//
// Without a GPU every case reports itself skipped.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <tuple>

#include "bench/common/mobilenet_v2.h"
#include "engine/autograd/node.h"
#include "engine/core/allocator.h"
#include "engine/core/device.h"
#include "engine/core/device_graph.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/dropout.h"
#include "engine/nn/graphed_forward.h"
#include "engine/nn/training_tally.h"
#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/binary_gate.h"
#include "engine/ops/broadcast_mul.h"
#include "engine/ops/channel_slice.h"
#include "engine/ops/concat.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/conv_autotune.h"
#include "engine/ops/conv_bn_fold.h"
#include "engine/ops/count_nonfinite.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/dropout.h"
#include "engine/ops/linear.h"
#include "engine/ops/normalize.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "engine/ops/step_gate.h"
#include "engine/optim/grad_utils.h"
#include "engine/optim/optimizer.h"
#include "engine/rng/rng.h"
#include "tests/engine/batch_norm_two_values.h"
#include "tests/support/test_support.h"
#include <nlohmann/json.hpp>
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/depthwise_conv2d.h"
#include "kernels/cuda/gemm.h"
#endif

using namespace autospace;

namespace {

constexpr double kFp32 = 1e-5;
constexpr double kNetwork = 1e-4;
constexpr double kTf32 = 1e-3;
constexpr double kBf16 = 1e-2;

#define REQUIRE_GPU()                                           \
  do {                                                          \
    if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU"); \
  } while (0)

Device gpu() { return Device::cuda(0); }

// A fresh seed per call; the first one of the process is printed so that a failure can
// be replayed (AUTOSPACE_PARITY_SEED fixes it).
std::uint64_t fresh_seed() {
  static std::uint64_t next = [] {
    const char* fixed = std::getenv("AUTOSPACE_PARITY_SEED");
    const std::uint64_t s = fixed ? std::stoull(fixed) : std::random_device{}();
    std::printf("parity: seed %llu\n", static_cast<unsigned long long>(s));
    return s;
  }();
  return next += 1000;
}

Tensor random(const Shape& shape, float lo = -1.f, float hi = 1.f) {
  return test::random_tensor(shape, fresh_seed(), lo, hi);
}

Tensor param(const Shape& shape, float lo = -1.f, float hi = 1.f) {
  Tensor t = random(shape, lo, hi);
  t.set_requires_grad(true);
  return t;
}

// A bf16 leaf of random values, tracking gradients.
Tensor param_bf16(const Shape& shape, float lo = -1.f, float hi = 1.f) {
  Tensor t = random(shape, lo, hi).to(DType::bf16);
  t.set_requires_grad(true);
  return t;
}

// The GPU copy of a CPU input, tracking gradients like the original.
Tensor to_gpu(const Tensor& t) {
  if (!t.defined()) return t;
  Tensor g = t.to(gpu());
  if (t.requires_grad()) g.set_requires_grad(true);
  return g;
}

// Poisons every allocation while alive (engine/core/allocator.h).
struct PoisonGuard {
  PoisonGuard() { set_poison_allocations(true); }
  ~PoisonGuard() { set_poison_allocations(false); }
};

// Runs `undo` when the scope ends, also when a REQUIRE leaves it: the GEMM precision and
// the convolution backend are process-wide switches.
struct Restore {
  std::function<void()> undo;
  ~Restore() { undo(); }
};

// Relative L2 error of the GPU tensor against the CPU one; checked against the bound and
// printed.
void compare(const std::string& what, const Tensor& got, const Tensor& want, double bound) {
  INFO(what);
  REQUIRE(got.defined());
  REQUIRE(want.defined());
  REQUIRE(got.device().is_cuda());
  REQUIRE(got.shape() == want.shape());
  const double err = test::relative_l2(test::to_double(got), test::to_double(want));
  std::printf("parity: %-60s %.3e (bound %.0e)\n", what.c_str(), err, bound);
  INFO("relative L2 error " << err << ", bound " << bound);
  CHECK(err <= bound);
}

using Op = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs op on the CPU inputs and on GPU copies; compares the outputs and, with a random
// output gradient, the gradients of every input that requires one.
void check_parity(const std::string& what, const std::vector<Tensor>& inputs, const Op& op, double bound = kFp32) {
  PoisonGuard poison;
  for (const Tensor& t : inputs)
    if (t.defined()) t.clear_grad();
  std::vector<Tensor> gpu_inputs;
  for (const Tensor& t : inputs) gpu_inputs.push_back(to_gpu(t));
  const Tensor cpu_out = op(inputs);
  const Tensor gpu_out = op(gpu_inputs);
  compare(what + " forward", gpu_out, cpu_out, bound);
  if (!cpu_out.requires_grad()) return;
  const Tensor seed = random(cpu_out.shape()).to(cpu_out.dtype());
  cpu_out.backward(seed);
  gpu_out.backward(seed.to(gpu()));
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (inputs[k].defined() && inputs[k].requires_grad())
      compare(what + " d/input" + std::to_string(k), gpu_inputs[k].grad(), inputs[k].grad(), bound);
}

std::string dims(const Shape& s) { return shape_str(s); }

struct ConvCase {
  std::int64_t n, h, w, cin, cout, k, stride, pad, groups;
  bool bias;
};

// Dense, grouped, depthwise (kernels 1/3/5/7, strides 1/2) and 1x1 convolutions; odd
// sizes, channels off multiples of 8, batch 1; the last ones large enough for the
// reductions to use several blocks, and the very last for im2col to take two chunks of
// images (kernels/cuda/conv2d.cu: 64 MiB of patches at a time).
const std::vector<ConvCase> kConvCases = {
    {1, 7, 5, 3, 5, 3, 1, 1, 1, true},       {3, 9, 9, 5, 8, 3, 2, 1, 1, false},
    {2, 7, 5, 13, 13, 3, 1, 1, 13, true},    {3, 9, 9, 13, 13, 3, 2, 1, 13, false},
    {1, 9, 9, 5, 5, 5, 1, 2, 5, true},       {1, 9, 7, 3, 3, 7, 2, 3, 3, false},
    {2, 8, 8, 6, 6, 1, 1, 0, 6, true},       {1, 9, 9, 7, 7, 5, 2, 2, 7, false},
    {3, 7, 5, 13, 7, 1, 1, 0, 1, true},      {1, 9, 9, 6, 9, 1, 2, 0, 1, false},
    {2, 7, 7, 6, 9, 3, 1, 1, 3, true},       {1, 9, 5, 4, 6, 5, 2, 0, 2, false},
    {1, 7, 7, 3, 4, 7, 1, 3, 1, true},       {3, 5, 7, 3, 16, 3, 1, 0, 1, true},
    {2, 8, 8, 16, 16, 3, 2, 1, 16, true},    {1, 8, 8, 16, 24, 1, 2, 0, 1, false},
    {2, 6, 6, 8, 16, 3, 1, 1, 8, false},     {8, 33, 31, 40, 40, 3, 1, 1, 40, false},
    {8, 32, 32, 24, 144, 1, 1, 0, 1, true},  {4, 17, 17, 32, 64, 3, 2, 1, 1, false},
    {8, 64, 64, 64, 32, 3, 1, 1, 1, true},
};

std::string describe(const ConvCase& c) {
  std::string s = "conv N" + std::to_string(c.n) + " " + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" +
                  std::to_string(c.cin) + "->" + std::to_string(c.cout) + " k" + std::to_string(c.k) + " s" +
                  std::to_string(c.stride) + " g" + std::to_string(c.groups);
  return c.bias ? s + " bias" : s;
}

// activations: the input's dtype (f32, or bf16: both devices round the weights to bf16 and
// accumulate in fp32; the outputs differ by their rounding, 2^-9 relative).
void check_convolutions(const std::string& tag, double bound, DType activations = DType::f32) {
  for (const ConvCase& c : kConvCases) {
    const ops::Conv2dOptions options{static_cast<int>(c.stride), static_cast<int>(c.pad), static_cast<int>(c.groups)};
    const Shape x_shape{c.n, c.h, c.w, c.cin};
    std::vector<Tensor> in{activations == DType::bf16 ? param_bf16(x_shape) : param(x_shape),
                           param({c.cout, c.k, c.k, c.cin / c.groups}), c.bias ? param({c.cout}) : Tensor()};
    check_parity(tag + describe(c), in,
                 [&](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], t[2], options); }, bound);
  }
}

void check_linear(const std::string& tag, double bound) {
  const std::int64_t cases[][3] = {{1, 13, 10}, {5, 7, 3}, {64, 1280, 10}, {3, 96, 1000}};
  for (const auto& c : cases) {
    std::vector<Tensor> in{param({c[0], c[1]}), param({c[2], c[1]}), param({c[2]})};
    check_parity(tag + "linear " + dims({c[0], c[1]}) + " -> " + std::to_string(c[2]), in,
                 [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2]); }, bound);
  }
}

}  // namespace

TEST_CASE("CUDA parity: element-wise ops and activations", "[cuda]") {
  REQUIRE_GPU();
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{2, 9, 9, 13}, Shape{4, 16, 16, 40}}) {
    check_parity("add " + dims(s), {param(s), param(s)},
                 [](const std::vector<Tensor>& t) { return ops::add(t[0], t[1]); });
    for (ops::Activation a : {ops::Activation::relu, ops::Activation::relu6, ops::Activation::swish,
                              ops::Activation::hswish, ops::Activation::sigmoid, ops::Activation::hsigmoid})
      // [-8, 8] covers every piece of the piecewise activations.
      check_parity(std::string(ops::activation_name(a)) + " " + dims(s), {param(s, -8.f, 8.f)},
                   [a](const std::vector<Tensor>& t) { return ops::activation(t[0], a); });
    check_parity("reshape " + dims(s), {param(s)},
                 [](const std::vector<Tensor>& t) { return ops::reshape(t[0], {t[0].dim(0), -1}); });
  }
}

TEST_CASE("CUDA parity: image normalisation of u8 batches", "[cuda]") {
  REQUIRE_GPU();
  const PoisonGuard poison;
  std::mt19937 bits(static_cast<std::uint32_t>(fresh_seed()));
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{3, 33, 31, 3}, Shape{2, 8, 8, 1}}) {
    Tensor images = Tensor::empty(s, DType::u8);
    for (std::int64_t i = 0; i < images.numel(); ++i) images.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(bits());
    const std::vector<float> mean(s[3], 0.45f), stddev(s[3], 0.23f);
    const Tensor want = ops::normalize_image(images, mean, stddev);
    compare("normalize_image " + dims(s), ops::normalize_image(images.to(gpu()), mean, stddev), want, kFp32);
  }
}

TEST_CASE("CUDA parity: batch normalisation", "[cuda]") {
  REQUIRE_GPU();
  for (const Shape& s :
       {Shape{1, 7, 5, 3}, Shape{4, 9, 9, 13}, Shape{2, 33}, Shape{8, 16, 16, 40}, Shape{1, 1, 3, 5}}) {
    const std::int64_t c = s.back();
    for (bool training : {true, false}) {
      // Offset inputs (mean far from zero) exercise the shifted sums.
      const Tensor x = param(s, 3.f, 5.f), gamma = param({c}), beta = param({c});
      const Tensor mean = random({c}), var = random({c}, 0.5f, 2.f);
      Tensor gpu_mean = mean.to(gpu()), gpu_var = var.to(gpu());
      const std::string what = std::string("batch_norm ") + (training ? "train " : "eval ") + dims(s);
      check_parity(what, {x, gamma, beta}, [&](const std::vector<Tensor>& t) {
        const bool on_gpu = t[0].device().is_cuda();
        ops::BatchNormOptions o;
        o.training = training;
        return ops::batch_norm(t[0], t[1], t[2], on_gpu ? gpu_mean : mean, on_gpu ? gpu_var : var, o);
      });
      compare(what + " running mean", gpu_mean, mean, kFp32);
      compare(what + " running var", gpu_var, var, kFp32);
      // A fused activation (the gradient at the pre-activation recomputed from x); wide
      // gamma and beta put pre-activations on every piece.
      for (ops::Activation a : {ops::Activation::relu6, ops::Activation::swish, ops::Activation::hswish,
                                ops::Activation::sigmoid}) {
        const Tensor wide_gamma = param({c}, 1.f, 4.f), wide_beta = param({c}, -2.f, 2.f);
        const Tensor fixed_mean = random({c}, 3.f, 5.f), fixed_var = random({c}, 0.5f, 2.f);
        const Tensor gpu_fixed_mean = fixed_mean.to(gpu()), gpu_fixed_var = fixed_var.to(gpu());
        check_parity(what + " + " + ops::activation_name(a), {x, wide_gamma, wide_beta},
                     [&](const std::vector<Tensor>& t) {
                       const bool on_gpu = t[0].device().is_cuda();
                       ops::BatchNormOptions o;
                       o.training = training;
                       o.update_running_stats = false;
                       o.activation = a;
                       return ops::batch_norm(t[0], t[1], t[2], on_gpu ? gpu_fixed_mean : fixed_mean,
                                              on_gpu ? gpu_fixed_var : fixed_var, o);
                     });
      }
    }
  }
}

// Both devices compute in float from the same bf16 inputs and round once; they differ by
// the order of the statistics' sums, which can move a rounding across a bf16 boundary.
TEST_CASE("CUDA parity: bf16 activations in add, activations and batch norm", "[cuda]") {
  REQUIRE_GPU();
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{4, 9, 9, 13}, Shape{8, 16, 16, 40}}) {
    const std::int64_t c = s.back();
    check_parity("bf16 add " + dims(s), {param_bf16(s), param_bf16(s)},
                 [](const std::vector<Tensor>& t) { return ops::add(t[0], t[1]); }, kBf16);
    for (ops::Activation a : {ops::Activation::relu6, ops::Activation::hswish, ops::Activation::sigmoid})
      check_parity(std::string("bf16 ") + ops::activation_name(a) + " " + dims(s), {param_bf16(s, -8.f, 8.f)},
                   [a](const std::vector<Tensor>& t) { return ops::activation(t[0], a); }, kBf16);
    for (bool training : {true, false}) {
      const Tensor mean = random({c}, 3.f, 5.f), var = random({c}, 0.5f, 2.f);
      const Tensor gpu_mean = mean.to(gpu()), gpu_var = var.to(gpu());
      check_parity(std::string("bf16 batch_norm + relu6 ") + (training ? "train " : "eval ") + dims(s),
                   {param_bf16(s, 3.f, 5.f), param({c}, 1.f, 4.f), param({c}, -2.f, 2.f)},
                   [&](const std::vector<Tensor>& t) {
                     const bool on_gpu = t[0].device().is_cuda();
                     ops::BatchNormOptions o;
                     o.training = training;
                     o.update_running_stats = false;
                     o.activation = ops::Activation::relu6;
                     return ops::batch_norm(t[0], t[1], t[2], on_gpu ? gpu_mean : mean, on_gpu ? gpu_var : var, o);
                   },
                   kBf16);
    }
  }
}

TEST_CASE("CUDA parity: bf16 activations in convolutions (GEMM and depthwise)", "[cuda]") {
  REQUIRE_GPU();
  check_convolutions("bf16 ", kBf16, DType::bf16);
}

TEST_CASE("CUDA parity: bf16 activations in pooling, dropout, gating, concat, slices and the binary gate", "[cuda]") {
  REQUIRE_GPU();
  const RngKey key{7, RngPurpose::dropout, 1, 2};
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{4, 9, 9, 13}, Shape{8, 16, 16, 40}}) {
    const Shape gate{s[0], 1, 1, s[3]};
    check_parity("bf16 global_avg_pool " + dims(s), {param_bf16(s)},
                 [](const std::vector<Tensor>& t) { return ops::global_avg_pool(t[0]); }, kBf16);
    check_parity("bf16 avg_pool2d " + dims(s), {param_bf16(s)},
                 [](const std::vector<Tensor>& t) { return ops::avg_pool2d(t[0], 3, 2, 1); }, kBf16);
    check_parity("bf16 dropout " + dims(s), {param_bf16(s)},
                 [&](const std::vector<Tensor>& t) { return ops::dropout(t[0], 0.3f, true, key); }, kBf16);
    check_parity("bf16 broadcast_mul " + dims(s), {param_bf16(s), param_bf16(gate)},
                 [](const std::vector<Tensor>& t) { return ops::broadcast_mul(t[0], t[1]); }, kBf16);
    check_parity("bf16 concat_channels " + dims(s), {param_bf16(s), param_bf16({s[0], s[1], s[2], 5})},
                 [](const std::vector<Tensor>& t) { return ops::concat_channels({t[0], t[1]}); }, kBf16);
    check_parity("bf16 channel_slice " + dims(s), {param_bf16(s)},
                 [](const std::vector<Tensor>& t) { return ops::channel_slice(t[0], 3, (t[0].dim(3) + 1) / 2); },
                 kBf16);
    check_parity("bf16 binary_gate " + dims(s), {param_bf16(s), param_bf16(s).detach(), param({4})},
                 [](const std::vector<Tensor>& t) { return ops::binary_gate(t[0], t[1], t[2], {1, 3, true}); },
                 kBf16);
  }
}

TEST_CASE("CUDA parity: batch-norm input gradient over two values per channel is zero", "[cuda]") {
  REQUIRE_GPU();
  test::check_two_value_batch_norm_gradient(gpu(), fresh_seed());
}

TEST_CASE("CUDA parity: broadcast multiply, concat, slice, pooling", "[cuda]") {
  REQUIRE_GPU();
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{3, 9, 9, 13}, Shape{2, 16, 16, 40}}) {
    check_parity("broadcast_mul " + dims(s), {param(s), param({s[0], 1, 1, s[3]})},
                 [](const std::vector<Tensor>& t) { return ops::broadcast_mul(t[0], t[1]); });
    check_parity("global_avg_pool " + dims(s), {param(s)},
                 [](const std::vector<Tensor>& t) { return ops::global_avg_pool(t[0]); });
    for (const auto& pool : {std::tuple{2, 2, 0}, std::tuple{3, 1, 1}, std::tuple{3, 2, 1}}) {
      const auto [k, stride, pad] = pool;
      check_parity("avg_pool2d k" + std::to_string(k) + " s" + std::to_string(stride) + " " + dims(s), {param(s)},
                   [pool](const std::vector<Tensor>& t) {
                     return ops::avg_pool2d(t[0], std::get<0>(pool), std::get<1>(pool), std::get<2>(pool));
                   });
    }
    const Shape a{s[0], s[1], s[2], 3}, b{s[0], s[1], s[2], 13}, c{s[0], s[1], s[2], 8};
    check_parity("concat_channels " + dims(s), {param(a), param(b), random(c)},
                 [](const std::vector<Tensor>& t) { return ops::concat_channels(t); });
    for (int axis : {0, 1, 3})
      check_parity("channel_slice axis " + std::to_string(axis) + " " + dims(s), {param(s)},
                   [axis](const std::vector<Tensor>& t) {
                     return ops::channel_slice(t[0], axis, (t[0].dim(axis) + 1) / 2);
                   });
  }
}

TEST_CASE("CUDA parity: convolutions and linear layers", "[cuda]") {
  REQUIRE_GPU();
  check_convolutions("", kFp32);
  check_linear("", kFp32);
}

// Evaluation's folded conv + BN + activation over the convolution cases: the fold kernel
// and the activation after the forward pass on the GPU, oneDNN's post-op on the CPU.
TEST_CASE("CUDA parity: convolutions with batch norm folded in", "[cuda]") {
  REQUIRE_GPU();
  NoGradGuard no_grad;
  for (const ConvCase& c : kConvCases)
    for (ops::Activation a : {ops::Activation::identity, ops::Activation::relu6, ops::Activation::hswish}) {
      const ops::Conv2dOptions options{static_cast<int>(c.stride), static_cast<int>(c.pad),
                                       static_cast<int>(c.groups)};
      const std::vector<Tensor> in{random({c.n, c.h, c.w, c.cin}), random({c.cout, c.k, c.k, c.cin / c.groups}),
                                   c.bias ? random({c.cout}) : Tensor(), random({c.cout}, 0.5f, 2.f),
                                   random({c.cout}), random({c.cout}), random({c.cout}, 0.2f, 2.f)};
      check_parity("conv+bn folded " + std::string(ops::activation_name(a)) + " " + describe(c), in,
                   [&](const std::vector<Tensor>& t) {
                     return ops::conv_batch_norm_folded(t[0], t[1], t[2], options, {t[3], t[4], t[5], t[6], 1e-5f, a});
                   });
    }
}

TEST_CASE("CUDA parity: counting non-finite values", "[cuda]") {
  REQUIRE_GPU();
  for (std::int64_t n : {1, 1000, 300001}) {
    Tensor a = random({n}, -1e38f, 1e38f), b = random({13});
    a.data<float>()[n / 2] = std::nanf("");
    a.data<float>()[n - 1] = INFINITY;
    b.data<float>()[0] = -INFINITY;
    const auto count = [](const Tensor& t) { return t.to(Device::cpu()).data<std::int64_t>()[0]; };
    const std::int64_t cpu = count(ops::count_nonfinite({a, b}));
    const std::int64_t on_gpu = count(ops::count_nonfinite({a.to(gpu()), b.to(gpu())}));
    std::printf("parity: count_nonfinite n %lld %lld (bound 0)\n", static_cast<long long>(n),
                static_cast<long long>(on_gpu > cpu ? on_gpu - cpu : cpu - on_gpu));
    CHECK(on_gpu == cpu);
    CHECK(cpu == (n == 1 ? 2 : 3));
  }
}

TEST_CASE("CUDA parity: tf32 and bf16 GEMM precision", "[cuda]") {
  REQUIRE_GPU();
#ifdef AUTOSPACE_WITH_CUDA
  using kernels::cuda::GemmPrecision;
  const Restore restore{[] { kernels::cuda::set_gemm_precision(GemmPrecision::fp32); }};
  for (const auto& [precision, bound] :
       {std::pair{GemmPrecision::tf32, kTf32}, std::pair{GemmPrecision::bf16, kBf16}}) {
    kernels::cuda::set_gemm_precision(precision);
    const std::string tag = std::string(kernels::cuda::gemm_precision_name(precision)) + " ";
    check_convolutions(tag, bound);
    check_linear(tag, bound);
  }
#endif
}

TEST_CASE("CUDA parity: cuDNN convolution backend", "[cuda]") {
  REQUIRE_GPU();
#ifdef AUTOSPACE_WITH_CUDA
  if (!kernels::cuda::cudnn_available()) AUTOSPACE_SKIP_TEST("built without cuDNN");
  const Restore restore{[] { kernels::cuda::set_conv_backend(kernels::cuda::ConvBackend::native); }};
  kernels::cuda::set_conv_backend(kernels::cuda::ConvBackend::cudnn);
  check_convolutions("cudnn ", kFp32);
#endif
}

// Autotune: every convolution's passes on whichever backend measured faster, still the
// CPU's results; the choices land in the cache file and a new process's run reads them.
// The register-tiled depthwise kernels on every depthwise case they cover (strides 1 and
// 2, kernels 3/5/7, odd sizes, batch 1), chosen directly: the autotuner would quietly
// reject a wrong one, so this is where a wrong one fails.
TEST_CASE("CUDA parity: register-tiled depthwise kernels", "[cuda]") {
  REQUIRE_GPU();
#ifdef AUTOSPACE_WITH_CUDA
  namespace cuda = kernels::cuda;
  const Restore restore{[] { cuda::clear_conv_backend_choices(); }};
  int covered = 0;
  for (const ConvCase& c : kConvCases) {
    const kernels::Conv2dShape shape{c.n, c.h, c.w, c.cin, c.cout, c.k, c.k, c.stride, c.pad, c.groups};
    if (!cuda::depthwise_tiled_forward_supported(shape)) continue;
    ++covered;
    cuda::clear_conv_backend_choices();
    for (const bool bf16 : {false, true}) {
      cuda::set_conv_backend_for(shape, cuda::ConvPass::forward, cuda::ConvBackend::native_tiled, bf16);
      cuda::set_conv_backend_for(shape, cuda::ConvPass::backward_weights, cuda::ConvBackend::native_tiled, bf16);
      if (cuda::depthwise_tiled_backward_data_supported(shape))
        cuda::set_conv_backend_for(shape, cuda::ConvPass::backward_data, cuda::ConvBackend::native_tiled, bf16);
    }
    const ops::Conv2dOptions options{static_cast<int>(c.stride), static_cast<int>(c.pad), static_cast<int>(c.groups)};
    const auto conv = [&](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], t[2], options); };
    check_parity("tiled " + describe(c),
                 {param({c.n, c.h, c.w, c.cin}), param({c.cout, c.k, c.k, 1}), c.bias ? param({c.cout}) : Tensor()},
                 conv);
    // bf16 activations: both devices round the same float sums to bf16.
    check_parity("tiled bf16 " + describe(c),
                 {param_bf16({c.n, c.h, c.w, c.cin}), param({c.cout, c.k, c.k, 1}),
                  c.bias ? param({c.cout}) : Tensor()},
                 conv, kBf16);
    // The folded evaluation convolution, its activation applied inside the tiled kernel.
    const NoGradGuard no_grad;
    check_parity("tiled conv+bn folded hswish " + describe(c),
                 {random({c.n, c.h, c.w, c.cin}), random({c.cout, c.k, c.k, 1}), c.bias ? random({c.cout}) : Tensor(),
                  random({c.cout}, 0.5f, 2.f), random({c.cout}), random({c.cout}), random({c.cout}, 0.2f, 2.f)},
                 [&](const std::vector<Tensor>& t) {
                   return ops::conv_batch_norm_folded(t[0], t[1], t[2], options,
                                                      {t[3], t[4], t[5], t[6], 1e-5f, ops::Activation::hswish});
                 });
  }
  CHECK(covered >= 6);
#endif
}

TEST_CASE("CUDA parity: autotuned convolution backends", "[cuda]") {
  REQUIRE_GPU();
#ifdef AUTOSPACE_WITH_CUDA
  if (!kernels::cuda::cudnn_available()) AUTOSPACE_SKIP_TEST("built without cuDNN: most passes have one backend");
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("autospace-parity-autotune-" + std::to_string(fresh_seed()) + ".json");
  const Restore restore{[file] {
    ops::set_conv_backend_setting(ops::ConvBackendSetting::native);
    std::filesystem::remove(file);
  }};
  ops::set_conv_backend_setting(ops::ConvBackendSetting::autotune, file);
  check_convolutions("autotune ", kFp32);
  // Three passes of every case (each input requires a gradient), measured and saved.
  std::ifstream in(file);
  const nlohmann::json written = nlohmann::json::parse(in);
  CHECK(written.at("entries").size() == 3 * kConvCases.size());
  // Reopened: the first shape's passes are chosen from the file, not measured again.
  ops::set_conv_backend_setting(ops::ConvBackendSetting::native);
  ops::set_conv_backend_setting(ops::ConvBackendSetting::autotune, file);
  const ConvCase& c = kConvCases.front();
  const kernels::Conv2dShape shape{c.n, c.h, c.w, c.cin, c.cout, c.k, c.k, c.stride, c.pad, c.groups};
  CHECK_FALSE(kernels::cuda::has_conv_backend_for(shape, kernels::cuda::ConvPass::forward));
  check_parity("autotune (from the file) " + describe(c),
               {param({c.n, c.h, c.w, c.cin}), param({c.cout, c.k, c.k, c.cin / c.groups}), param({c.cout})},
               [&](const std::vector<Tensor>& t) {
                 return ops::conv2d(t[0], t[1], t[2], {static_cast<int>(c.stride), static_cast<int>(c.pad),
                                                       static_cast<int>(c.groups)});
               });
  CHECK(kernels::cuda::has_conv_backend_for(shape, kernels::cuda::ConvPass::forward));
#endif
}

TEST_CASE("CUDA parity: autotuned convolution backends on bf16 activations", "[cuda]") {
  REQUIRE_GPU();
#ifdef AUTOSPACE_WITH_CUDA
  namespace cuda = kernels::cuda;
  // Tuned apart from float ones, native against the tiled depthwise kernels (cuDNN serves
  // float), under keys of their own. A pass with one candidate is not measured, so the file
  // holds exactly the depthwise passes the tiled kernels cover.
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("autospace-parity-autotune-bf16-" + std::to_string(fresh_seed()) + ".json");
  const Restore restore{[file] {
    ops::set_conv_backend_setting(ops::ConvBackendSetting::native);
    std::filesystem::remove(file);
  }};
  ops::set_conv_backend_setting(ops::ConvBackendSetting::autotune, file);
  check_convolutions("autotune bf16 ", kBf16, DType::bf16);
  std::size_t expected = 0;
  for (const ConvCase& c : kConvCases) {
    const kernels::Conv2dShape shape{c.n, c.h, c.w, c.cin, c.cout, c.k, c.k, c.stride, c.pad, c.groups};
    if (cuda::depthwise_tiled_forward_supported(shape)) expected += 2;
    if (cuda::depthwise_tiled_backward_data_supported(shape)) expected += 1;
  }
  REQUIRE(expected > 0);
  std::ifstream in(file);
  const nlohmann::json written = nlohmann::json::parse(in);
  CHECK(written.at("entries").size() == expected);
  for (const auto& item : written.at("entries").items())
    CHECK(item.key().find(" bf16-activations ") != std::string::npos);
#endif
}

TEST_CASE("CUDA parity: dropout, cross-entropy, binary gate", "[cuda]") {
  REQUIRE_GPU();
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{3, 1281}}) {
    const RngKey key{fresh_seed(), RngPurpose::dropout, 1, 2};
    // The Philox mask is the same on both devices, so the results agree exactly.
    check_parity("dropout " + dims(s), {param(s)},
                 [key](const std::vector<Tensor>& t) { return ops::dropout(t[0], 0.3f, true, key); }, 0.0);
  }
  for (const auto& [rows, classes] : {std::pair{1, 10}, std::pair{7, 13}, std::pair{64, 1000}})
    for (float smoothing : {0.f, 0.1f}) {
      const Tensor labels = test::random_labels(rows, classes, fresh_seed());
      check_parity("softmax_cross_entropy " + dims({rows, classes}) + " smoothing " + std::to_string(smoothing),
                   {param({rows, classes}, -4.f, 4.f), labels}, [smoothing](const std::vector<Tensor>& t) {
                     return ops::softmax_cross_entropy(t[0], t[1], smoothing);
                   });
    }
  for (bool first_active : {true, false}) {
    const Shape s{2, 9, 9, 13};
    const Tensor inactive = random(s);
    const ops::GatePair pair{3, 1, first_active};
    check_parity(std::string("binary_gate first_active=") + (first_active ? "1" : "0"),
                 {param(s), param({5}), inactive}, [pair](const std::vector<Tensor>& t) {
                   // A product so that the gate's output gradient is not the seed itself.
                   const Tensor out = ops::binary_gate(t[0], t[2], t[1], pair);
                   return ops::add(out, out);
                 });
  }
}

// Counts must agree exactly (the same rank rule, kernels/common/classification.h); the
// loss sums to float rounding. Logits in quarters make ties common; a few rows are poisoned.
TEST_CASE("CUDA parity: classification counts and loss sums", "[cuda]") {
  REQUIRE_GPU();
  PoisonGuard poison;
  for (const auto& [rows, classes] : {std::pair{1, 1}, std::pair{7, 13}, std::pair{300, 10}, std::pair{256, 1000}}) {
    std::mt19937_64 gen(fresh_seed());
    std::vector<float> v(static_cast<std::size_t>(rows * classes));
    for (float& x : v) x = 0.25f * static_cast<float>(static_cast<int>(gen() % 17) - 8);
    for (int r = 0; r < rows; r += 5) v[static_cast<std::size_t>(r * classes) + gen() % classes] = r % 10 ? NAN : INFINITY;
    const Tensor logits = Tensor::from_vector(v, {rows, classes}), labels = test::random_labels(rows, classes, fresh_seed());
    const Tensor loss = random({1}, 0.5f, 3.f);
    nn::ClassificationTotals cpu(Device::cpu()), gpu_totals(gpu());
    for (int batch = 0; batch < 3; ++batch) {  // accumulated in place, over several batches
      cpu.add(logits, labels, loss);
      gpu_totals.add(logits.to(gpu()), labels, loss.to(gpu()));
    }
    const auto want = cpu.sums(), got = gpu_totals.sums();
    const std::string what = "classification counts " + dims({rows, classes});
    const double err = std::abs(got.loss - want.loss) / std::abs(want.loss);
    std::printf("parity: %-60s %.3e (bound %.0e)\n", what.c_str(), err, kFp32);
    INFO(what);
    CHECK(got.top1 == want.top1);
    CHECK(got.topk == want.topk);
    CHECK(got.nonfinite == want.nonfinite);
    CHECK(err <= kFp32);
  }
}

// The device side of a training step's verdict: the same gates and counters from the same
// losses and norms (finite, NaN, infinite), the same step figures and tally (exact: counts
// and the float product are computed alike), the BN restore and the SGD update gated on
// the device, and an out-of-range GPU label made a NaN loss instead of a read past the row.
TEST_CASE("CUDA parity: the non-finite guard's gate, the step figures and the training tally", "[cuda]") {
  REQUIRE_GPU();
  PoisonGuard poison;
  optim::NonFiniteGuard cpu_guard(100), gpu_guard(100);
  nn::TrainingTally cpu_tally(Device::cpu()), gpu_tally(gpu());
  std::mt19937_64 gen(fresh_seed());
  const float special[] = {1.f, NAN, INFINITY, 2.5f};
  for (int step = 0; step < 12; ++step) {
    const std::int64_t rows = 1 + static_cast<std::int64_t>(gen() % 300), classes = 1 + static_cast<std::int64_t>(gen() % 40);
    const Tensor logits = random({rows, classes}), labels = test::random_labels(rows, classes, fresh_seed());
    const Tensor loss = Tensor::from_vector({special[gen() % 4] * random({1}, 0.5f, 3.f).item()}, {1});
    const Tensor norm = Tensor::from_vector({special[gen() % 4]}, {1});
    const Tensor cpu_gate = cpu_guard.judge(loss, norm), gpu_gate = gpu_guard.judge(loss.to(gpu()), norm.to(gpu()));
    INFO("step " << step << ": loss " << loss.item() << ", norm " << norm.item());
    CHECK(gpu_gate.item() == cpu_gate.item());
    const Tensor cpu_figures = ops::step_figures(logits, labels, loss, step);
    const Tensor gpu_figures = ops::step_figures(logits.to(gpu()), labels.to(gpu()), loss.to(gpu()), step);
    const std::vector<float> want = cpu_figures.to_vector(), got = gpu_figures.to_vector();
    for (std::size_t i = 0; i < 4; ++i)  // NaN == NaN for the loss of a NaN step
      CHECK((got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))));
    cpu_tally.add(cpu_figures, cpu_gate);
    gpu_tally.add(gpu_figures, gpu_gate);

    const Tensor live = random({37}), saved = random({37});
    const Tensor gpu_live = live.to(gpu()), gpu_saved = saved.to(gpu()), fresh = random({5}), gpu_fresh = fresh.to(gpu());
    ops::restore_unless_applied(live, saved, 0.f, cpu_gate);
    ops::restore_unless_applied(gpu_live, gpu_saved, 0.f, gpu_gate);
    ops::restore_unless_applied(fresh, Tensor(), 1.f, cpu_gate);
    ops::restore_unless_applied(gpu_fresh, Tensor(), 1.f, gpu_gate);
    CHECK(gpu_live.to_vector() == live.to_vector());
    CHECK(gpu_fresh.to_vector() == fresh.to_vector());
  }
  const auto a = cpu_guard.read(), b = gpu_guard.read();
  CHECK(b.judged == a.judged);
  CHECK(b.skipped == a.skipped);
  CHECK(b.skipped_loss == a.skipped_loss);
  const auto x = cpu_tally.read(), y = gpu_tally.read();
  CHECK(y.epoch.loss_sum == x.epoch.loss_sum);
  CHECK(y.epoch.correct == x.epoch.correct);
  CHECK(y.epoch.images == x.epoch.images);
  CHECK(y.epoch.steps == x.epoch.steps);
  CHECK(y.unreadable == x.unreadable);
  std::printf("parity: %-60s exact (%lld of 12 steps skipped)\n", "guard gate, step figures, tally",
              static_cast<long long>(a.skipped));

  // A gated SGD step on the GPU: nothing moves under a 0 gate, the CPU's update under a 1.
  for (const float verdict : {0.f, 1.f}) {
    const Tensor initial = random({4100}), g = random({4100});
    Tensor cpu_w = initial.clone().set_requires_grad(true), gpu_w = to_gpu(initial).set_requires_grad(true);
    optim::SGD cpu_sgd({{{{"w", cpu_w}}, 1e-2f, 1.f}}, {0.9f, true}), gpu_sgd({{{{"w", gpu_w}}, 1e-2f, 1.f}}, {0.9f, true});
    cpu_w.set_grad(g);
    gpu_w.set_grad(g.to(gpu()));
    cpu_sgd.step(0.1f, Tensor::from_vector({verdict}, {1}));
    gpu_sgd.step(0.1f, Tensor::from_vector({verdict}, {1}).to(gpu()));
    CHECK(gpu_w.to_vector() == (verdict == 0.f ? initial.to_vector() : cpu_w.to_vector()));
  }

  // GPU labels are not read back: one out of range gives a NaN loss, no error.
  const Tensor logits = random({4, 3});
  const Tensor bad = Tensor::from_int64({0, 1, 7, 2}, {4});
  CHECK_THROWS_WITH(ops::softmax_cross_entropy(logits, bad), Catch::Contains("label 7 of row 2"));
  CHECK(std::isnan(ops::softmax_cross_entropy(logits.to(gpu()), bad.to(gpu())).item()));
}

TEST_CASE("CUDA parity: optimiser updates and gradient norms", "[cuda]") {
  REQUIRE_GPU();
  PoisonGuard poison;
  const Shape shapes[] = {{13, 3, 3, 5}, {7}, {1000, 96}};
  auto make_params = [&](Device device, std::vector<Tensor>& cpu_copy) {
    std::vector<NamedTensor> out;
    for (std::size_t i = 0; i < std::size(shapes); ++i) {
      if (device.is_cpu()) cpu_copy.push_back(random(shapes[i]));
      Tensor p = cpu_copy[i].clone().to(device);
      p.set_requires_grad(true);
      std::string name = "p";  // built by appending: GCC 12 warns falsely on "p" + to_string(i)
      name += std::to_string(i);
      out.emplace_back(name, p);
    }
    return out;
  };
  for (int kind = 0; kind < 2; ++kind) {
    std::vector<Tensor> initial;
    const auto cpu_params = make_params(Device::cpu(), initial);
    const auto gpu_params = make_params(gpu(), initial);
    auto make_optimizer = [kind](const std::vector<NamedTensor>& p) -> std::unique_ptr<optim::Optimizer> {
      if (kind == 0) return std::make_unique<optim::SGD>(std::vector<optim::ParamGroup>{{p, 1e-2f, 1.f}},
                                                         optim::SgdOptions{0.9f, true});
      return std::make_unique<optim::Adam>(std::vector<optim::ParamGroup>{{p, 1e-2f, 1.f}}, optim::AdamOptions{});
    };
    auto cpu_opt = make_optimizer(cpu_params), gpu_opt = make_optimizer(gpu_params);
    const std::string name = kind == 0 ? "SGD nesterov" : "Adam";
    for (int step = 0; step < 3; ++step) {
      std::vector<Tensor> cpu_list, gpu_list;
      for (std::size_t i = 0; i < std::size(shapes); ++i) {
        // The second parameter gets no gradient in the second step: skipped by both.
        if (i == 1 && step == 1) continue;
        const Tensor g = random(shapes[i]);
        cpu_params[i].second.set_grad(g);
        gpu_params[i].second.set_grad(g.to(gpu()));
      }
      for (const auto& [n, p] : cpu_params) cpu_list.push_back(p);
      for (const auto& [n, p] : gpu_params) gpu_list.push_back(p);
      const double cpu_norm = optim::clip_grad_norm(cpu_list, 5.0).item();
      const double gpu_norm = optim::clip_grad_norm(gpu_list, 5.0).item();
      std::printf("parity: %-60s %.3e (bound %.0e)\n", (name + " gradient norm").c_str(),
                  std::abs(gpu_norm - cpu_norm) / cpu_norm, kFp32);
      CHECK(std::abs(gpu_norm - cpu_norm) <= kFp32 * cpu_norm);
      cpu_opt->step(0.1f);
      gpu_opt->step(0.1f);
      cpu_opt->zero_grad();
      gpu_opt->zero_grad();
    }
    for (std::size_t i = 0; i < std::size(shapes); ++i)
      compare(name + " " + cpu_params[i].first + " after 3 steps", gpu_params[i].second, cpu_params[i].second, kFp32);
    const auto cpu_state = cpu_opt->state(), gpu_state = gpu_opt->state();
    REQUIRE(cpu_state.size() == gpu_state.size());
    for (std::size_t i = 0; i < cpu_state.size(); ++i)
      if (cpu_state[i].second.dtype() == DType::f32)
        compare(name + " state " + cpu_state[i].first, gpu_state[i].second, cpu_state[i].second, kFp32);
  }
  // The norm's multi-tensor launches: more tensors than one launch holds (32) and a
  // tensor of more chunks than one launch holds (224 of 16384 elements), so that both
  // ways of continuing in the next launch are taken.
  std::vector<Tensor> cpu_grads, gpu_grads;
  for (int i = 0; i < 41; ++i) {
    const Tensor p = random({i == 40 ? 4000003 : 1 + 37 * i}).set_requires_grad(true);
    p.set_grad(random(p.shape()));
    Tensor q = p.detach().to(gpu()).set_requires_grad(true);
    q.set_grad(p.grad().to(gpu()));
    cpu_grads.push_back(p);
    gpu_grads.push_back(q);
  }
  const double cpu_norm = optim::grad_norm(cpu_grads).item(), gpu_norm = optim::grad_norm(gpu_grads).item();
  std::printf("parity: %-60s %.3e (bound %.0e)\n", "gradient norm over 41 tensors", std::abs(gpu_norm - cpu_norm) / cpu_norm,
              kFp32);
  CHECK(std::abs(gpu_norm - cpu_norm) <= kFp32 * cpu_norm);
}

// The multi-tensor optimiser steps and gradient clipping over enough parameters to take
// several launches (more than 32 descriptors, and one parameter of more than 224 chunks of
// 16384 that spans launches), two groups with their own weight decay and learning-rate
// scale, and parameters whose first update comes a step later than the others'.
TEST_CASE("CUDA parity: multi-tensor optimiser steps and clipping over many parameters", "[cuda]") {
  REQUIRE_GPU();
  PoisonGuard poison;
  std::vector<Shape> shapes;
  for (int i = 0; i < 45; ++i) shapes.push_back({1 + (i * 37) % 300});
  shapes.push_back({4100000});
  shapes.push_back({3, 3, 3, 32});
  for (const std::string kind : {"SGD momentum", "SGD plain", "Adam"}) {
    std::vector<NamedTensor> cpu_params, gpu_params;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      const Tensor initial = random(shapes[i]);
      std::string name = "p";
      name += std::to_string(i);
      cpu_params.emplace_back(name, initial.clone().set_requires_grad(true));
      gpu_params.emplace_back(name, to_gpu(initial).set_requires_grad(true));
    }
    const auto make = [&kind](const std::vector<NamedTensor>& p) -> std::unique_ptr<optim::Optimizer> {
      const std::size_t half = p.size() / 2;
      std::vector<optim::ParamGroup> groups{{{p.begin(), p.begin() + half}, 4e-5f, 1.f},
                                            {{p.begin() + half, p.end()}, 0.f, 0.5f}};
      if (kind == "Adam") return std::make_unique<optim::Adam>(groups, optim::AdamOptions{});
      return std::make_unique<optim::SGD>(groups, optim::SgdOptions{kind == "SGD plain" ? 0.f : 0.9f, true});
    };
    auto cpu_opt = make(cpu_params), gpu_opt = make(gpu_params);
    std::vector<Tensor> cpu_list, gpu_list;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      cpu_list.push_back(cpu_params[i].second);
      gpu_list.push_back(gpu_params[i].second);
    }
    for (int step = 0; step < 3; ++step) {
      for (std::size_t i = 0; i < shapes.size(); ++i) {
        if (step == 0 && i % 3 == 0) continue;  // these start a step later: first steps differ per tensor
        const Tensor g = random(shapes[i]);
        cpu_params[i].second.set_grad(g);
        gpu_params[i].second.set_grad(g.to(gpu()));
      }
      // A bound below the norm, so that every gradient is scaled.
      optim::clip_grad_norm(cpu_list, 10.0);
      optim::clip_grad_norm(gpu_list, 10.0);
      cpu_opt->step(0.1f);
      gpu_opt->step(0.1f);
      cpu_opt->zero_grad();
      gpu_opt->zero_grad();
    }
    double worst = 0;
    for (std::size_t i = 0; i < shapes.size(); ++i)
      worst = std::max(worst, test::relative_l2(test::to_double(gpu_params[i].second),
                                                test::to_double(cpu_params[i].second)));
    const std::string what = "multi-tensor " + kind + " + clipping, " + std::to_string(shapes.size()) + " parameters";
    std::printf("parity: %-60s %.3e (bound %.0e)\n", what.c_str(), worst, kFp32);
    CHECK(worst <= kFp32);
  }
}

TEST_CASE("CUDA parity: tensors, fills and the device allocator", "[cuda]") {
  REQUIRE_GPU();
  const Tensor zeros = Tensor::zeros({3, 1000}, DType::f32, gpu());
  const Tensor full = Tensor::full({5, 7}, 2.5f, gpu());
  for (float v : zeros.to_vector()) REQUIRE(v == 0.f);
  for (float v : full.to_vector()) REQUIRE(v == 2.5f);
  full.fill(-1.f);
  for (float v : full.to_vector()) REQUIRE(v == -1.f);
  const Tensor x = random({4, 9, 9, 13});
  const std::vector<float> back = x.to(gpu()).clone().to(Device::cpu()).to_vector();
  REQUIRE(back == x.to_vector());
  const AllocatorStats before = allocator_stats(gpu());
  { const Tensor t = Tensor::empty({1 << 20}, DType::f32, gpu()); }
  { const Tensor t = Tensor::empty({1 << 20}, DType::f32, gpu()); }
  const AllocatorStats after = allocator_stats(gpu());
  CHECK(after.reuses >= before.reuses + 1);
  CHECK(after.peak_bytes >= (std::size_t{1} << 22));
}

namespace {

// Every parameter's gradient (or every state tensor) of a network, concatenated.
std::vector<double> all_gradients(nn::Module& net) {
  std::vector<double> out;
  for (const auto& [name, p] : net.named_parameters()) {
    const auto g = test::to_double(p.grad());
    out.insert(out.end(), g.begin(), g.end());
  }
  return out;
}
std::vector<double> all_state(nn::Module& net) {
  std::vector<double> out;
  for (const auto& [name, t] : nn::state_of(net)) {
    const auto v = test::to_double(t);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// The GPU against the CPU, bounded by how far the CPU itself moves when its input moves by
// one rounding step: a whole ReLU6 network with batch-norm over few values is badly
// conditioned (units near the kinks switch; measured here: 1e-7 relative input noise moves
// MobileNetV2's batch-4 gradients by 4e-5 to 8e-3), so no bound tighter than that response
// can hold for two correct implementations that round differently. Summation orders
// perturb every op, not just the input, hence the factor 10; integration errors (a wrong
// layout, a missed synchronisation) are O(1) and still fail.
void compare_conditioned(const std::string& what, const std::vector<double>& gpu, const std::vector<double>& cpu,
                         const std::vector<double>& cpu_perturbed) {
  const double err = test::relative_l2(gpu, cpu), response = test::relative_l2(cpu_perturbed, cpu);
  const double bound = std::max(kNetwork, 10 * response);
  std::printf("parity: %-60s %.3e (bound %.0e; CPU response to input rounding %.1e)\n", what.c_str(), err, bound,
              response);
  INFO(what << ": relative L2 error " << err << ", CPU response to input rounding " << response);
  CHECK(err <= bound);
}

}  // namespace

TEST_CASE("CUDA parity: MobileNetV2 training steps", "[cuda]") {
  REQUIRE_GPU();
  // 32x32 inputs, batch 4, stem stride 1, dropout on: three SGD steps on each device from
  // the same initial weights, and a third run on the CPU with the input moved by about one
  // rounding step (compare_conditioned); the dropout masks agree (same Philox keys).
  auto make = [] {
    auto net = bench::make_mobilenet_v2({10, 1, 0.2f});
    net->initialize(7);
    net->train();
    return net;
  };
  auto cpu_net = make(), gpu_net = make(), moved_net = make();
  gpu_net->to(gpu());
  auto make_sgd = [](nn::Module& net) {
    const auto groups = nn::split_weight_decay(net.named_parameters());
    return optim::SGD({{groups.decay, 4e-5f, 1.f}, {groups.no_decay, 0.f, 1.f}}, {0.9f, true});
  };
  optim::SGD cpu_sgd = make_sgd(*cpu_net), gpu_sgd = make_sgd(*gpu_net), moved_sgd = make_sgd(*moved_net);
  const Tensor x = random_normal({4, 32, 32, 3}, {fresh_seed(), RngPurpose::test, 0, 0});
  Tensor moved_x = x.clone();
  for (std::int64_t i = 0; i < moved_x.numel(); ++i) moved_x.data<float>()[i] *= 1.f + (i % 2 ? 1e-7f : -1e-7f);
  const Tensor labels = Tensor::from_int64({1, 7, 3, 9}, {4});
  const Tensor gpu_x = x.to(gpu()), gpu_labels = labels.to(gpu());
  for (std::uint32_t step = 0; step < 3; ++step) {
    for (nn::Module* net : {cpu_net.get(), gpu_net.get(), moved_net.get()}) nn::set_rng_step(*net, 0, step);
    const Tensor cpu_loss = ops::softmax_cross_entropy(cpu_net->forward(x), labels, 0.1f);
    const Tensor gpu_loss = ops::softmax_cross_entropy(gpu_net->forward(gpu_x), gpu_labels, 0.1f);
    const Tensor moved_loss = ops::softmax_cross_entropy(moved_net->forward(moved_x), labels, 0.1f);
    compare_conditioned("MobileNetV2 loss, step " + std::to_string(step), test::to_double(gpu_loss),
                        test::to_double(cpu_loss), test::to_double(moved_loss));
    cpu_loss.backward();
    gpu_loss.backward();
    moved_loss.backward();
    if (step == 0)
      compare_conditioned("MobileNetV2 all gradients, step 0", all_gradients(*gpu_net), all_gradients(*cpu_net),
                          all_gradients(*moved_net));
    for (optim::SGD* sgd : {&cpu_sgd, &gpu_sgd, &moved_sgd}) {
      sgd->step(0.05f);
      sgd->zero_grad();
    }
  }
  compare_conditioned("MobileNetV2 weights and BN statistics after 3 steps", all_state(*gpu_net), all_state(*cpu_net),
                      all_state(*moved_net));
}

TEST_CASE("CUDA parity: graph replays of an evaluation forward", "[cuda]") {
  REQUIRE_GPU();
  // MobileNetV2 in eval mode (BN folded), 32x32, batch 4. A replay runs the eager forward's
  // kernels on the same addresses, so it must give the eager GPU forward's values bit for
  // bit (bound 0): for fresh inputs, after the weights changed in place (a training step's
  // way), and after the network moved storage (a new key: eager, then a new recording).
  const PoisonGuard poison;
  auto cpu_net = bench::make_mobilenet_v2({10, 1, 0.2f});
  cpu_net->initialize(11);
  cpu_net->eval();
  auto net = bench::make_mobilenet_v2({10, 1, 0.2f});
  net->initialize(11);
  net->eval();
  net->to(gpu());
  const NoGradGuard no_grad;
  nn::GraphedForward forward(*net, true);
  const auto check_inputs = [&](const std::string& when) {
    for (int i = 0; i < 3; ++i) {
      const Tensor x = random({4, 32, 32, 3});
      const Tensor gx = x.to(gpu());
      const Tensor eager = net->forward(gx);
      const Tensor replayed = forward(gx);
      compare("graph replay vs eager GPU forward, " + when + " input " + std::to_string(i), replayed, eager, 0);
      compare("graph replay vs CPU forward, " + when + " input " + std::to_string(i), replayed, cpu_net->forward(x),
              kNetwork);
    }
  };
  check_inputs("first");  // input 0 is the warm-up (eager), 1 records, 2 replays
  CHECK(forward.recordings() == 1);
  const auto scale_weights = [](nn::Module& m) {
    for (const Tensor& p : m.parameters()) {
      const Tensor host = p.to(Device::cpu()).clone();
      float* d = host.data<float>();
      for (std::int64_t i = 0; i < host.numel(); ++i) d[i] *= 0.9f;
      p.copy_from(host);
    }
  };
  scale_weights(*net);
  scale_weights(*cpu_net);
  check_inputs("weights changed,");
  CHECK(forward.recordings() == 1);
  net->to(Device::cpu());
  net->to(gpu());
  check_inputs("storage moved,");
  CHECK(forward.recordings() == 2);
}

TEST_CASE("CUDA parity: a recording that reads back to the host fails cleanly", "[cuda]") {
  REQUIRE_GPU();
  // A copy to pageable host memory waits for the device, which a graph cannot hold: the
  // recording must fail with the CUDA error named, and the stream must work afterwards.
  const Tensor x = random({1000}).to(gpu());
  const Tensor host_sum = ops::add(x.to(Device::cpu()), x.to(Device::cpu()));
  DeviceGraph refused(gpu());
  CHECK_THROWS_WITH(refused.record([&] { (void)x.to(Device::cpu()); }), Catch::Contains("StreamCapture"));
  CHECK_FALSE(refused.recorded());
  compare("add after a refused recording", ops::add(x, x), host_sum, kFp32);
  // And a recording after it works: recorded, nothing run, then each replay runs it.
  DeviceGraph graph(gpu());
  Tensor sum;
  graph.record([&] { sum = ops::add(x, x); });
  REQUIRE(graph.recorded());
  graph.replay();
  compare("a graph's replay after a refused recording", sum, host_sum, kFp32);
}

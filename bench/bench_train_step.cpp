// Training-step throughput (forward + backward + SGD) and evaluation-forward throughput
// of MobileNetV2 at 32x32 input, torchvision's configuration with stem stride 1, width
// 1.0, 10 classes. Compare with
// PyTorch on the same machine: bench/train_step_vs_pytorch.py runs both side by side.
#include <benchmark/benchmark.h>

#include "bench/common/mobilenet_v2.h"
#include "engine/autograd/node.h"
#include "engine/core/device.h"
#include "engine/nn/dropout.h"
#include "engine/ops/conv_bn_fold.h"
#include "engine/ops/cross_entropy.h"
#include "engine/optim/optimizer.h"
#include "engine/rng/rng.h"

using namespace autospace;

// Args: batch, threads, bf16 (1: the activations in bf16, engine/core/precision.h).
static void BM_MobileNetV2TrainStep(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const DType activations = state.range(2) ? DType::bf16 : DType::f32;
  set_num_threads(threads);
  auto net = bench::make_mobilenet_v2({10, 1, 0.2f});
  net->initialize(1);
  net->train();
  const auto groups = nn::split_weight_decay(net->named_parameters());
  optim::SGD sgd({{groups.decay, 4e-5f, 1.f}, {groups.no_decay, 0.f, 1.f}}, {0.9f, true});
  const Tensor x = random_normal({batch, 32, 32, 3}, {1, RngPurpose::test, 0, 0}).to(activations);
  std::vector<std::int64_t> y(batch);
  for (int i = 0; i < batch; ++i) y[i] = i % 10;
  const Tensor labels = Tensor::from_int64(y, {batch});
  std::uint32_t step = 0;
  for (auto _ : state) {
    nn::set_rng_step(*net, 0, step++);
    Tensor loss = ops::softmax_cross_entropy(net->forward(x), labels, 0.1f);
    loss.backward();
    sgd.step(0.05f);
    sgd.zero_grad();
    benchmark::DoNotOptimize(loss.item());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["threads"] = threads;
}
BENCHMARK(BM_MobileNetV2TrainStep)
    ->ArgNames({"batch", "threads", "bf16"})
    ->Args({64, 2, 0})
    ->Args({64, 1, 0})
    ->Args({64, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Evaluation forward (eval mode, grad mode off) of the same network, with the BN folded
// into each convolution (fold 1, what evaluation runs) and unfolded (fold 0), side by side.
static void BM_MobileNetV2EvalForward(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  set_num_threads(threads);
  const ops::ConvBatchNormFolding folding(state.range(2) != 0);
  auto net = bench::make_mobilenet_v2({10, 1, 0.2f});
  net->initialize(1);
  const Tensor x = random_normal({batch, 32, 32, 3}, {1, RngPurpose::test, 0, 0});
  net->train();
  net->forward(x);  // running statistics off their initial 0 / 1
  net->eval();
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(net->forward(x).data<float>());
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["threads"] = threads;
}
BENCHMARK(BM_MobileNetV2EvalForward)
    ->ArgNames({"batch", "threads", "fold"})
    ->Args({64, 2, 1})
    ->Args({64, 2, 0})
    ->Args({1, 1, 1})
    ->Args({1, 1, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();

// Overhead of the DEA's gated supernet over the network it samples: one DEA weight step
// (two candidates per layer, binary gates, bank slicing) against one training step of
// the single network made of the active candidates, built standalone from its arch.json
// description. CIFAR-size backbone of configs/evolve/cifar10-small.json, batch 64, 2 threads;
// the second argument 1 runs both on bf16 activations (engine/core/precision.h).
// With AUTOSPACE_SAMPLED_ARCH=<file> set, the sampled network's arch.json is written there,
// so bench/dea_step_vs_pytorch.py can time the same network in PyTorch.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "bench/common/cifar_supernet.h"
#include "engine/core/device.h"
#include "engine/ops/cross_entropy.h"
#include "engine/optim/optimizer.h"
#include "nas/dea/evolution.h"
#include "nas/arch_json.h"
#include "nas/network/build_network.h"

using namespace autospace;

namespace {

nas::DeaSettings settings() {
  nas::DeaSettings s;
  s.population = 24;
  s.supernet_cells = 6;
  s.cap.kind = nas::CapRule::Kind::reference;
  s.cap.factor = 2.0;
  return s;
}

}  // namespace

static void BM_DeaWeightStep(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  nas::Evolution evo(bench::cifar_backbone(), settings(), 1, 1 << 30);
  const Tensor x = bench::cifar_images_as(state.range(1));
  for (int i = 0; i < 2; ++i) evo.weight_step(x, bench::cifar_labels(), 0.05f);  // first use of each shape
  for (auto _ : state) benchmark::DoNotOptimize(evo.weight_step(x, bench::cifar_labels(), 0.05f).loss());
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_DeaWeightStep)->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_SampledNetworkStep(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  nas::Evolution evo(bench::cifar_backbone(), settings(), 1, 1 << 30);
  const Tensor x = bench::cifar_images_as(state.range(1));
  evo.weight_step(x, bench::cifar_labels(), 0.05f);  // samples the pairs
  std::vector<nas::Block> active;
  for (std::size_t l = 0; l < evo.supernet().layers(); ++l)
    active.push_back(evo.supernet().candidates(l)[evo.supernet().gate(l).active()]);
  const nas::Arch arch = nas::make_arch(bench::cifar_backbone(), active, "sampled");
  if (const char* file = std::getenv("AUTOSPACE_SAMPLED_ARCH")) nas::save_arch(file, arch);
  auto net = nas::build_network(arch, 1);
  const auto groups = nn::split_weight_decay(net->named_parameters());
  optim::SGD sgd({{groups.decay, 4e-5f, 1.f}, {groups.no_decay, 0.f, 1.f}}, {0.9f, true});
  net->train();
  auto step = [&] {
    Tensor loss = ops::softmax_cross_entropy(net->forward(x), bench::cifar_labels());
    loss.backward();
    sgd.step(0.05f);
    sgd.zero_grad();
    return loss.item();
  };
  for (int i = 0; i < 2; ++i) step();
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_SampledNetworkStep)->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();

// What phase 2 costs per step, on the CIFAR-size backbone of configs/evolve/cifar10-small.json
// (batch 64, 2 threads): the proxyless supernet over the IRB space (weight step: the
// sampled active path; gradient architecture step: both paths of every pair, the MAdds
// term; REINFORCE architecture step: one drawn path, forward only), the single-path
// supernet over the open space (a weight step includes building the drawn path's cells
// over the banks) and one spos evaluation (activate, 2 BN-recalibration batches, 1
// held-out batch). BM_SampledNetworkStep in bench_dea_step is the network-alone baseline
// for the weight steps. Also: tabulating the 56,364-cell open space of the default
// 21-layer ImageNet backbone (what every spos/random search over it does first). The
// weight and gradient steps' second argument 1 runs them on bf16 activations.
#include <benchmark/benchmark.h>

#include "bench/common/cifar_supernet.h"
#include "engine/autograd/node.h"
#include "engine/core/device.h"
#include "engine/ops/conv_bn_fold.h"
#include "nas/network/weight_bank.h"
#include "nas/search/gated_search.h"
#include "nas/search/single_path.h"

using namespace autospace;

namespace {

const nas::SpaceTable& irb_table() {
  static const nas::IrbSpace space(bench::cifar_backbone(), nas::IrbChoices{}, true);
  static const nas::SpaceTable table(space);
  return table;
}

const nas::SpaceTable& open_table() {
  static const nas::OpenSpace space(bench::cifar_backbone(), nas::CellChoices{}, true);
  static const nas::SpaceTable table(space);
  return table;
}

nas::GatedSearch gated(nas::GatedMethod method) {
  nas::GatedSearchSettings s;
  s.method = method;
  s.budget = {nas::CostKind::madds, 8e6};
  return nas::GatedSearch(irb_table(), s, 1);
}

void run_gated(benchmark::State& state, nas::GatedMethod method, bool arch_step) {
  set_num_threads(static_cast<int>(state.range(0)));
  nas::GatedSearch search = gated(method);
  const Tensor x = bench::cifar_images_as(state.range(1));
  const Tensor& y = bench::cifar_labels();
  for (int i = 0; i < 2; ++i) search.weight_step(x, y, 0.05f), search.arch_step(x, y);  // first use of each shape
  for (auto _ : state)
    benchmark::DoNotOptimize(arch_step ? search.arch_step(x, y).loss : search.weight_step(x, y, 0.05f).loss());
  state.SetItemsProcessed(state.iterations() * 64);
}

}  // namespace

static void BM_ProxylessWeightStep(benchmark::State& state) { run_gated(state, nas::GatedMethod::gradient, false); }
BENCHMARK(BM_ProxylessWeightStep)->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_ProxylessGradientArchStep(benchmark::State& state) { run_gated(state, nas::GatedMethod::gradient, true); }
BENCHMARK(BM_ProxylessGradientArchStep)->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_ProxylessReinforceArchStep(benchmark::State& state) { run_gated(state, nas::GatedMethod::reinforce, true); }
BENCHMARK(BM_ProxylessReinforceArchStep)->Args({2, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_SposWeightStepOpenSpace(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  nas::SinglePathSupernet net(open_table(), {{nas::CostKind::madds, 8e6, 0.0, 1.0}, 0.9f, 4e-5f, 5.0}, 1);
  const Tensor x = bench::cifar_images_as(state.range(1));
  for (int i = 0; i < 2; ++i) net.weight_step(x, bench::cifar_labels(), 0.05f);
  for (auto _ : state) benchmark::DoNotOptimize(net.weight_step(x, bench::cifar_labels(), 0.05f).loss());
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_SposWeightStepOpenSpace)->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_SposEvaluationOpenSpace(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  const ops::ConvBatchNormFolding folding(state.range(1) != 0);
  nas::SinglePathSupernet net(open_table(), {{nas::CostKind::madds, 8e6, 0.0, 1.0}, 0.9f, 4e-5f, 5.0}, 1);
  for (int i = 0; i < 20; ++i) net.weight_step(bench::cifar_images(), bench::cifar_labels(), 0.05f);
  std::uint32_t k = 0;
  for (auto _ : state) {
    Rng rng({2, RngPurpose::test, 0, k++});
    nas::ArchChoice choice;
    for (std::size_t l = 0; l < open_table().layers(); ++l)
      choice.push_back(static_cast<int>(rng.below(static_cast<std::uint64_t>(open_table().size(l)))));
    net.activate(choice);
    nn::Module& model = net.supernet();
    NoGradGuard no_grad;
    model.train();
    nas::begin_bn_recalibration(model);
    for (int i = 0; i < 2; ++i) model.forward(bench::cifar_images());
    nas::end_bn_recalibration(model);
    model.eval();
    benchmark::DoNotOptimize(model.forward(bench::cifar_images()));
  }
  state.SetItemsProcessed(state.iterations() * 64 * 3);
}
// fold: the held-out batch's convolutions with their BN folded in (1, what search runs)
// or not (0); the recalibration batches run in training mode either way.
BENCHMARK(BM_SposEvaluationOpenSpace)
    ->ArgNames({"threads", "fold"})
    ->Args({2, 1})
    ->Args({2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

static void BM_OpenSpaceTableImageNet(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  const nas::OpenSpace space(nas::Backbone{}, nas::CellChoices{}, true);
  for (auto _ : state) benchmark::DoNotOptimize(nas::SpaceTable(space).min_cost(nas::CostKind::madds));
}
BENCHMARK(BM_OpenSpaceTableImageNet)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

BENCHMARK_MAIN();

// Forward + backward (data and weights) of the CPU conv2d kernels on MobileNetV2 shapes
// at 32x32 input, batch 64, on f32 and on bf16 activations. bench/conv2d_vs_pytorch.py runs the same shapes in PyTorch.
#include <benchmark/benchmark.h>

#include <vector>

#include "engine/core/device.h"
#include "engine/tensor.h"
#include "kernels/cpu/conv2d.h"

using namespace autospace;

namespace {

template <class T> void run_conv2d(benchmark::State& state, const kernels::Conv2dShape& s) {
  const DType dtype = dtype_of<T>();
  Tensor x = Tensor::full({s.n, s.in_h, s.in_w, s.in_c}, 0.5f).to(dtype);
  Tensor w = Tensor::full({s.out_c, s.kernel_h, s.kernel_w, s.in_c / s.groups}, 0.1f);
  Tensor y = Tensor::empty({s.n, s.out_h(), s.out_w(), s.out_c}, dtype);
  Tensor dy = Tensor::full(y.shape(), 0.01f).to(dtype);
  Tensor dx = Tensor::empty(x.shape(), dtype), dw = Tensor::empty(w.shape());
  for (auto _ : state) {
    kernels::cpu::conv2d_forward<T>(s, x.data<T>(), w.data<float>(), nullptr, y.data<T>());
    kernels::cpu::conv2d_backward_data<T>(s, dy.data<T>(), w.data<float>(), dx.data<T>());
    kernels::cpu::conv2d_backward_weights<T>(s, x.data<T>(), dy.data<T>(), dw.data<float>(), nullptr);
    benchmark::DoNotOptimize(dw.data<float>());
  }
  // Each of the three passes is one multiply-add per (output element, weight tap).
  const double flops = 3.0 * 2.0 * static_cast<double>(y.numel()) * static_cast<double>(w.numel() / s.out_c);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Args: H (= W), Cin, Cout, kernel, stride, groups, bf16 (0: f32 activations, 1: bf16);
// batch 64, padding kernel / 2.
void BM_conv2d(benchmark::State& state) {
  const kernels::Conv2dShape s{.n = 64, .in_h = state.range(0), .in_w = state.range(0), .in_c = state.range(1),
                               .out_c = state.range(2), .kernel_h = state.range(3), .kernel_w = state.range(3),
                               .stride = state.range(4), .pad = state.range(3) / 2, .groups = state.range(5)};
  if (state.range(6)) run_conv2d<kernels::bf16>(state, s);
  else run_conv2d<float>(state, s);
}

// Every shape at f32 and at bf16.
void shapes(benchmark::internal::Benchmark* b) {
  const std::vector<std::vector<std::int64_t>> list = {
      {32, 3, 32, 3, 1, 1},     // stem
      {32, 32, 32, 3, 1, 32},   // depthwise, first block
      {32, 16, 96, 1, 1, 1},    // expansion 1x1
      {32, 96, 96, 3, 2, 96},   // depthwise stride 2
      {16, 96, 96, 3, 2, 96},   //
      {16, 96, 24, 1, 1, 1},    // projection 1x1
      {16, 144, 144, 3, 1, 144},
      {8, 64, 384, 1, 1, 1},
      {4, 384, 64, 1, 1, 1},
      {16, 144, 144, 5, 1, 144},  // the IRB space's larger depthwise kernels
      {32, 96, 96, 7, 2, 96},
  };
  for (std::int64_t bf16 : {0, 1})
    for (std::vector<std::int64_t> args : list) {
      args.push_back(bf16);
      b->Args(args);
    }
}

BENCHMARK(BM_conv2d)
    ->ArgNames({"H", "Cin", "Cout", "k", "s", "g", "bf16"})
    ->Apply(shapes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  set_num_threads(2);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

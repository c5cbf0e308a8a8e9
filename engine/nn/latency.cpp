#include "engine/nn/latency.h"

#include <algorithm>
#include <chrono>

#include "engine/autograd/node.h"
#include "engine/core/precision.h"

namespace autospace::nn {

std::vector<Latency> measure_latency(Module& model, const Shape& input_shape_one, Device device,
                                     const LatencyOptions& options) {
  using Clock = std::chrono::steady_clock;
  std::vector<Latency> out;
  if (options.runs == 0) return out;
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  for (const std::int64_t batch : options.batch_sizes) {
    Shape shape = input_shape_one;
    shape[0] = batch;
    // Dense kernels take the same time whatever the values, so zeros do; in the dtype the
    // run's inputs have (bf16 under bf16 precision on the CPU).
    // Launched kernel by kernel even where evaluations replay graphs (cuda_graphs): latency
    // tables add up parts measured this way, and a table must not mix the two.
    const Tensor x = Tensor::zeros(shape, activation_dtype(), device);
    for (int i = 0; i < options.warmup; ++i) model.forward(x).to(Device::cpu());
    std::vector<double> ms;
    for (int i = 0; i < options.runs; ++i) {
      const auto start = Clock::now();
      model.forward(x).to(Device::cpu());
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const std::size_t n = ms.size();
    const double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
    out.push_back({batch, median, ms.front(), ms.back(), median > 0 ? static_cast<double>(batch) * 1000 / median : 0});
  }
  model.train(was_training);
  return out;
}

}  // namespace autospace::nn

#pragma once
// Forward-only latency of a model in eval mode, as autospace-eval reports it: `warmup`
// untimed runs, then the median of `runs` timed ones per batch size; each timed run ends
// by copying the logits to the host, so asynchronous devices are timed to completion.
#include <cstdint>
#include <vector>

#include "engine/nn/module.h"

namespace autospace::nn {

struct LatencyOptions {
  std::vector<std::int64_t> batch_sizes = {1, 64};
  int warmup = 3;  // untimed forwards before the timed ones
  int runs = 20;   // timed forwards per batch size; 0: no measurement
};

struct Latency {
  std::int64_t batch_size = 0;
  double median_ms = 0, min_ms = 0, max_ms = 0;
  double images_per_second = 0;  // batch_size / median
};

// `input_shape_one` is the input shape of one image (batch dimension 1).
std::vector<Latency> measure_latency(Module& model, const Shape& input_shape_one, Device device,
                                     const LatencyOptions& options);

}  // namespace autospace::nn

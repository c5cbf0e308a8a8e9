#pragma once
// Phase 4: evaluates trained weights (autospace-eval): optional BN recalibration, top-1/top-5
// and loss on the validation set, MAdds and params from the cost model, measured latency,
// all written to eval.json; and the number-for-number dump another framework can check
// this engine against (docs/formats.md, "Training-step dump").
#include <cstdint>
#include <filesystem>
#include <vector>

#include "apps/common/train_settings.h"
#include "engine/nn/module.h"

namespace autospace::apps {

struct Latency {
  std::int64_t batch_size = 0;
  double median_ms = 0, min_ms = 0, max_ms = 0;
  double images_per_second = 0;  // batch_size / median
};

// Forward-only timing in eval mode: `warmup` untimed runs, then the median of `runs` timed
// ones; each timed run ends by copying the logits to the host, so asynchronous devices are
// timed to completion.
std::vector<Latency> measure_latency(nn::Module& model, const Shape& input_shape_one, Device device,
                                     const LatencySettings& settings);

// Training mode for batch norm (batch statistics) with every nn::Dropout inside `model` —
// the head's dropout, drop-path — turned off: what BN recalibration and the dump run.
void train_without_dropout(nn::Module& model);

struct EvalControl {
  std::filesystem::path dump_dir;  // empty: no dump
  bool print = true;
};

// Runs the evaluation the description asks for, writes eval.json (settings.eval_output())
// and, when asked, the dump; returns what eval.json holds. Under mpirun/srun every rank
// scores its share of the validation set (BN recalibration synchronised over the ranks)
// and rank 0 alone measures latency, dumps and writes; the others return an empty object.
nas::Json run_evaluation(const RunSettings& settings, const EvalControl& control = {});

}  // namespace autospace::apps

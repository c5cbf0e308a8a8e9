#pragma once
// Phase 4 on the runner: evaluates trained weights (autospace-eval): optional BN
// recalibration, top-1/top-5 and loss on the validation set, MAdds and params from the
// cost model, measured latency, all written to eval.json; and the number-for-number dump
// another framework can check this engine against (docs/formats.md, "Training-step dump").
// It writes into a run directory another phase owns and keeps no checkpoint: its one unit
// scores the weights, its outputs are the timing, the dump and eval.json.
#include <filesystem>
#include <memory>

#include "apps/phases/train/run_settings.h"
#include "apps/run/phase.h"

namespace autospace::apps {

struct EvalControl {
  std::filesystem::path dump_dir{};  // empty: no dump
  bool print = true;
};

std::unique_ptr<Phase> make_eval_phase(const RunSettings& settings, const EvalControl& control = {});

// Runs the evaluation the description asks for, writes eval.json (settings.eval_output())
// and, when asked, the dump; returns what eval.json holds. Under mpirun/srun every rank
// scores its share of the validation set (BN recalibration synchronised over the ranks)
// and rank 0 alone measures latency, dumps and writes; the others return an empty object.
nas::Json run_evaluation(const RunSettings& settings, const EvalControl& control = {});

}  // namespace autospace::apps

#pragma once
// Phase 3 on the runner: trains an arch.json from scratch (autospace-train). SGD with
// (Nesterov) momentum, linear warm-up then cosine, weight decay on conv/FC weights only,
// label smoothing, optional gradient clipping, weight EMA, evaluation every N epochs, and
// the run directory's files:
//   config.json          the resolved description (eval section left out: it does not
//                        change training, so it may differ on resume)
//   arch.json            the architecture as trained (train.dropout applied)
//   metrics.jsonl        one "step" record per log interval, one "epoch" record per epoch
//   checkpoint.safetensors  model, optimiser, EMA and the loop state, written atomically
//                        every checkpoint_every_steps, at every epoch end and on a stop
//   last.safetensors, last_ema.safetensors, best.safetensors   weights
//                        (engine/io/weights_file.h)
//   summary.json         MAdds, params, best and last accuracy, wall time
// Starting again on the same run directory resumes from the checkpoint, mid-epoch
// included, with bit-identical results: batches, dropout masks and drop-path masks are
// functions of (seed, epoch, step), and every other piece of state is in the checkpoint.
// Under mpirun/srun every rank trains on its share of each global step (train.batch_size
// per rank), gradients are averaged in buckets during the backward pass, batch-norm is
// per rank or synchronised (distributed.sync_bn), and rank 0 alone writes the run
// directory, logs and prints; every rank resumes from the same checkpoint, which must be
// resumed with the same number of ranks (docs/distributed.md).
// One unit is one training step; the unit after an epoch's last step evaluates it, saves
// its weights and checkpoints.
#include <cstdint>
#include <functional>
#include <memory>

#include "apps/phases/train/run_settings.h"
#include "apps/run/phase.h"

namespace autospace::apps {

std::unique_ptr<Phase> make_train_phase(const RunSettings& settings);

struct TrainControl {
  // Asked after every step with the number of steps done so far; true stops the run as
  // SIGINT/SIGTERM do (checkpoint, then return). Empty: only the signals.
  std::function<bool(std::int64_t steps_done)> stop;
  bool print_progress = true;
};

struct TrainOutcome {
  bool completed = false;  // false: stopped before the last epoch; run again to resume
  std::int64_t steps_done = 0;
  nas::Json summary;  // what summary.json holds (when completed)
};

TrainOutcome run_training(const RunSettings& settings, const TrainControl& control = {});

}  // namespace autospace::apps

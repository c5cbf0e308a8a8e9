#pragma once
// The run description of phases 3 and 4 (autospace-train, autospace-eval): one JSON file
// both binaries read, every key documented with its default in docs/run-descriptions.md.
//
//   {
//     "run_dir": "runs/x", "seed": 0, "device": "cpu", "threads": 0,
//     "data": {...},                              apps/run/data_setup.h
//     "arch": "configs/arch/mobilenet_v2_cifar.json",   or an arch.json object inline
//     "train": {"epochs": 10, "batch_size": 128, "lr": 0.05, ...},
//     "eval": {"weights": "", "batch_size": 256, "bn_recalibration_batches": 0, "latency": {...}, "latency_table": "", ...},
//     "distributed": {"sync_bn": false, "timeout_s": 600, "bucket_mb": 25}   apps/run/distributed.h
//   }
//
// Paths are relative to the working directory. Reading is strict: an unknown key (with the
// nearest valid one), a wrong type or an out-of-range value is an error naming the file
// and JSON path.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "apps/run/distributed.h"
#include "apps/run/run_basics.h"
#include "engine/nn/latency.h"
#include "nas/arch.h"
#include "nas/json_check.h"

namespace autospace::apps {

struct TrainSettings {
  int epochs = 10;
  std::int64_t batch_size = 128;
  double lr = 0.05;             // peak learning rate, reached after the warm-up
  double warmup_epochs = 1;     // linear warm-up (fractions allowed), then cosine to final_lr
  double final_lr = 0;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 4e-5;   // conv and FC weights only; BN affine and biases never decay
  double label_smoothing = 0.1;
  std::optional<double> dropout;  // before the classifier; absent: the arch's head.dropout
  double grad_clip = 0;           // max global gradient norm; 0: off
  double ema_decay = 0;           // weight EMA decay per step; 0: off
  int max_nonfinite = 10;         // non-finite steps in a row skipped before the run aborts
  std::int64_t checkpoint_every_steps = 500;  // 0: only at epoch ends and on a stop signal
  int eval_every_epochs = 1;      // the last epoch is always evaluated
  std::int64_t log_every_steps = 50;
  // A weights file or checkpoint the network starts from instead of its seeded
  // initialisation (parameters and BN statistics; the optimiser and schedule start afresh):
  // how a diverged run continues from its last finite state with a lower lr.
  std::filesystem::path init_weights;
};

struct EvalSettings {
  std::filesystem::path weights;  // empty: <run_dir>/best.safetensors
  std::int64_t batch_size = 256;
  int bn_recalibration_batches = 0;  // training batches to re-estimate BN statistics; 0: off
  nn::LatencyOptions latency;
  // A latency table (autospace-latency): eval.json then gives the additive model's
  // prediction for the network next to its measured latency at the table's batch.
  std::filesystem::path latency_table;
  std::int64_t dump_batch_size = 8;  // --dump: the first this many validation images
  std::filesystem::path output;      // empty: <run_dir>/eval.json
};

struct RunSettings : RunBasics {
  std::filesystem::path arch_file;  // "arch" as a path; empty when the arch is inline
  nas::Arch arch;                   // read (and checked) with the description
  TrainSettings train;
  EvalSettings eval;
  DistributedSettings distributed;

  std::filesystem::path weights_path() const;  // eval.weights or the default
  std::filesystem::path eval_output() const;   // eval.output or the default
  std::string arch_origin() const;             // the arch file, or "the inline arch"
};

// Strict reading of a whole description (errors name the JSON path; an arch file's own
// errors name that file). data.resolution must equal the arch's. With a pending arch file
// the settings are for checking only: `arch` stays default.
RunSettings parse_run_settings(const nas::Json& description, InputFile arch = InputFile::read);
// The resolved description, every default written out (train.dropout, weights and output
// only when given).
nas::Json to_json(const RunSettings& settings);

// Reads `file`, applies the --set overrides and parses the result; every error is prefixed
// with the file name ("run.json: train.lr: ...").
RunSettings load_run_settings(const std::filesystem::path& file, const std::vector<std::string>& overrides);

}  // namespace autospace::apps

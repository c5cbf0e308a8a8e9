#pragma once
// The run description of autospace-evolve (phase 1), read strictly:
//
//   {"run_dir": "runs/evolve", "seed": 0, "device": "cpu", "threads": 0,
//    "data": {...apps/run/data_setup.h...},
//    "backbone": {...space.json backbone; resolution and classes default to the data's...},
//    "evolve": {"epochs", "batch_size", "lr", "final_lr", "warmup_epochs", "momentum", "weight_decay",
//               "grad_clip", "score_every", "score_batch_size", "score_lr", "score_beta1", "score_beta2",
//               "population", "supernet_cells", "top_k", "period", "tournament", "children", "delta",
//               "reference", "fitness_momentum", "compensation", "compensation_max", "replacement",
//               "cap": {"kind": "none" | "absolute" | "reference", "madds", "factor"},
//               "cell": {"ops", "expansions", "mixes"},
//               "checkpoint_every", "log_every"}}
//
// docs/run-descriptions.md lists every key with its default.
#include <filesystem>
#include <string>

#include "apps/run/distributed.h"
#include "apps/run/run_basics.h"
#include "nas/backbone.h"
#include "nas/dea/evolution.h"

namespace autospace::apps {

struct EvolveSettings : RunBasics {
  nas::Backbone backbone;
  nas::DeaSettings dea;
  int epochs = 10;
  std::int64_t batch_size = 64, score_batch_size = 64;
  float lr = 0.05f, final_lr = 0.f;
  double warmup_epochs = 0;
  int score_every = 2;
  std::int64_t checkpoint_every = 100, log_every = 10;
  DistributedSettings distributed;  // "distributed" (apps/run/distributed.h)
};

// Parses the description (after --set overrides); errors name the JSON path.
EvolveSettings parse_evolve_settings(const nas::Json& description);
// Every setting written out, defaults included (stored as the run directory's config.json).
nas::Json to_json(const EvolveSettings& settings);

}  // namespace autospace::apps

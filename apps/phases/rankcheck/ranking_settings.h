#pragma once
// The run description of the ranking check (autospace-rankcheck, ranking_phase.h):
//
//   {"run_dir", "seed", "device", "threads", "data": {...apps/run/data_setup.h...},
//    "candidates": [{"name": "resnet-a", "stem": 8, "stages": [{"width": 8, "blocks": 1, "stride": 1}, ...]}, ...],
//    "train": {"epochs": 8, "batch_size": 64, "lr": 0.1, "final_lr": 0, "momentum": 0.9, "weight_decay": 5e-4},
//    "scores": {"weights": "joint", "every": 2, "batch_size": 64, "lr": 0.01, "beta1": 0, "beta2": 0.999,
//               "compensation": true, "compensation_max": 10, "inits": [[0, 0, 0], [1, 0, -1], ...]}}
#include <vector>

#include "apps/phases/rankcheck/resnet.h"
#include "apps/run/run_basics.h"

namespace autospace::apps {

struct RankingSettings : RunBasics {
  std::vector<ResNetDescription> candidates;
  // Weight training, the same for the standalone runs and the gated runs.
  int epochs = 8;
  std::int64_t batch_size = 64;
  float lr = 0.1f, final_lr = 0.f, momentum = 0.9f, weight_decay = 5e-4f;
  // Score training.
  bool pretrained = false;  // "weights": "pretrained" (true) or "joint"
  int score_every = 2;
  std::int64_t score_batch_size = 64;
  float score_lr = 0.01f, score_beta1 = 0.f, score_beta2 = 0.999f;
  bool compensation = true;
  float compensation_max = 10.f;
  std::vector<std::vector<float>> inits;
};

RankingSettings parse_ranking_settings(const nas::Json& description);
nas::Json to_json(const RankingSettings& settings);

}  // namespace autospace::apps

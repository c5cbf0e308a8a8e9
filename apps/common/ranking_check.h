#pragma once
// The ranking check of the paper's Table 6, scaled down (autospace-rankcheck): can the
// DEA's learned scores tell good networks from bad ones? A few ResNet-style networks of
// clearly different quality are
//   1. trained standalone on the training split and evaluated on the validation set: the
//      true order, by top-1 accuracy;
//   2. offered as the candidates of one GatedLayer whose scores learn as the DEA's do —
//      score steps (Adam on the logits, two paths, Eq. 4 compensation, pair re-centring) on
//      the held-out split — once from each of several score initialisations. The weights
//      either train jointly from scratch, as in the DEA (weight steps: SGD, the active
//      candidate only, on the training split; "weights": "joint"), or are each candidate's
//      standalone-trained weights, kept fixed ("weights": "pretrained"): the first tests the
//      whole DEA dynamics, the second the scoring function alone.
// A run reports, per initialisation, the logits after every epoch and the first epoch from
// which their order stays the true order. Every finished part is written to the run
// directory at once (standalone-<name>.json, gated-<i>.json) and skipped when the run is
// started again, so a stopped run resumes at the part it was in.
//
//   {"run_dir", "seed", "device", "threads", "data": {...apps/common/data_setup.h...},
//    "candidates": [{"name": "resnet-a", "stem": 8, "stages": [{"width": 8, "blocks": 1, "stride": 1}, ...]}, ...],
//    "train": {"epochs": 8, "batch_size": 64, "lr": 0.1, "final_lr": 0, "momentum": 0.9, "weight_decay": 5e-4},
//    "scores": {"weights": "joint", "every": 2, "batch_size": 64, "lr": 0.01, "beta1": 0, "beta2": 0.999,
//               "compensation": true, "compensation_max": 10, "inits": [[0, 0, 0], [1, 0, -1], ...]}}
#include <string>
#include <vector>

#include "apps/common/run_basics.h"
#include "engine/nn/module.h"

namespace autospace::apps {

struct ResNetStage {
  int width = 16, blocks = 1, stride = 1;
};

// stem 3x3 conv + BN + ReLU, stages of nn::ResidualBlock (the first block of a stage
// carries its stride), global average pool, fully connected classifier.
struct ResNetDescription {
  std::string name;
  int stem = 16;
  std::vector<ResNetStage> stages;
};

std::shared_ptr<nn::Module> build_resnet(const ResNetDescription& description, int classes);

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

// Runs (or resumes) the check; returns what ranking.json holds.
nas::Json run_ranking_check(const RankingSettings& settings);

}  // namespace autospace::apps

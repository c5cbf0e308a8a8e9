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
// which their order stays the true order (ranking.json, scores-init<i>.svg).
// On the runner, one unit is one training step of a part. Every finished part is written
// to the run directory at once (standalone-<name>.json, gated-<i>.json) and read back when
// the run is started again, so a stopped run resumes at the start of the part it was in;
// there is no checkpoint. Exit status 4 when some initialisation did not end in the true
// order. Keys: ranking_settings.h.
#include <memory>

#include "apps/phases/rankcheck/ranking_settings.h"
#include "apps/run/phase.h"

namespace autospace::apps {

std::unique_ptr<Phase> make_ranking_phase(const RankingSettings& settings);

// Runs (or resumes) the check; returns what ranking.json holds (null when stopped early).
nas::Json run_ranking_check(const RankingSettings& settings);

}  // namespace autospace::apps

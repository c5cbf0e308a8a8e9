#pragma once
// Top-1/top-5 accuracy and mean loss of a model over a whole loader epoch (eval mode, no
// graph): what every phase reports as a network's accuracy.
#include <cstdint>

#include "data/loader.h"
#include "data/model_input.h"
#include "engine/dist/communicator.h"
#include "engine/nn/module.h"

namespace autospace::nas {

struct Evaluation {
  double top1 = 0, top5 = 0, loss = 0;
  std::int64_t images = 0;
  // Images whose logits held a NaN or an infinity (never correct); all of them when the
  // model's parameters or buffers hold one (a diverged network scores nothing).
  std::int64_t nonfinite = 0;
  std::int64_t skipped = 0;    // unreadable images the loader skipped (data.bad_files "skip")

  // A figure to trust: every output finite (a diverged network's are not).
  bool finite() const;
};

// Runs epoch 0 of `loader` through `model` in eval mode (restoring its previous mode).
// With a communicator of several ranks, each rank's loader holds its share of the set and
// the result (the same on every rank) is over all shares.
Evaluation evaluate(nn::Module& model, data::Loader& loader, const data::Normalization& normalization, Device device,
                    dist::Communicator* comm = nullptr);

}  // namespace autospace::nas

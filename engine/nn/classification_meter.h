#pragma once
// Running loss and top-1 of training steps between two log lines or over an epoch (every
// phase that trains reports them). A step's loss is added as the mean over its batch;
// combined() gives the same figures over the ranks of a data-parallel run.
#include <cstdint>
#include <string>

#include "engine/dist/communicator.h"
#include <nlohmann/json.hpp>

namespace autospace::nn {

struct ClassificationMeter {
  double loss_sum = 0;  // batch-mean losses weighted by the batches' sizes
  std::int64_t correct = 0, images = 0, steps = 0;

  void add(double batch_loss, std::int64_t batch_correct, std::int64_t batch_images);
  double loss() const { return images ? loss_sum / static_cast<double>(images) : 0.0; }
  double accuracy() const { return images ? static_cast<double>(correct) / static_cast<double>(images) : 0.0; }
  // Over every rank's share (a collective: every rank calls it), for losses that are
  // already the mean over ranks (nas::train_weights): only the counts are summed.
  ClassificationMeter combined(dist::Communicator* comm) const;
  std::string line() const;  // "loss 1.234  acc 56.7%"

  // As a checkpoint keeps it: {"loss": loss_sum, "correct", "images", "steps"}.
  nlohmann::json to_json() const;
  // Errors (a count that is not an integer) name `source`.
  static ClassificationMeter from_json(const nlohmann::json& j, const std::string& source);
};

}  // namespace autospace::nn

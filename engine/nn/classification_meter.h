#pragma once
// Loss and top-1 of training steps between two log lines or over an epoch (every phase
// that trains reports them), as read back from the device's nn::TrainingTally.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace autospace::nn {

struct ClassificationMeter {
  double loss_sum = 0;  // batch-mean losses weighted by the batches' sizes
  std::int64_t correct = 0, images = 0, steps = 0;

  double loss() const { return images ? loss_sum / static_cast<double>(images) : 0.0; }
  double accuracy() const { return images ? static_cast<double>(correct) / static_cast<double>(images) : 0.0; }
  std::string line() const;  // "loss 1.234  acc 56.7%", or "loss -  acc -" when empty

  // As a checkpoint keeps it: {"loss": loss_sum, "correct", "images", "steps"}.
  nlohmann::json to_json() const;
  // Errors (a count that is not an integer) name `source`.
  static ClassificationMeter from_json(const nlohmann::json& j, const std::string& source);
};

}  // namespace autospace::nn

#pragma once
// Checkpoints: model state + optimiser state + a JSON blob of phase state (counters,
// populations, sampler position) in one safetensors file, written atomically so a run
// killed at any moment leaves the previous checkpoint intact.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/io/safetensors.h"
#include "engine/tensor.h"

namespace autospace::io {

struct Checkpoint {
  std::vector<NamedTensor> model;
  std::vector<NamedTensor> optimizer;
  nlohmann::json state = nlohmann::json::object();
};

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
// Throws an Error naming the file when it is missing, truncated, corrupt or not a checkpoint.
Checkpoint load_checkpoint(const std::filesystem::path& path);
// Whether `contents` (read from any safetensors file) is a checkpoint, and its model part:
// what lets a checkpoint stand where a weights file is expected (train.init_weights,
// eval.weights).
bool is_checkpoint(const SafetensorsContents& contents);
Checkpoint checkpoint_from(SafetensorsContents contents);

}  // namespace autospace::io

#pragma once
// Trained weights as safetensors (best.safetensors, last.safetensors, ...): the model state
// (parameters and BN running statistics, named as in docs/formats.md "Parameter names")
// and string metadata saying what they are (arch, epoch, accuracy, raw or EMA weights).
#include <filesystem>
#include <map>
#include <string>

#include "engine/nn/module.h"

namespace autospace::io {

using WeightsMetadata = std::map<std::string, std::string>;

inline constexpr const char* kWeightsFormat = "autospace.weights/1";

// Writes atomically; metadata gets "format" = kWeightsFormat.
void save_weights(const std::filesystem::path& file, const nn::Module& model, WeightsMetadata metadata);
// Loads into `model` (all or nothing; mismatches are named) and returns the metadata. A
// checkpoint (engine/io/checkpoint.h) loads its model part and returns no metadata.
WeightsMetadata load_weights(const std::filesystem::path& file, nn::Module& model);

}  // namespace autospace::io

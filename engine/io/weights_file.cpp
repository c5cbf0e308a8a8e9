#include "engine/io/weights_file.h"

#include <utility>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "kernels/common/check.h"

namespace autospace::io {

void save_weights(const std::filesystem::path& file, const nn::Module& model, WeightsMetadata metadata) {
  metadata["format"] = kWeightsFormat;
  write_safetensors(file, nn::state_of(model), metadata);
}

WeightsMetadata load_weights(const std::filesystem::path& file, nn::Module& model) {
  if (!std::filesystem::exists(file)) AUTOSPACE_THROW(file.string(), ": weights file not found");
  SafetensorsContents contents = read_safetensors(file);
  if (is_checkpoint(contents)) {
    nn::load_state(model, checkpoint_from(std::move(contents)).model, file.string() + " (the checkpoint's model)");
    return {};
  }
  nn::load_state(model, contents.tensors, file.string());
  return contents.metadata;
}

}  // namespace autospace::io

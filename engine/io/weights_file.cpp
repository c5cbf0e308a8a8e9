#include "engine/io/weights_file.h"

#include "engine/io/safetensors.h"
#include "kernels/common/check.h"

namespace autospace::io {

void save_weights(const std::filesystem::path& file, const nn::Module& model, WeightsMetadata metadata) {
  metadata["format"] = kWeightsFormat;
  write_safetensors(file, nn::state_of(model), metadata);
}

WeightsMetadata load_weights(const std::filesystem::path& file, nn::Module& model) {
  if (!std::filesystem::exists(file)) AUTOSPACE_THROW(file.string(), ": weights file not found");
  const SafetensorsContents contents = read_safetensors(file);
  nn::load_state(model, contents.tensors, file.string());
  return contents.metadata;
}

}  // namespace autospace::io

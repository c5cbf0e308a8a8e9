#include "engine/io/checkpoint.h"

#include "engine/io/safetensors.h"
#include "kernels/common/check.h"

namespace autospace::io {

namespace {
constexpr const char* kFormatKey = "autospace.format";
constexpr const char* kFormat = "checkpoint-v1";
constexpr const char* kStateKey = "autospace.state";
constexpr const char* kModelPrefix = "model/";
constexpr const char* kOptimizerPrefix = "optimizer/";
}  // namespace

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint) {
  NamedTensors all;
  for (const auto& [name, t] : checkpoint.model) all.emplace_back(kModelPrefix + name, t);
  for (const auto& [name, t] : checkpoint.optimizer) all.emplace_back(kOptimizerPrefix + name, t);
  write_safetensors(path, all, {{kFormatKey, kFormat}, {kStateKey, checkpoint.state.dump()}});
}

bool is_checkpoint(const SafetensorsContents& contents) {
  const auto format = contents.metadata.find(kFormatKey);
  return format != contents.metadata.end() && format->second == kFormat;
}

Checkpoint checkpoint_from(SafetensorsContents contents) {
  const std::string path = contents.source.string();
  if (!is_checkpoint(contents))
    AUTOSPACE_THROW(path, ": not an AutoSpace checkpoint (metadata ", kFormatKey, " is not ", kFormat, ")");
  Checkpoint out;
  try {
    out.state = nlohmann::json::parse(contents.metadata.at(kStateKey));
  } catch (const std::exception& e) {
    AUTOSPACE_THROW(path, ": checkpoint state blob is missing or not JSON: ", e.what());
  }
  const std::string model_prefix = kModelPrefix, optimizer_prefix = kOptimizerPrefix;
  for (auto& [name, t] : contents.tensors) {
    if (name.rfind(model_prefix, 0) == 0) out.model.emplace_back(name.substr(model_prefix.size()), t);
    else if (name.rfind(optimizer_prefix, 0) == 0) out.optimizer.emplace_back(name.substr(optimizer_prefix.size()), t);
    else AUTOSPACE_THROW(path, ": unexpected tensor \"", name, "\" in a checkpoint");
  }
  return out;
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) AUTOSPACE_THROW(path.string(), ": checkpoint not found");
  return checkpoint_from(read_safetensors(path));
}

}  // namespace autospace::io

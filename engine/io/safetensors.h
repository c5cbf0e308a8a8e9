#pragma once
// safetensors (https://github.com/huggingface/safetensors format): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
// then the raw little-endian data. Files written here load with PyTorch's safetensors.
// Integrity: the writer stores each tensor's FNV-1a-64 checksum in the metadata
// ("autospace.checksums", a JSON object name -> 16 hex digits); the reader verifies them
// when present, so a flipped byte in the data names the file and the tensor instead of
// loading silently. Files from other tools carry none and load as they are.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace autospace::io {

using NamedTensors = std::vector<NamedTensor>;

// The metadata key of the checksums (never in SafetensorsContents::metadata).
inline constexpr const char* kChecksumsKey = "autospace.checksums";

struct SafetensorsContents {
  NamedTensors tensors;  // in file order
  std::map<std::string, std::string> metadata;
  bool checksummed = false;  // the file carried checksums, and they matched

  // The tensor called `name`; throws naming the file and the missing key.
  const Tensor& at(const std::string& name) const;
  std::filesystem::path source;
};

// Serialises to bytes (tensors copied to the host; names must be unique).
std::string encode_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata);
// Writes atomically (temp file, fsync, rename).
void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});
// Reads and validates the whole file; a truncated or malformed file gives an Error naming
// the file and what is wrong.
SafetensorsContents read_safetensors(const std::filesystem::path& path);
SafetensorsContents decode_safetensors(const std::string& bytes, const std::filesystem::path& source);

}  // namespace autospace::io

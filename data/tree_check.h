#pragma once
// Validation of a whole image tree before training (autospace-data check): every image
// file is read and entropy-decoded to the end, in parallel, and each unusable one is
// listed with the reason the loader would give.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "data/bad_file.h"
#include "data/jpeg_decoder.h"

namespace autospace::data {

struct CheckOptions {
  int threads = 0;         // <= 0: all cores
  DecodeLimits limits;
  bool all_files = false;  // every regular file, not only torchvision's image extensions
};

struct CheckReport {
  std::int64_t files = 0;
  std::vector<BadFile> bad;  // sorted by path
  BadCounts counts;
};

// The reason `path` is unusable, or nothing when it decodes. `buffer` is reused scratch.
std::optional<BadFile> check_file(const std::filesystem::path& path, JpegDecoder& decoder, std::vector<std::uint8_t>& buffer);

// Throws Error when dir cannot be walked.
CheckReport check_tree(const std::filesystem::path& dir, const CheckOptions& options = {});

}  // namespace autospace::data

#pragma once
// An explicit list of samples: one "path label" per line (the label is the last
// whitespace-separated field, so paths may contain spaces); blank lines and lines starting
// with '#' are ignored. Relative paths are resolved against `base` (default: the list
// file's folder). Labels are integers >= 0; there are max(label) + 1 classes, named by
// their numbers.
#include <filesystem>
#include <istream>
#include <memory>

#include "data/file_dataset.h"

namespace autospace::data {

// Throws Error naming the file and line of the first malformed entry.
std::shared_ptr<FileDataset> read_list_file(const std::filesystem::path& list, const std::filesystem::path& base = {});
std::vector<FileSample> parse_list(std::istream& in, const std::string& name);

}  // namespace autospace::data

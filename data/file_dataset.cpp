#include "data/file_dataset.h"

#include "data/file_io.h"
#include "kernels/common/check.h"

namespace autospace::data {

FileDataset::FileDataset(std::filesystem::path root, std::vector<std::string> classes, std::vector<FileSample> samples)
    : root_(std::move(root)), classes_(std::move(classes)), samples_(std::move(samples)) {
  const auto n = static_cast<std::int64_t>(classes_.size());
  for (const FileSample& s : samples_)
    if (s.label < 0 || s.label >= n)
      AUTOSPACE_THROW("sample ", (root_ / s.path).string(), " has label ", s.label, " outside [0, ", n, ")");
}

void FileDataset::load(std::size_t i, SampleData& out) const {
  out.pixels = {};
  read_file(root_ / samples_[i].path, out.bytes);
}

}  // namespace autospace::data

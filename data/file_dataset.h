#pragma once
// Samples stored one file each (an ImageFolder tree or a list file).
#include <filesystem>

#include "data/dataset.h"

namespace autospace::data {

struct FileSample {
  std::string path;  // relative to the dataset root (or absolute)
  std::int64_t label = 0;
  bool operator==(const FileSample&) const = default;
};

class FileDataset final : public Dataset {
 public:
  FileDataset(std::filesystem::path root, std::vector<std::string> classes, std::vector<FileSample> samples);

  std::size_t size() const override { return samples_.size(); }
  std::int64_t label(std::size_t i) const override { return samples_[i].label; }
  const std::vector<std::string>& classes() const override { return classes_; }
  std::string source(std::size_t i) const override { return (root_ / samples_[i].path).string(); }
  std::string id(std::size_t i) const override { return samples_[i].path; }
  void load(std::size_t i, SampleData& out) const override;

  const std::filesystem::path& root() const { return root_; }
  const std::vector<FileSample>& samples() const { return samples_; }

 private:
  std::filesystem::path root_;
  std::vector<std::string> classes_;
  std::vector<FileSample> samples_;
};

}  // namespace autospace::data

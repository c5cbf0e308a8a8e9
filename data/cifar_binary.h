#pragma once
// The CIFAR binary format (https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size
// records of label byte(s) then a 32x32 image as 1024 red, 1024 green and 1024 blue bytes.
// CIFAR-10 records have one label byte; CIFAR-100 records a coarse and a fine label byte
// (the fine label is used). The whole set is held in memory, converted to interleaved RGB.
#include <filesystem>
#include <memory>
#include <vector>

#include "data/dataset.h"

namespace autospace::data {

enum class CifarVariant : std::uint8_t { cifar10, cifar100 };

class CifarBinary final : public Dataset {
 public:
  static constexpr int kSide = 32;
  static constexpr int kImageBytes = kSide * kSide * 3;

  // Reads the given batch files in order. Throws Error naming a file whose size is not a
  // whole number of records or a record whose label is out of range.
  static std::shared_ptr<CifarBinary> open(const std::vector<std::filesystem::path>& files, CifarVariant variant);
  // An extracted archive folder: cifar-10-batches-bin (data_batch_*.bin / test_batch.bin,
  // names from batches.meta.txt) or cifar-100-binary (train.bin / test.bin, names from
  // fine_label_names.txt); the variant is recognised from the files present.
  static std::shared_ptr<CifarBinary> open_dir(const std::filesystem::path& dir, bool train);

  std::size_t size() const override { return labels_.size(); }
  std::int64_t label(std::size_t i) const override { return labels_[i]; }
  const std::vector<std::string>& classes() const override { return classes_; }
  std::string source(std::size_t i) const override;
  std::string id(std::size_t i) const override;
  void load(std::size_t i, SampleData& out) const override;

 private:
  CifarBinary() = default;
  std::size_t file_of(std::size_t i) const;
  std::vector<std::filesystem::path> files_;
  std::vector<std::size_t> file_first_;  // index of each file's first record
  std::vector<std::string> classes_;
  std::vector<std::int64_t> labels_;
  std::vector<std::uint8_t> pixels_;  // HWC, kImageBytes per record
};

}  // namespace autospace::data

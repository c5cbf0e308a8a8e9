#pragma once
// A dataset is an indexed collection of labelled samples. It only fetches: decoding and
// augmentation belong to the loader, so every dataset gets the same transforms.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"

namespace autospace::data {

// One fetched sample: the bytes of an encoded file, or RGB pixels the dataset holds in memory.
struct SampleData {
  std::vector<std::uint8_t> bytes;
  ImageView pixels;  // set (data != nullptr) for in-memory datasets; valid while the dataset lives
  bool encoded() const { return pixels.data == nullptr; }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::size_t size() const = 0;
  virtual std::int64_t label(std::size_t i) const = 0;
  virtual const std::vector<std::string>& classes() const = 0;  // label -> name
  // Where sample i lives, for messages: a full path, or "file#record".
  virtual std::string source(std::size_t i) const = 0;
  // A name for sample i that does not depend on where the dataset is mounted (relative
  // path, "file#record"); the train/val split is keyed by it.
  virtual std::string id(std::size_t i) const = 0;
  // Fetches sample i into `out`. Safe to call from several threads; throws BadImage when
  // the sample cannot be read.
  virtual void load(std::size_t i, SampleData& out) const = 0;
};

// The samples of `base` at `indices`, in that order (a train or val split, a shard).
class Subset final : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<std::size_t> indices);
  std::size_t size() const override { return indices_.size(); }
  std::int64_t label(std::size_t i) const override { return base_->label(indices_[i]); }
  const std::vector<std::string>& classes() const override { return base_->classes(); }
  std::string source(std::size_t i) const override { return base_->source(indices_[i]); }
  std::string id(std::size_t i) const override { return base_->id(indices_[i]); }
  void load(std::size_t i, SampleData& out) const override { base_->load(indices_[i], out); }
  const std::vector<std::size_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<std::size_t> indices_;
};

}  // namespace autospace::data

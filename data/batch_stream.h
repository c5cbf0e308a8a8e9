#pragma once
// Batches of a loader by global position: batch `index` is step index % per_epoch of epoch
// index / per_epoch, so a resumed run asks for exactly the batches it would have seen, and
// a held-out stream can cycle through its (smaller) set as often as needed.
#include <cstdint>
#include <memory>

#include "data/loader.h"

namespace autospace::data {

class BatchStream {
 public:
  explicit BatchStream(std::unique_ptr<Loader> loader) : loader_(std::move(loader)) {}
  Batch at(std::int64_t index);
  std::int64_t steps_per_epoch() const { return loader_->steps_per_epoch(); }

 private:
  std::unique_ptr<Loader> loader_;
  std::int64_t next_ = 0;
  std::uint32_t epoch_ = 0;
  bool started_ = false;
};

}  // namespace autospace::data

#pragma once
// Batches of a loader by global position: batch `index` is step index % per_epoch of epoch
// index / per_epoch, so a resumed run asks for exactly the batches it would have seen, and
// a held-out stream can cycle through its (smaller) set as often as needed.
//
// For a GPU destination the stream also uploads: at(index) hands out a batch whose images
// and labels are already on the GPU, copied on the copy stream while the previous step
// computed (engine/upload.h), and starts the upload of index + 1 before it returns. A
// batch fetched ahead for a position that is not asked for next is dropped; an error
// reading it (BadFilePolicy::fail) is raised when its position is asked for, as it would
// have been without the look-ahead.
#include <cstdint>
#include <exception>
#include <memory>

#include "data/loader.h"

namespace autospace::data {

class BatchStream {
 public:
  explicit BatchStream(std::unique_ptr<Loader> loader, Device destination = Device::cpu());
  ~BatchStream();
  BatchStream(BatchStream&&) noexcept;
  BatchStream& operator=(BatchStream&&) = delete;

  Batch at(std::int64_t index);
  std::int64_t steps_per_epoch() const { return loader_->steps_per_epoch(); }

 private:
  struct Upload;  // a batch on its way to the GPU
  Batch from_loader(std::int64_t index);
  std::unique_ptr<Upload> upload(std::int64_t index);

  std::unique_ptr<Loader> loader_;
  Device destination_;
  std::int64_t next_ = 0;
  std::uint32_t epoch_ = 0;
  bool started_ = false;
  std::unique_ptr<Upload> ahead_;
};

}  // namespace autospace::data

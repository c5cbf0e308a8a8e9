#include "data/batch_stream.h"

#include "data/uploading_batch.h"
#include "kernels/common/check.h"

namespace autospace::data {

struct BatchStream::Upload {
  std::int64_t index = 0;
  std::unique_ptr<UploadingBatch> batch;
  std::exception_ptr error;  // reading the batch failed: raised when it is asked for
};

BatchStream::BatchStream(std::unique_ptr<Loader> loader, Device destination)
    : loader_(std::move(loader)), destination_(destination) {}
BatchStream::~BatchStream() = default;
BatchStream::BatchStream(BatchStream&&) noexcept = default;

Batch BatchStream::from_loader(std::int64_t index) {
  const std::int64_t per_epoch = loader_->steps_per_epoch();
  AUTOSPACE_CHECK(per_epoch > 0, "the dataset has fewer samples than one batch");
  const auto epoch = static_cast<std::uint32_t>(index / per_epoch);
  if (index != next_ || epoch != epoch_ || !started_) {
    loader_->start_epoch(epoch, index % per_epoch);
    epoch_ = epoch;
    started_ = true;
  }
  auto batch = loader_->next();
  AUTOSPACE_CHECK(batch.has_value(), "loader ended early at batch ", index);
  next_ = index + 1;
  if (next_ % per_epoch == 0) started_ = false;
  return std::move(*batch);
}

std::unique_ptr<BatchStream::Upload> BatchStream::upload(std::int64_t index) {
  auto u = std::make_unique<Upload>();
  u->index = index;
  try {
    u->batch = std::make_unique<UploadingBatch>(from_loader(index), destination_);
  } catch (...) {
    u->error = std::current_exception();
    started_ = false;  // the loader's position is unknown after a failure: restart at the next request
  }
  return u;
}

Batch BatchStream::at(std::int64_t index) {
  if (destination_.is_cpu()) return from_loader(index);
  std::unique_ptr<Upload> current = ahead_ && ahead_->index == index ? std::move(ahead_) : upload(index);
  ahead_.reset();  // fetched for another position: its copies waited for, then dropped
  if (current->error) std::rethrow_exception(current->error);
  // Travels while this batch's step computes.
  ahead_ = upload(index + 1);
  return current->batch->take();  // `current` then waits for its copies, issued a step ago, and frees its host memory
}

}  // namespace autospace::data

#include "data/batch_stream.h"

#include "kernels/common/check.h"

namespace autospace::data {

Batch BatchStream::at(std::int64_t index) {
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

}  // namespace autospace::data

#include "data/dataset.h"

#include "kernels/common/check.h"

namespace autospace::data {

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<std::size_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  AUTOSPACE_CHECK(base_ != nullptr);
  for (std::size_t i : indices_) AUTOSPACE_CHECK(i < base_->size(), "subset index ", i, " of ", base_->size());
}

}  // namespace autospace::data

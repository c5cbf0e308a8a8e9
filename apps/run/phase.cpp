#include "apps/run/phase.h"

namespace autospace::apps {

void PhaseContext::log(const nas::Json& record) const {
  if (directory) directory->log(record);
}

std::unique_ptr<data::Loader> PhaseContext::loader(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                                                   bool training, std::uint64_t seed) const {
  return make_loader(std::move(dataset), basics.data, batch_size, training, seed, comm.rank(), comm.world());
}

data::BatchStream PhaseContext::stream(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                                       bool training, std::uint64_t seed) const {
  return data::BatchStream(loader(std::move(dataset), batch_size, training, seed));
}

Tensor PhaseContext::input(const data::Batch& batch) const {
  return data::model_input(batch, basics.data.normalization(), device);
}

double PhaseContext::items_per_second() const { return progress ? progress->items_per_second() : 0.0; }

}  // namespace autospace::apps

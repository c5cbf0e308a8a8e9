#include "apps/run/phase.h"

namespace autospace::apps {

void PhaseContext::log(const nas::Json& record) const {
  if (directory) directory->log(record);
}

std::unique_ptr<data::Loader> PhaseContext::loader(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                                                   bool training, std::uint64_t seed) const {
  return make_loader(std::move(dataset), basics.data, batch_size, training, seed, comm.rank(), comm.world(), device);
}

data::BatchStream PhaseContext::stream(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                                       std::uint64_t seed, const std::string& batch_key,
                                       const std::string& set_name) const {
  const std::size_t images = dataset->size();
  data::BatchStream stream(loader(std::move(dataset), batch_size, true, seed), device);
  if (stream.steps_per_epoch() == 0)
    nas::json_fail(batch_key, std::to_string(batch_size) +
                                  (comm.world() > 1 ? " x " + std::to_string(comm.world()) + " ranks" : std::string()) +
                                  " is larger than the " + set_name + " (" + std::to_string(images) + " images)");
  return stream;
}

Tensor PhaseContext::input(const data::Batch& batch) const {
  return data::model_input(batch, basics.data.normalization(), device);
}

Tensor PhaseContext::labels(const data::Batch& batch) const { return batch.labels.to(device); }

double PhaseContext::items_per_second() const { return progress ? progress->items_per_second() : 0.0; }

}  // namespace autospace::apps

#include "data/sampler.h"

#include <numeric>
#include <utility>

#include "engine/rng/rng.h"
#include "kernels/common/check.h"

namespace autospace::data {

std::vector<std::int64_t> epoch_permutation(std::size_t n, std::uint64_t seed, std::uint32_t epoch) {
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), std::int64_t{0});
  Rng rng(RngKey{seed, RngPurpose::data_order, epoch, 0});
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

Sampler::Sampler(std::size_t dataset_size, const SamplerOptions& options) : n_(dataset_size), options_(options) {
  if (options_.batch_size < 1) AUTOSPACE_THROW("batch_size must be >= 1, got ", options_.batch_size);
  if (options_.world < 1 || options_.rank < 0 || options_.rank >= options_.world)
    AUTOSPACE_THROW("rank ", options_.rank, " is not in a world of ", options_.world);
  const auto global = static_cast<std::int64_t>(options_.batch_size) * options_.world;
  const auto n = static_cast<std::int64_t>(n_);
  steps_ = options_.drop_last ? n / global : (n + global - 1) / global;
  set_epoch(0);
}

void Sampler::set_epoch(std::uint32_t epoch) {
  epoch_ = epoch;
  if (options_.shuffle) {
    order_ = epoch_permutation(n_, options_.seed, epoch);
  } else if (order_.size() != n_) {
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
  }
}

std::vector<std::int64_t> Sampler::batch(std::int64_t step) const {
  AUTOSPACE_CHECK(step >= 0 && step < steps_, "step ", step, " of an epoch of ", steps_);
  const std::int64_t b = options_.batch_size;
  const std::int64_t global = b * options_.world;
  const auto n = static_cast<std::int64_t>(n_);
  const std::int64_t step_begin = step * global;
  std::int64_t begin = step_begin + options_.rank * b;
  std::int64_t end = begin + b;
  if (step_begin + global > n) {  // the short last step (drop_last = false)
    const std::int64_t remaining = n - step_begin;
    begin = step_begin + remaining * options_.rank / options_.world;
    end = step_begin + remaining * (options_.rank + 1) / options_.world;
  }
  return {order_.begin() + begin, order_.begin() + end};
}

}  // namespace autospace::data

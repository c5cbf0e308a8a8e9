#pragma once
// The order of an epoch and its division among ranks. The order is a permutation drawn
// from (seed, epoch) alone, so every rank computes the same one without communicating,
// and any step of any epoch can be recomputed directly: resuming needs only (epoch, step).
//
// Sharding: global step k covers positions [k * world * B, (k + 1) * world * B) of the
// permutation and rank r takes the r-th block of B, so the ranks of one step together see
// exactly what a single process with batch world * B would. With drop_last every rank
// gets floor(n / (world * B)) full batches and the tail of the permutation (a different
// one each epoch) is left for later epochs. Without it the last step's remaining samples
// are split as evenly as possible (sizes differ by at most one; a rank may get none when
// fewer samples than ranks remain), so the ranks still take the same number of steps and
// every sample is seen exactly once.
#include <cstdint>
#include <vector>

namespace autospace::data {

struct SamplerOptions {
  std::uint64_t seed = 0;
  bool shuffle = true;
  std::int64_t batch_size = 1;  // per rank
  bool drop_last = true;
  int rank = 0, world = 1;
};

class Sampler {
 public:
  Sampler(std::size_t dataset_size, const SamplerOptions& options);

  std::int64_t steps_per_epoch() const { return steps_; }
  // Fixes the epoch whose batches batch() returns (computes its permutation).
  void set_epoch(std::uint32_t epoch);
  std::uint32_t epoch() const { return epoch_; }
  // This rank's dataset indices at `step` of the current epoch.
  std::vector<std::int64_t> batch(std::int64_t step) const;
  const SamplerOptions& options() const { return options_; }

 private:
  std::size_t n_;
  SamplerOptions options_;
  std::int64_t steps_ = 0;
  std::uint32_t epoch_ = 0;
  std::vector<std::int64_t> order_;
};

// The permutation of [0, n) for an epoch: Fisher-Yates driven by the data_order stream.
std::vector<std::int64_t> epoch_permutation(std::size_t n, std::uint64_t seed, std::uint32_t epoch);

}  // namespace autospace::data

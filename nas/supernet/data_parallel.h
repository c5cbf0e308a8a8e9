#pragma once
// How a supernet trainer (the DEA, the searchers) runs data-parallel: every rank of the
// communicator feeds its own share of each batch; gradients of the parameters a step
// touched are averaged over ranks in buckets during the backward pass (unsampled paths
// are not averaged as zeros), losses and counts are combined, and batch-norm statistics
// span the global batch when `sync_bn`. Default-constructed it is a single process and
// every call is the plain single-process operation.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/dist/communicator.h"
#include "engine/dist/gradient_reducer.h"
#include "engine/ops/batch_norm.h"

namespace autospace::nas {

class DataParallel {
 public:
  DataParallel() = default;
  DataParallel(dist::Communicator& comm, bool sync_bn, std::int64_t bucket_bytes = dist::kDefaultBucketBytes,
               bool compress_bf16 = false)
      : comm_(&comm), sync_bn_(sync_bn), bucket_bytes_(bucket_bytes), compress_bf16_(compress_bf16) {}

  dist::Communicator* comm() const { return comm_; }
  int rank() const { return comm_ ? comm_->rank() : 0; }
  int world() const { return comm_ ? comm_->world() : 1; }

  // loss.backward(), with `params`' gradients averaged over ranks.
  void backward(const Tensor& loss, const std::vector<NamedTensor>& params) const;
  // Averages the gradients `params` hold now (a backward pass the caller ran itself).
  void average_gradients(const std::vector<NamedTensor>& params) const;
  // The mean of a per-rank value (a loss over equal shares of the batch).
  double mean(double local) const;
  // The sum of per-rank counts.
  std::int64_t sum(std::int64_t local) const;
  // t summed over ranks in place, where it lies (dist::all_reduce_where_it_lies).
  void sum_in_place(const Tensor& t) const;
  // Held for the duration of a training forward/backward: synchronised BN when asked.
  std::optional<ops::SyncBatchNorm> batch_norm_scope() const;
  // The dropout/drop-path mask stream of a step: every rank gets streams of its own.
  std::uint32_t mask_step(std::int64_t step) const;

 private:
  dist::Communicator* comm_ = nullptr;
  bool sync_bn_ = false;
  std::int64_t bucket_bytes_ = dist::kDefaultBucketBytes;
  bool compress_bf16_ = false;
};

}  // namespace autospace::nas

#pragma once
// Data-parallel gradient averaging in buckets. backward() runs the backward pass and
// starts the all-reduce of each bucket as soon as every gradient in it is final, so
// communication overlaps the rest of the pass (BackwardHooks in engine/autograd/node.h);
// reduce() averages gradients that are already there.
//
// Only parameters the pass touched take part: a supernet's unsampled paths keep an
// undefined gradient on every rank, are never sent, and stay undefined, so the optimiser
// skips them as in a single process (averaging them as zeros would move their momentum).
// The ranks must touch the same set — here they do, because every rank draws the same
// architecture from the shared seed. That is checked every step, cheaply: one all-reduce
// of a flag per parameter, started with the pass, and a "has a gradient" flag per
// parameter inside every bucket. A mismatch is an error naming the first parameter that
// differs and the ranks on each side, raised identically on every rank.
//
// A bucket lives on the gradients' GPU when the communicator moves GPU tensors as they are
// (NCCL), else in host memory (MPI: the gradients are staged through it). Each bucket is
// averaged as a whole, its "has a gradient" flags with it.
//
// Gradients as views (DDP's gradient_as_bucket_view): where a bucket lies on its
// parameters' device (NCCL on GPUs; any CPU run), each touched parameter's gradient is a
// view into its bucket. The backward pass writes each gradient's first contribution there
// and adds later ones in place (BackwardHooks::gradient_slot), the all-reduce averages the
// bucket in place, and the averaged gradients are already where the optimiser reads them:
// nothing is copied into a bucket or back. A gradient from an earlier pass (accumulation
// without zero_grad) is moved into its slot when the pass starts. Host buckets for GPU
// gradients (MPI) stage them: a copy in and a copy out.
//
// Compression (bf16): each bucket travels as bf16 (half the bytes) and comes back to f32;
// the gradients then carry bf16's 8-bit mantissa (about 3 significant digits), what DDP's
// bf16 compression hook gives. The flags survive exactly for up to 256 ranks. Every
// backend sums bf16: NCCL natively, MPI through a user-defined float sum.
//
// Buckets are filled in reverse registration order (roughly the order the backward pass
// finishes gradients), the first up to kFirstBucketBytes (or bucket_bytes when smaller) and
// the others up to bucket_bytes each, and start strictly in that order on every rank, since
// collectives are matched by order.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/dist/communicator.h"

namespace autospace::dist {

// PyTorch DDP's default: large enough to amortise the per-collective latency, small
// enough that the first bucket starts early in the pass.
constexpr std::int64_t kDefaultBucketBytes = 25ll << 20;
// The first bucket — the last layers' gradients, final first — is capped lower, as in DDP,
// so that communication starts while most of the backward pass is still to run.
constexpr std::int64_t kFirstBucketBytes = 1ll << 20;

struct ReducerStats {
  std::int64_t buckets = 0;     // all-reduces of gradients in the last call
  std::int64_t parameters = 0;  // parameters whose gradients took part
  std::int64_t bytes = 0;       // gradient bytes each rank sent into the all-reduces (as sent)
  std::int64_t in_place = 0;    // of `parameters`, those averaged as views into their bucket (no copy back)
};

class GradientReducer {
 public:
  GradientReducer(Communicator& comm, std::vector<NamedTensor> parameters,
                  std::int64_t bucket_bytes = kDefaultBucketBytes, bool compress_bf16 = false);

  // loss.backward(), then every touched parameter's gradient is the average over ranks.
  void backward(const Tensor& loss);
  // Averages the gradients the parameters hold now (touched = gradient defined).
  void reduce();

  const ReducerStats& last_stats() const { return stats_; }

 private:
  struct Bucket {
    std::vector<std::size_t> members;  // parameter indices
    Tensor buffer;                     // gradients back to back, then one flag per member
    Tensor wire;                       // what the all-reduce moves: the buffer, or its bf16 copy
    std::size_t final_count = 0;
    std::unique_ptr<PendingCollective> pending;
  };

  void begin(const std::vector<bool>& touched);
  bool in_slot(std::size_t index) const;  // the gradient is the view into its bucket
  void gradient_final(std::size_t index);
  void launch_ready_buckets();
  void check_touched_agreement();
  void finish();

  Communicator& comm_;
  std::vector<NamedTensor> parameters_;
  std::unordered_map<const TensorImpl*, std::size_t> index_;
  std::int64_t bucket_bytes_;
  bool compress_bf16_;
  Device bucket_device_ = Device::cpu();
  // The pass in progress.
  std::vector<Bucket> buckets_;
  std::vector<int> bucket_of_;  // per parameter; -1 when untouched
  std::vector<Tensor> slot_of_;  // per parameter: its gradient's view into its bucket, if any
  std::size_t next_launch_ = 0;
  Tensor touched_flags_;
  std::unique_ptr<PendingCollective> touched_pending_;
  bool agreement_checked_ = false;
  ReducerStats stats_;
};

}  // namespace autospace::dist

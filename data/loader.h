#pragma once
// The multi-threaded loader: a pool of decode threads (one JpegDecoder + Resampler each)
// fills batch buffers ahead of the consumer, at most `prefetch_batches` batches ahead.
//
// Determinism: the order comes from the Sampler (seed, epoch) and every random choice of
// a sample's transform from the augmentation stream keyed by (seed, epoch, dataset index);
// each thread writes its sample into the row the sampler assigned. Batches are therefore
// bit-identical whatever the number of threads, and resuming at step k of an epoch yields
// exactly the batches k, k+1, ... of an uninterrupted run.
//
// Bad files: every sample that cannot be used is reported (path and reason) through
// on_bad_file. With BadFilePolicy::skip its row is dropped, so that batch is shorter;
// with BadFilePolicy::fail next() throws BadImage for the first bad sample of the batch.
// Counts per kind are kept per epoch (epoch_stats()) and summarised at its end.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "data/bad_file.h"
#include "data/dataset.h"
#include "data/jpeg_decoder.h"
#include "data/transforms.h"
#include "engine/tensor.h"

namespace autospace::data {

enum class BadFilePolicy : std::uint8_t { skip, fail };

// Allocates the tensors batches are written into. The default returns pageable host
// memory from the engine's caching allocator; runs on a GPU pass Tensor::empty_pinned
// (apps' make_loader), so that a batch's upload is one copy at the bus's speed.
using BatchAllocator = std::function<Tensor(const Shape& shape, DType dtype)>;

struct LoaderOptions {
  std::int64_t batch_size = 256;  // per rank
  bool shuffle = true;
  bool drop_last = true;
  std::uint64_t seed = 0;
  int rank = 0, world = 1;
  int threads = 0;           // decode threads; <= 0: all cores
  int prefetch_batches = 4;  // batches in flight ahead of the consumer (>= 1)
  BadFilePolicy bad_files = BadFilePolicy::skip;
  DecodeLimits limits;
  TransformConfig transform;
  BatchAllocator allocator;                         // empty: Tensor::empty on the CPU
  std::function<void(const BadFile&)> on_bad_file;  // empty: one line on stderr
};

struct Batch {
  Tensor images;  // u8 [n, size, size, 3]
  Tensor labels;  // i64 [n]
  std::vector<std::int64_t> indices;  // dataset index of every row
  std::uint32_t epoch = 0;
  std::int64_t step = 0;
  std::vector<BadFile> bad_files;  // samples of this step that were skipped
  std::int64_t size() const { return static_cast<std::int64_t>(indices.size()); }
};

struct EpochStats {
  std::uint32_t epoch = 0;
  std::int64_t batches = 0, images = 0;
  BadCounts bad;
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  ~Loader();  // stops the decode threads and joins them
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  std::int64_t steps_per_epoch() const;
  int threads() const;
  const Dataset& dataset() const;

  // Starts (or restarts) `epoch` at `first_step`: the batches before it are not produced.
  // Work still in flight for a previous epoch is discarded. Call from the consumer thread.
  void start_epoch(std::uint32_t epoch, std::int64_t first_step = 0);
  // The next batch of the current epoch, or nothing at its end.
  std::optional<Batch> next();
  // Counts of the current epoch so far (batches delivered).
  EpochStats epoch_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autospace::data

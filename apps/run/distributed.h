#pragma once
// The "distributed" section of a run description and the helpers the phase loops use
// when several processes train together (docs/distributed.md):
//
//   "distributed": {"sync_bn": false, "timeout_s": 600, "bucket_mb": 25, "gradient_compression": "none"}
//
// One process per GPU (or per CPU node) under mpirun/srun; without a launcher the run is
// a single process and the section changes nothing.
#include <filesystem>
#include <functional>
#include <string>

#include "engine/dist/communicator.h"
#include "engine/io/checkpoint.h"
#include "nas/json_check.h"

namespace autospace::apps {

struct DistributedSettings {
  bool sync_bn = false;     // batch-norm statistics over the global batch (ops::SyncBatchNorm)
  double timeout_s = dist::kDefaultTimeoutSeconds;  // longest wait in one collective
  double bucket_mb = 25;    // gradient all-reduce bucket size, MiB
  bool compress_bf16 = false;  // "gradient_compression": "bf16" (dist::GradientReducer)
};

DistributedSettings parse_distributed(const nas::Json& value, const std::string& path);
nas::Json to_json(const DistributedSettings& settings);

// The process communicator with the settings' timeout applied; rank 0 announces the
// world when there is more than one rank.
dist::Communicator& setup_distributed(const DistributedSettings& settings);

// Runs `f` on rank 0 only (writing files) and lets every rank learn whether it
// succeeded: rank 0 rethrows its error, the others throw one pointing at rank 0's
// message, so no rank is left waiting in a later collective.
void on_rank0(dist::Communicator& comm, const std::string& what, const std::function<void()>& f);
// Runs `f` on rank 0 first and then on the others (creating shared files, e.g. the
// generated synthetic data set, before anyone reads them).
void rank0_first(dist::Communicator& comm, const std::string& what, const std::function<void()>& f);

// True on every rank when `flag` is true on any rank (one collective).
bool any_rank(dist::Communicator& comm, bool flag);

// A phase's checkpoint under several ranks. Whether it exists must be the same answer on
// every rank (the run directory must be on a file system they all share), else an error;
// rank 0 alone writes it, recording the number of ranks as "world", and every rank learns
// whether that succeeded; a checkpoint is resumed only on as many ranks as wrote it (the
// global batch and each rank's share depend on it).
bool checkpoint_exists_on_every_rank(dist::Communicator& comm, const std::filesystem::path& checkpoint);
void save_checkpoint_on_rank0(dist::Communicator& comm, const std::filesystem::path& file, io::Checkpoint checkpoint);
void check_same_world(dist::Communicator& comm, const nas::Json& state, const std::string& source);

}  // namespace autospace::apps

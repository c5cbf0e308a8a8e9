#pragma once
// The "distributed" section of a run description and the helpers the phase loops use
// when several processes train together (docs/distributed.md):
//
//   "distributed": {"sync_bn": false, "timeout_s": 600, "bucket_mb": 25}
//
// One process per GPU (or per CPU node) under mpirun/srun; without a launcher the run is
// a single process and the section changes nothing.
#include <functional>
#include <string>

#include "engine/dist/communicator.h"
#include "nas/json_check.h"

namespace autospace::apps {

struct DistributedSettings {
  bool sync_bn = false;     // batch-norm statistics over the global batch (ops::SyncBatchNorm)
  double timeout_s = dist::kDefaultTimeoutSeconds;  // longest wait in one collective
  double bucket_mb = 25;    // gradient all-reduce bucket size, MiB
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

}  // namespace autospace::apps

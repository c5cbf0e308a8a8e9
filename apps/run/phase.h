#pragma once
// A phase as the runner (apps/run/runner.h) drives it. The runner owns what every phase
// shares — ranks, device, run directory, datasets, checkpoint restore and save, the loop
// with its stop handling, progress line and non-finite reports — and asks the phase for
// what is its own: what it is (setup), its state (build, checkpoint), one unit of work at
// a time (next) and its outputs (finish). docs/runner.md walks through it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/run/data_setup.h"
#include "apps/run/distributed.h"
#include "apps/run/progress.h"
#include "apps/run/run_basics.h"
#include "apps/run/run_directory.h"
#include "data/batch_stream.h"
#include "engine/io/checkpoint.h"
#include "nas/supernet/data_parallel.h"

namespace autospace::apps {

// What a phase tells the runner before anything runs.
struct PhaseSetup {
  std::string name{};                 // "evolve": progress lines and messages ("[evolve] ...")
  const RunBasics* basics = nullptr;  // run_dir, seed, device, threads, data
  DistributedSettings distributed{};  // the "distributed" section (defaults for a phase without one)
  bool multi_rank = true;           // false: the phase refuses to run on several processes
  // The description config.json keeps (what must match on resume; the runner leaves out
  // the collectives' timing knobs). Absent: the phase writes into a directory another
  // phase owns (evaluation) and keeps no checkpoint.
  std::optional<nas::Json> resolved{};
  bool checkpointed = true;  // keeps checkpoint.safetensors and resumes from it
  bool uses_data = true;     // false: the runner opens no data set (latency tables)
  // Files the phase starts from, whose contents must not change across the run's starts
  // (RunDirectory::check_inputs).
  std::vector<std::filesystem::path> inputs{};
  // The dataset must have this many classes (what the network classifies), `classes_owner`
  // names where that number comes from in messages.
  int classes = 0;
  std::string classes_owner{};
};

// What the runner gives a phase: ranks, device, datasets and the run directory.
struct PhaseContext {
  dist::Communicator& comm;
  nas::DataParallel parallel;  // the ranks as the supernet trainers use them (single process: none)
  Device device;
  const RunBasics& basics;
  Datasets data;
  RunDirectory* directory = nullptr;  // rank 0 of a phase with a directory of its own; null elsewhere
  std::filesystem::path checkpoint_file;
  bool print = true;  // rank 0 and the caller wants console output
  const Progress* progress = nullptr;  // the runner's, once the loop starts

  bool lead() const { return comm.rank() == 0; }
  // Appends to metrics.jsonl on rank 0 (a no-op elsewhere).
  void log(const nas::Json& record) const;
  // A loader over `dataset` with this rank's share of every global batch (data_setup.h).
  std::unique_ptr<data::Loader> loader(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                                       bool training, std::uint64_t seed) const;
  // Training batches by global position (data/batch_stream.h), this rank's share of each;
  // on a GPU they arrive there, uploaded a step ahead on the copy stream.
  // A set too small for one global batch is an error naming the setting: "evolve.batch_size:
  // 64 is larger than the held-out split (40 images)".
  data::BatchStream stream(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size, std::uint64_t seed,
                           const std::string& batch_key, const std::string& set_name) const;
  Tensor input(const data::Batch& batch) const;   // normalised, on the device
  Tensor labels(const data::Batch& batch) const;  // on the device, for the loss
  double items_per_second() const;  // samples per second over all ranks since the loop started
};

// What one unit of work did.
struct UnitReport {
  bool step = false;         // a training step: counted in the progress line
  std::int64_t items = 0;    // samples this rank processed in it
  std::string details{};     // the progress line's tail ("loss 2.31  acc 41.2%")
  bool checkpoint = false;   // save a checkpoint now
  std::string nonfinite{};   // non-empty: what was not finite ("loss", "gradient"); steps were skipped
  std::int64_t nonfinite_steps = 0;  // 0: this unit's step; else how many since the phase last read its guard
};

// How far a phase is, for the stop limits of RunControl.
struct PhaseCounters {
  std::int64_t steps = 0;        // training steps done
  std::int64_t evaluations = 0;  // architectures evaluated (spos, random)
};

class Phase {
 public:
  virtual ~Phase() = default;

  virtual PhaseSetup setup() const = 0;
  // Builds the state from the context; `resume` is the checkpoint to continue from (the
  // runner checked it was written on as many ranks), absent for a fresh start.
  virtual void build(PhaseContext& context, const std::optional<io::Checkpoint>& resume) = 0;
  // The state to save (phases with setup().checkpointed).
  virtual io::Checkpoint checkpoint() const { return {}; }

  virtual bool done() const = 0;                 // nothing left to run
  virtual std::int64_t total_steps() const = 0;  // for the progress line
  virtual PhaseCounters counters() const = 0;
  virtual std::string position() const = 0;     // "step 5 of 40", "epoch 2 step 3/6": messages
  virtual UnitReport next(PhaseContext& context) = 0;
  // Writes the outputs once done() (every rank calls it; rank 0 writes).
  virtual void finish(PhaseContext& context) = 0;
  // The binary's exit status when the phase completed (rankcheck: 4 when not reproduced).
  virtual int exit_status() const { return 0; }
};

}  // namespace autospace::apps

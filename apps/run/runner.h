#pragma once
// The one loop under every phase binary (apps/run/phase.h says what a phase provides):
//   1. ranks (distributed section), the device (one rule for every phase: the "device"
//      key, this rank's GPU on a multi-GPU node, CPU-only phases), CPU threads;
//   2. the run directory on rank 0 (locked), with the resolved description it must match on
//      resume and the hashes of the input files that must not change;
//   3. the datasets (rank 0 first: a synthetic set is generated once), their class count
//      checked against the network's;
//   4. the checkpoint, when every rank sees it and it was written on as many ranks;
//   5. the phase built, then its units run one by one: before each, a stop request
//      (SIGINT/SIGTERM, or the caller's limit) seen on any rank stops every rank with a
//      checkpoint; after each, the progress line, the non-finite report and the
//      checkpoint the unit asked for;
//   6. a last checkpoint when the final unit did not write one, then the phase's outputs.
#include <functional>

#include "apps/run/phase.h"

namespace autospace::apps {

struct RunControl {
  // Asked before every unit besides the signals; true stops the run as they do
  // (checkpoint, message, return). Tests use it to interrupt and resume.
  std::function<bool(const PhaseCounters&)> stop{};
  bool print = true;  // progress lines and messages (rank 0)
};

// Runs (or resumes) `phase`; true when it completed, false when it stopped early
// (resumable by running it again).
bool run_phase(Phase& phase, const RunControl& control = {});

}  // namespace autospace::apps

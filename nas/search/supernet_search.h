#pragma once
// What the two weight-sharing searchers have in common (DESIGN 4.5), so the search phase
// trains, distributes, checkpoints and resumes either through one interface: a supernet
// whose weights train on the training split one sampled path per step, data-parallel over
// ranks, with a state that resumes bit-identically. GatedSearch (proxyless-g/-rl) adds
// architecture steps on held-out batches; SinglePathSupernet (spos, random) activates any
// architecture's path for evaluation on the trained weights.
#include <cstdint>
#include <string>
#include <vector>

#include "nas/json_check.h"
#include "nas/supernet/supernet.h"
#include "nas/supernet/weight_training.h"

namespace autospace::nas {

class SupernetSearch {
 public:
  virtual ~SupernetSearch() = default;

  // One SGD step on the weights of a sampled path (keyed by the step number).
  virtual StepResult weight_step(const Tensor& x, const Tensor& labels, float lr) = 0;
  virtual std::int64_t weight_steps() const = 0;
  // Steps the non-finite guard skipped so far in this process (a read on a GPU; raises the
  // guard's abort when more than its limit were skipped in a row).
  virtual std::int64_t skipped_steps() const = 0;
  // Data-parallel training (data_parallel.h): each rank feeds its share of every batch.
  virtual void distribute(const DataParallel& parallel) = 0;
  virtual Supernet& supernet() = 0;

  // Checkpoint: everything needed to continue bit-identically.
  virtual nas::Json state() const = 0;
  virtual std::vector<NamedTensor> tensors() const = 0;
  virtual std::vector<NamedTensor> optimizer_tensors() const = 0;
  virtual void restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
                       const std::vector<NamedTensor>& optimizer_tensors, const std::string& source) = 0;
};

}  // namespace autospace::nas

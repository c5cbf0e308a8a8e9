#pragma once
// Running loss and top-1 of a supernet's weight steps between two log lines (phases 1
// and 2). Each step's loss is already the mean over ranks (nas::train_weights), so over
// several ranks only the counts need summing.
#include <cstdint>
#include <string>

#include "data/loader.h"
#include "nas/supernet/data_parallel.h"
#include "nas/supernet/weight_training.h"

namespace autospace::apps {

struct TrainMeter {
  double loss_sum = 0;  // step losses weighted by this rank's batch sizes
  std::int64_t correct = 0, seen = 0;

  void add(const nas::StepResult& step, const data::Batch& batch);
  // The same numbers over every rank's share (a collective: every rank calls it).
  TrainMeter combined(const nas::DataParallel& parallel) const;
  double loss() const { return seen ? loss_sum / static_cast<double>(seen) : 0.0; }
  double accuracy() const { return seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0; }
  std::string line() const;  // "loss 1.234  acc 56.7%"
};

}  // namespace autospace::apps

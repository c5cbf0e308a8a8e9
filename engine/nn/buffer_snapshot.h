#pragma once
// The buffers of a module (batch-norm running statistics) as they are now, to be put back
// after a step that must leave no trace: a non-finite step the guard skips has already run
// its training-mode forward, which moved the running statistics towards its (non-finite)
// batch statistics. Buffers created after the snapshot (a supernet's lazily created bank
// slots) are not covered.
#include <utility>
#include <vector>

#include "engine/nn/module.h"

namespace autospace::nn {

class BufferSnapshot {
 public:
  explicit BufferSnapshot(const Module& module);
  void restore() const;

 private:
  std::vector<std::pair<Tensor, Tensor>> saved_;  // (the live buffer, its copy)
};

}  // namespace autospace::nn

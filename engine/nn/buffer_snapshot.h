#pragma once
// The buffers of a module (batch-norm running statistics) as they are now, to be put back
// after a step that must leave no trace: a non-finite step the guard skips has already run
// its training-mode forward, which moved the running statistics towards its (non-finite)
// batch statistics. Buffers created after the snapshot (a supernet's lazily created bank
// slots) go back to the value they were created with, which is what they would hold had
// the step not run. Buffers are never removed, so the walk at restore meets the
// snapshot's in order, with the new ones between them.
#include <utility>
#include <vector>

#include "engine/nn/module.h"

namespace autospace::nn {

class BufferSnapshot {
 public:
  explicit BufferSnapshot(const Module& module);  // `module` must outlive the snapshot
  void restore() const;
  // restore() decided on the buffers' device: only where gate[0] (f32 [1],
  // optim::NonFiniteGuard::judge) is 0, with nothing read back.
  void restore_unless_applied(const Tensor& gate) const;

 private:
  // put_back(live, saved copy or undefined, initial value) for every buffer.
  template <class PutBack> void walk(PutBack put_back) const;

  const Module& module_;
  std::vector<std::pair<Tensor, Tensor>> saved_;  // (the live buffer, its copy)
};

}  // namespace autospace::nn

#include "engine/nn/buffer_snapshot.h"

#include "engine/ops/step_gate.h"
#include "kernels/common/check.h"

namespace autospace::nn {

BufferSnapshot::BufferSnapshot(const Module& module) : module_(module) {
  for (const BufferSlot& b : module.buffer_slots()) saved_.emplace_back(b.tensor, b.tensor.clone());
}

template <class PutBack> void BufferSnapshot::walk(PutBack put_back) const {
  std::size_t next = 0;
  for (const BufferSlot& b : module_.buffer_slots()) {
    if (next < saved_.size() && saved_[next].first.is_same(b.tensor)) {
      put_back(b.tensor, saved_[next].second, b.initial);
      ++next;
    } else {
      put_back(b.tensor, Tensor(), b.initial);
    }
  }
  AUTOSPACE_CHECK(next == saved_.size(), "a buffer was removed between the snapshot and its restore");
}

void BufferSnapshot::restore() const {
  walk([](const Tensor& live, const Tensor& saved, float initial) {
    if (saved.defined()) live.copy_from(saved);
    else live.fill(initial);
  });
}

void BufferSnapshot::restore_unless_applied(const Tensor& gate) const {
  walk([&](const Tensor& live, const Tensor& saved, float initial) {
    ops::restore_unless_applied(live, saved, initial, gate);
  });
}

}  // namespace autospace::nn

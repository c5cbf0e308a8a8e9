#include "engine/nn/buffer_snapshot.h"

#include "kernels/common/check.h"

namespace autospace::nn {

BufferSnapshot::BufferSnapshot(const Module& module) : module_(module) {
  for (const BufferSlot& b : module.buffer_slots()) saved_.emplace_back(b.tensor, b.tensor.clone());
}

void BufferSnapshot::restore() const {
  std::size_t next = 0;
  for (const BufferSlot& b : module_.buffer_slots()) {
    if (next < saved_.size() && saved_[next].first.is_same(b.tensor)) {
      b.tensor.copy_from(saved_[next].second);
      ++next;
    } else {
      b.tensor.fill(b.initial);
    }
  }
  AUTOSPACE_CHECK(next == saved_.size(), "a buffer was removed between the snapshot and its restore");
}

}  // namespace autospace::nn

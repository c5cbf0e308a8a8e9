#include "engine/nn/buffer_snapshot.h"

namespace autospace::nn {

BufferSnapshot::BufferSnapshot(const Module& module) {
  for (const auto& [name, t] : module.named_buffers()) saved_.emplace_back(t, t.clone());
}

void BufferSnapshot::restore() const {
  for (const auto& [live, copy] : saved_) live.copy_from(copy);
}

}  // namespace autospace::nn

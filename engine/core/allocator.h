#pragma once
// Caching allocators: a freed block goes back to a per-size-class free list and is
// reused by the next request of that class, so a training step allocates nothing from
// the system after the first one. One pool per device (CPU: 64-byte aligned memory;
// CUDA: cudaMalloc memory).
#include <cstddef>
#include <memory>

#include "engine/core/device.h"

namespace autospace {

struct AllocatorStats {
  std::size_t current_bytes = 0;  // in live blocks (size-class rounded)
  std::size_t peak_bytes = 0;
  std::size_t cached_bytes = 0;   // held in free lists
  std::size_t system_allocations = 0;  // calls to the system allocator (malloc/cudaMalloc)
  std::size_t reuses = 0;              // requests served from a free list
  std::size_t cache_flushes = 0;       // failed system allocations retried after freeing the cache
};

namespace detail {
struct PrivateBlocks;
}

// A block of device memory owned by a caching allocator; returned to its pool on destruction
// (a private pool's blocks to that pool while it lives).
class Storage {
 public:
  Storage(void* data, std::size_t bytes, Device device, bool pinned = false,
          std::shared_ptr<detail::PrivateBlocks> owner = nullptr)
      : data_(data), bytes_(bytes), device_(device), pinned_(pinned), owner_(std::move(owner)) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  bool pinned() const { return pinned_; }  // host memory from the pinned pool

 private:
  void* data_;
  std::size_t bytes_;
  Device device_;
  bool pinned_;
  std::shared_ptr<detail::PrivateBlocks> owner_;
};

// Memory kept for one recorded sequence of device work (engine/core/device_graph.h). While
// a PrivatePool is in use on this thread (PrivatePool::Use), allocations on its device come
// from it: from its own freed blocks first, else from the shared cache or the system, the
// block becoming the pool's. Its blocks, once freed, go back to it alone, never to the
// shared cache. So no tensor allocated elsewhere can sit in memory the recording used, and
// a replay, which writes the recording's addresses again, overwrites nothing live. A
// recording may reuse its own freed blocks: its work is one ordered sequence. When the pool
// is destroyed its free blocks return to the shared cache; blocks tensors still hold
// return there when those release them.
class PrivatePool {
 public:
  explicit PrivatePool(Device device);
  ~PrivatePool();
  PrivatePool(const PrivatePool&) = delete;
  PrivatePool& operator=(const PrivatePool&) = delete;
  Device device() const;
  std::size_t reserved_bytes() const;  // every block it holds, live or free

  // Routes this thread's allocations on the pool's device to the pool while it lives.
  // Uses do not nest.
  class Use {
   public:
    explicit Use(PrivatePool& pool);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
  };

 private:
  std::shared_ptr<detail::PrivateBlocks> blocks_;
};

std::shared_ptr<Storage> allocate_storage(std::size_t bytes, Device device);
AllocatorStats allocator_stats(Device device);
// Returns every cached block of the device to the system.
void empty_cache(Device device);

// Host memory from a pool of its own, page-locked (cudaMallocHost) when a GPU is usable, so
// that copies to a GPU run at the bus's speed without a staging copy: what the loader
// writes batches into for GPU runs. Ordinary host memory when no GPU is usable. The
// destination GPU is made current first, so that a process never creates a context on
// another process's GPU for it.
std::shared_ptr<Storage> allocate_pinned_storage(std::size_t bytes, Device destination);
AllocatorStats pinned_allocator_stats();
// True when the pinned pool's memory is page-locked (a CUDA build with a usable GPU).
bool pinned_memory_is_page_locked();

// Size class a request is rounded up to (exposed for tests).
std::size_t allocation_size_class(std::size_t bytes);

// Test aid, off by default: while on, every block handed out (fresh or reused) is first
// filled with 0xFF bytes, a NaN in every f32 element, so that a kernel leaving part of
// its output unwritten produces NaN instead of stale plausible values.
void set_poison_allocations(bool on);

}  // namespace autospace

#include "engine/core/allocator.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels/common/check.h"
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace autospace {

std::size_t allocation_size_class(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  // Small requests: multiples of 512 B. Larger ones: four classes per power of two,
  // which bounds the waste at 25% while keeping the number of classes small.
  if (bytes <= 64 * 1024) return (bytes + 511) & ~std::size_t{511};
  std::size_t pow2 = 1;
  while (pow2 * 2 <= bytes) pow2 *= 2;
  const std::size_t step = pow2 / 4;
  return (bytes + step - 1) / step * step;
}

namespace {

class CachingPool {
 public:
  // pinned: host memory from cudaHostAlloc (device must be the CPU).
  CachingPool(Device device, bool pinned) : device_(device), pinned_(pinned) {}
  ~CachingPool() { release_all(); }

  void* allocate(std::size_t cls) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& list = free_[cls];
    void* p = nullptr;
    if (!list.empty()) {
      p = list.back();
      list.pop_back();
      stats_.cached_bytes -= cls;
      ++stats_.reuses;
    } else {
      p = system_allocate_or_flush(cls);
      ++stats_.system_allocations;
    }
    stats_.current_bytes += cls;
    if (stats_.current_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.current_bytes;
    return p;
  }

  void release(void* p, std::size_t cls) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_[cls].push_back(p);
    stats_.current_bytes -= cls;
    stats_.cached_bytes += cls;
  }

  void release_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    free_cached();
  }

  AllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  // With the lock held.
  void free_cached() {
    for (auto& [cls, list] : free_)
      for (void* p : list) system_free(p);
    free_.clear();
    stats_.cached_bytes = 0;
  }

  // A failed system allocation first gives back every cached block and tries again, as
  // PyTorch's caching allocator does: free blocks of other size classes (a supernet's
  // other paths, an earlier phase's shapes) may hold the memory the request needs. Only
  // then is it an error, saying what this pool holds.
  void* system_allocate_or_flush(std::size_t bytes) {
    try {
      return system_allocate(bytes);
    } catch (const Error&) {
      if (stats_.cached_bytes == 0 && device_.is_cpu()) throw;
#ifdef AUTOSPACE_WITH_CUDA
      // Freeing waits for the device, which a recording graph cannot hold: the error stands
      // (the recording fails, and its caller runs the work eagerly).
      if (device_.is_cuda() && kernels::cuda::compute_stream_capturing()) throw;
#endif
      const std::size_t cached = stats_.cached_bytes;
      free_cached();
#ifdef AUTOSPACE_WITH_CUDA
      // The stream-ordered scratch pool keeps its freed blocks too (keep_pool_memory).
      if (device_.is_cuda()) kernels::cuda::trim_scratch_memory();
#endif
      ++stats_.cache_flushes;
      try {
        return system_allocate(bytes);
      } catch (const Error& e) {
        AUTOSPACE_THROW(e.what(), " (also after freeing the ", cached, " cached bytes; ", stats_.current_bytes,
                        " bytes in live tensors on ", device_.str(), ")");
      }
    }
  }

  void* system_allocate(std::size_t bytes) {
#ifdef AUTOSPACE_WITH_CUDA
    if (pinned_) return kernels::cuda::malloc_pinned(bytes);
#endif
    if (device_.is_cpu()) {
      void* p = std::aligned_alloc(64, bytes);  // size classes are multiples of 512
      if (!p) AUTOSPACE_THROW("out of host memory allocating ", bytes, " bytes");
      return p;
    }
#ifdef AUTOSPACE_WITH_CUDA
    kernels::cuda::set_device(device_.index);
    return kernels::cuda::malloc_device(bytes);
#else
    AUTOSPACE_THROW("cannot allocate on ", device_.str(), ": this build has no CUDA backend");
#endif
  }

  void system_free(void* p) {
#ifdef AUTOSPACE_WITH_CUDA
    if (pinned_) return kernels::cuda::free_pinned(p);
#endif
    if (device_.is_cpu()) {
      std::free(p);
      return;
    }
#ifdef AUTOSPACE_WITH_CUDA
    kernels::cuda::free_device(p);
#endif
  }

  Device device_;
  bool pinned_;
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

std::atomic<bool> poison{false};

// Pools live for the whole process: storages may be released during static destruction.
CachingPool& pool_for(Device device) {
  static std::mutex mutex;
  static auto* pools = new std::unordered_map<int, CachingPool*>();
  const int key = device.is_cpu() ? -1 : device.index;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = pools->find(key);
  if (it == pools->end()) it = pools->emplace(key, new CachingPool(device, false)).first;
  return *it->second;
}

CachingPool& pinned_pool() {
  static auto* pool = new CachingPool(Device::cpu(), pinned_memory_is_page_locked());
  return *pool;
}

}  // namespace

namespace detail {

struct PrivateBlocks : std::enable_shared_from_this<PrivateBlocks> {
  Device device;
  std::mutex mutex;
  bool open = true;  // the PrivatePool lives
  std::unordered_map<std::size_t, std::vector<void*>> free;
  std::size_t reserved_bytes = 0;

  void* take(std::size_t cls) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto& list = free[cls];
      if (!list.empty()) {
        void* p = list.back();
        list.pop_back();
        return p;
      }
    }
    void* p = pool_for(device).allocate(cls);
    std::lock_guard<std::mutex> lock(mutex);
    reserved_bytes += cls;
    return p;
  }

  // A released block stays the pool's while it is open, else goes to the shared cache.
  void release(void* p, std::size_t cls) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (open) {
        free[cls].push_back(p);
        return;
      }
      reserved_bytes -= cls;
    }
    pool_for(device).release(p, cls);
  }

  void close() {
    std::unordered_map<std::size_t, std::vector<void*>> to_return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      open = false;
      to_return.swap(free);
      for (const auto& [cls, list] : to_return) reserved_bytes -= cls * list.size();
    }
    for (const auto& [cls, list] : to_return)
      for (void* p : list) pool_for(device).release(p, cls);
  }
};

}  // namespace detail

namespace {

thread_local detail::PrivateBlocks* pool_in_use = nullptr;

}  // namespace

PrivatePool::PrivatePool(Device device) : blocks_(std::make_shared<detail::PrivateBlocks>()) {
  blocks_->device = device;
}

PrivatePool::~PrivatePool() { blocks_->close(); }

Device PrivatePool::device() const { return blocks_->device; }

std::size_t PrivatePool::reserved_bytes() const {
  std::lock_guard<std::mutex> lock(blocks_->mutex);
  return blocks_->reserved_bytes;
}

PrivatePool::Use::Use(PrivatePool& pool) {
  AUTOSPACE_CHECK(!pool_in_use, "PrivatePool::Use: another private pool is in use on this thread");
  pool_in_use = pool.blocks_.get();
}

PrivatePool::Use::~Use() { pool_in_use = nullptr; }

Storage::~Storage() {
  if (owner_) owner_->release(data_, bytes_);
  else (pinned_ ? pinned_pool() : pool_for(device_)).release(data_, bytes_);
}

bool pinned_memory_is_page_locked() {
#ifdef AUTOSPACE_WITH_CUDA
  static const bool locked = cuda_device_count() > 0;
  return locked;
#else
  return false;
#endif
}

std::shared_ptr<Storage> allocate_pinned_storage(std::size_t bytes, Device destination) {
#ifdef AUTOSPACE_WITH_CUDA
  if (destination.is_cuda() && pinned_memory_is_page_locked()) kernels::cuda::set_device(destination.index);
#else
  (void)destination;
#endif
  const std::size_t cls = allocation_size_class(bytes);
  void* p = pinned_pool().allocate(cls);
  if (poison) std::memset(p, 0xFF, cls);
  return std::make_shared<Storage>(p, cls, Device::cpu(), true);
}

AllocatorStats pinned_allocator_stats() { return pinned_pool().stats(); }

std::shared_ptr<Storage> allocate_storage(std::size_t bytes, Device device) {
  if (device.is_cuda()) AUTOSPACE_CHECK(cuda_device_count() > device.index, "no such device: ", device.str());
  const std::size_t cls = allocation_size_class(bytes);
  std::shared_ptr<detail::PrivateBlocks> owner;
  if (pool_in_use && pool_in_use->device == device) owner = pool_in_use->shared_from_this();
  void* p = owner ? owner->take(cls) : pool_for(device).allocate(cls);
  if (poison) {
    if (device.is_cpu()) {
      std::memset(p, 0xFF, cls);
    } else {
#ifdef AUTOSPACE_WITH_CUDA
      kernels::cuda::set_device(device.index);
      kernels::cuda::fill_bytes(p, 0xFF, cls);
#endif
    }
  }
  return std::make_shared<Storage>(p, cls, device, false, std::move(owner));
}

void set_poison_allocations(bool on) { poison = on; }

AllocatorStats allocator_stats(Device device) { return pool_for(device).stats(); }

void empty_cache(Device device) { pool_for(device).release_all(); }

}  // namespace autospace

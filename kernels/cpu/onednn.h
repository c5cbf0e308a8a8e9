#pragma once
// Shared oneDNN plumbing for the CPU kernels: one CPU engine for the process, and a cache
// of primitives per shape. Creating a oneDNN primitive JIT-compiles code (milliseconds),
// while a training step runs the same few shapes every iteration.
#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>

namespace autospace::kernels::cpu::onednn {

const dnnl::engine& engine();
// The calling thread's stream: oneDNN primitives may run concurrently from several
// threads, a stream object is not documented to be shareable that way.
dnnl::stream& stream();

// A oneDNN view of a caller's buffer (oneDNN takes non-const pointers even for inputs).
template <class T> dnnl::memory wrap(const dnnl::memory::desc& md, const T* p) {
  return dnnl::memory(md, engine(), const_cast<T*>(p));
}

// oneDNN's name for the element type T (float or bf16).
template <class T> constexpr dnnl::memory::data_type data_type() {
  if constexpr (sizeof(T) == sizeof(float)) return dnnl::memory::data_type::f32;
  else return dnnl::memory::data_type::bf16;
}

// Thread-safe map from a shape key to the primitives built for it. Entries are never
// evicted (a run uses a bounded set of shapes), so returned references stay valid.
template <class Key, class Value> class PrimitiveCache {
 public:
  template <class Make> const Value& get(const Key& key, Make&& make) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) it = entries_.emplace(key, make()).first;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::map<Key, Value> entries_;
};

}  // namespace autospace::kernels::cpu::onednn

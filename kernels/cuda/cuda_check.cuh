#pragma once
// Shared by every CUDA translation unit: status checks that name the call site, the
// compute stream, launch geometry and stream-ordered scratch memory.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/common/check.h"
#include "kernels/cuda/runtime.h"

// A failure also clears the runtime's last error (cudaGetLastError), so that one caught and
// recovered from (an allocation retried after freeing the cache, an autotune candidate
// refused) is not reported again by the next launch's check; a sticky error (a fault
// inside a kernel) keeps failing every later call anyway.
#define AUTOSPACE_CUDA_CALL(expr)                                                                   \
  do {                                                                                              \
    const cudaError_t status_ = (expr);                                                             \
    if (status_ != cudaSuccess) {                                                                   \
      (void)cudaGetLastError();                                                                     \
      AUTOSPACE_THROW(__FILE__, ":", __LINE__, ": ", #expr, " failed: ", cudaGetErrorName(status_), \
                      " (", cudaGetErrorString(status_), ")");                                      \
    }                                                                                               \
  } while (0)

// After every kernel launch: a bad configuration is reported here, at the launch site;
// faults inside the kernel surface at the next synchronising call.
#define AUTOSPACE_CUDA_CHECK_LAUNCH() AUTOSPACE_CUDA_CALL(cudaGetLastError())

namespace autospace::kernels::cuda {

// The one stream all kernels, library calls and device copies of the current device run
// on, created at its first use. It is a blocking stream, not the legacy default stream,
// because the legacy stream cannot be recorded into a CUDA graph (graph.h); being
// blocking, it stays ordered with the synchronous host copies (cudaMemcpy), which run on
// the legacy stream.
cudaStream_t compute_stream();

constexpr int kBlock = 256;

// Blocks for a grid-stride loop over n items: enough to fill the device several times
// over, never more than needed.
inline unsigned grid_for(std::int64_t n, int block = kBlock) {
  const std::int64_t wanted = (n + block - 1) / block;
  const std::int64_t cap = static_cast<std::int64_t>(multiprocessor_count()) * 32;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted < cap ? wanted : cap));
}

// Temporary device memory for one kernel sequence (partial sums, im2col columns,
// library workspaces), from the stream-ordered pool: freeing it lets the next
// allocation reuse the block once the kernels queued before the free have run.
class Scratch {
 public:
  explicit Scratch(std::size_t bytes) : ptr_(bytes ? scratch_allocate(bytes) : nullptr), bytes_(bytes) {}
  ~Scratch() { scratch_free(ptr_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T> T* as() const { return static_cast<T*>(ptr_); }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_;
  std::size_t bytes_;
};

// Runs f(i) for i in [0, n) with a grid-stride loop. The index type is 32-bit whenever n
// allows it, since 64-bit division and modulo (channel indices of NHWC tensors) cost
// several times more instructions.
template <class Index, class F> __global__ void map_kernel(Index n, F f) {
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<Index>(gridDim.x) * blockDim.x)
    f(i);
}

template <class F> void launch_map(std::int64_t n, F f) {
  if (n <= 0) return;
  if (n < (std::int64_t{1} << 31) - kBlock * std::int64_t{65536})
    map_kernel<std::int32_t><<<grid_for(n), kBlock, 0, compute_stream()>>>(static_cast<std::int32_t>(n), f);
  else
    map_kernel<std::int64_t><<<grid_for(n), kBlock, 0, compute_stream()>>>(n, f);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace autospace::kernels::cuda

#include "kernels/cuda/runtime.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

namespace {

int current_device() {
  int device = 0;
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device));
  return device;
}

// One stream per device, created with `flags` at its first use there and never destroyed
// (process lifetime). Looked up at every launch: an array read once created, the lock only
// for the creation.
class StreamPerDevice {
 public:
  explicit StreamPerDevice(unsigned flags) : flags_(flags) {}

  cudaStream_t current() {
    const int device = current_device();
    AUTOSPACE_CHECK(device >= 0 && device < kMaxDevices, "stream: device ", device, " out of range");
    if (cudaStream_t s = streams_[device].load(std::memory_order_acquire)) return s;
    const std::lock_guard<std::mutex> lock(mutex_);
    cudaStream_t s = streams_[device].load(std::memory_order_relaxed);
    if (!s) {
      AUTOSPACE_CUDA_CALL(cudaStreamCreateWithFlags(&s, flags_));
      streams_[device].store(s, std::memory_order_release);
    }
    return s;
  }

 private:
  static constexpr int kMaxDevices = 64;
  unsigned flags_;
  std::atomic<cudaStream_t> streams_[kMaxDevices] = {};
  std::mutex mutex_;
};

}  // namespace

cudaStream_t compute_stream() {
  static StreamPerDevice streams(cudaStreamDefault);  // blocking: ordered with the legacy stream
  return streams.current();
}

int device_count(std::string* why) {
  int n = 0;
  cudaError_t status = cudaGetDeviceCount(&n);
  if (status != cudaSuccess) {
    if (why) *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status);
    cudaGetLastError();
    return 0;
  }
  if (n == 0 && why) *why = "the CUDA driver reports no devices";
  return n;
}

void set_device(int index) { AUTOSPACE_CUDA_CALL(cudaSetDevice(index)); }

void* malloc_device(std::size_t bytes) {
  // While this thread records a graph (graph.h), the strict capture mode refuses cudaMalloc,
  // since a graph does not replay it. It need not: a block allocated then belongs to the
  // recording's private pool (engine/core/allocator.h) for as long as the graph lives.
  cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
  AUTOSPACE_CUDA_CALL(cudaThreadExchangeStreamCaptureMode(&mode));
  void* p = nullptr;
  const cudaError_t status = cudaMalloc(&p, bytes);
  AUTOSPACE_CUDA_CALL(cudaThreadExchangeStreamCaptureMode(&mode));
  AUTOSPACE_CUDA_CALL(status);
  return p;
}
void free_device(void* ptr) { AUTOSPACE_CUDA_CALL(cudaFree(ptr)); }

void* malloc_pinned(std::size_t bytes) {
  void* p = nullptr;
  AUTOSPACE_CUDA_CALL(cudaMallocHost(&p, bytes));
  return p;
}
void free_pinned(void* ptr) { AUTOSPACE_CUDA_CALL(cudaFreeHost(ptr)); }

void copy_host_to_device(void* dst, const void* src, std::size_t bytes) {
  AUTOSPACE_CUDA_CALL(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}
void copy_device_to_host(void* dst, const void* src, std::size_t bytes) {
  AUTOSPACE_CUDA_CALL(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}
void copy_device_to_device(void* dst, const void* src, std::size_t bytes) {
  AUTOSPACE_CUDA_CALL(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, compute_stream()));
}
void synchronize() { AUTOSPACE_CUDA_CALL(cudaDeviceSynchronize()); }

void fill(float* dst, std::int64_t n, float value) {
  launch_map(n, [=] __device__(auto i) { dst[i] = value; });
}

void fill_bytes(void* dst, int byte, std::size_t bytes) {
  AUTOSPACE_CUDA_CALL(cudaMemsetAsync(dst, byte, bytes, compute_stream()));
}

namespace {

// The default pool releases its memory at every synchronisation unless told to keep
// it; a training step synchronises at least once (the loss), so keep everything.
void keep_pool_memory(int device) {
  static std::mutex mutex;
  static std::map<int, bool> configured;
  std::lock_guard lock(mutex);
  if (configured[device]) return;
  cudaMemPool_t pool;
  AUTOSPACE_CUDA_CALL(cudaDeviceGetDefaultMemPool(&pool, device));
  std::uint64_t keep_all = UINT64_MAX;
  AUTOSPACE_CUDA_CALL(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_all));
  configured[device] = true;
}

}  // namespace

void* scratch_allocate(std::size_t bytes) {
  keep_pool_memory(current_device());
  void* p = nullptr;
  AUTOSPACE_CUDA_CALL(cudaMallocAsync(&p, bytes, compute_stream()));
  return p;
}

void trim_scratch_memory() {
  AUTOSPACE_CUDA_CALL(cudaDeviceSynchronize());  // blocks freed on the stream become unused
  cudaMemPool_t pool;
  AUTOSPACE_CUDA_CALL(cudaDeviceGetDefaultMemPool(&pool, current_device()));
  AUTOSPACE_CUDA_CALL(cudaMemPoolTrimTo(pool, 0));
  AUTOSPACE_CUDA_CALL(cudaDeviceGraphMemTrim(current_device()));
}

bool compute_stream_capturing() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  AUTOSPACE_CUDA_CALL(cudaStreamIsCapturing(compute_stream(), &status));
  return status != cudaStreamCaptureStatusNone;
}

void scratch_free(void* ptr) {
  if (!ptr) return;
  // Called from destructors, which must not throw: a failure here means the context is
  // already broken, and the next checked call reports it with its call site.
  const cudaError_t status = cudaFreeAsync(ptr, compute_stream());
  if (status != cudaSuccess)
    std::fprintf(stderr, "autospace: cudaFreeAsync failed: %s\n", cudaGetErrorString(status));
}

namespace {

cudaStream_t copy_stream() {
  static StreamPerDevice streams(cudaStreamNonBlocking);  // the legacy stream does not wait for it
  return streams.current();
}

cudaEvent_t new_event() {
  cudaEvent_t e = nullptr;
  AUTOSPACE_CUDA_CALL(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  return e;
}

}  // namespace

CopyStreamUpload::CopyStreamUpload(void* dst, const void* src, std::size_t bytes)
    : queued_(new_event()), copied_(nullptr) {
  try {
    copied_ = new_event();
    const cudaStream_t copy = copy_stream();
    AUTOSPACE_CUDA_CALL(cudaEventRecord(static_cast<cudaEvent_t>(queued_), compute_stream()));
    AUTOSPACE_CUDA_CALL(cudaStreamWaitEvent(copy, static_cast<cudaEvent_t>(queued_), 0));
    AUTOSPACE_CUDA_CALL(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, copy));
    AUTOSPACE_CUDA_CALL(cudaEventRecord(static_cast<cudaEvent_t>(copied_), copy));
  } catch (...) {
    cudaEventDestroy(static_cast<cudaEvent_t>(queued_));
    if (copied_) cudaEventDestroy(static_cast<cudaEvent_t>(copied_));
    throw;
  }
}

CopyStreamUpload::~CopyStreamUpload() {
  // Destructors must not throw; a failure here would resurface at the next checked call.
  cudaEventSynchronize(static_cast<cudaEvent_t>(copied_));
  cudaEventDestroy(static_cast<cudaEvent_t>(copied_));
  cudaEventDestroy(static_cast<cudaEvent_t>(queued_));
}

void CopyStreamUpload::compute_wait() const {
  AUTOSPACE_CUDA_CALL(cudaStreamWaitEvent(compute_stream(), static_cast<cudaEvent_t>(copied_), 0));
}

DeviceTimer::DeviceTimer() : start_(nullptr), stop_(nullptr) {
  cudaEvent_t a = nullptr, b = nullptr;
  AUTOSPACE_CUDA_CALL(cudaEventCreate(&a));
  AUTOSPACE_CUDA_CALL(cudaEventCreate(&b));
  start_ = a;
  stop_ = b;
}

DeviceTimer::~DeviceTimer() {
  // Destructors must not throw; a failure here would resurface at the next checked call.
  cudaEventDestroy(static_cast<cudaEvent_t>(start_));
  cudaEventDestroy(static_cast<cudaEvent_t>(stop_));
}

void DeviceTimer::start() { AUTOSPACE_CUDA_CALL(cudaEventRecord(static_cast<cudaEvent_t>(start_), compute_stream())); }

float DeviceTimer::stop_ms() {
  AUTOSPACE_CUDA_CALL(cudaEventRecord(static_cast<cudaEvent_t>(stop_), compute_stream()));
  AUTOSPACE_CUDA_CALL(cudaEventSynchronize(static_cast<cudaEvent_t>(stop_)));
  float ms = 0;
  AUTOSPACE_CUDA_CALL(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start_), static_cast<cudaEvent_t>(stop_)));
  return ms;
}

const DeviceInfo& device_info() {
  static std::mutex mutex;
  static std::map<int, DeviceInfo> cache;
  const int device = current_device();
  std::lock_guard lock(mutex);
  auto it = cache.find(device);
  if (it != cache.end()) return it->second;
  cudaDeviceProp prop{};
  AUTOSPACE_CUDA_CALL(cudaGetDeviceProperties(&prop, device));
  DeviceInfo info;
  info.name = prop.name;
  info.multiprocessors = prop.multiProcessorCount;
  info.compute_major = prop.major;
  info.compute_minor = prop.minor;
  info.global_memory_bytes = prop.totalGlobalMem;
  info.l2_bytes = static_cast<std::size_t>(prop.l2CacheSize);
  AUTOSPACE_CUDA_CALL(cudaDriverGetVersion(&info.driver_version));
  AUTOSPACE_CUDA_CALL(cudaRuntimeGetVersion(&info.runtime_version));
  return cache.emplace(device, info).first->second;
}

int multiprocessor_count() { return device_info().multiprocessors; }

}  // namespace autospace::kernels::cuda

#pragma once
// Thin, checked wrappers over the CUDA runtime, callable from plain C++ translation units
// (no CUDA headers leak out). Every call checks its status and throws autospace::Error
// naming the call site and the CUDA error string. Work is queued on one compute stream
// (cuda_check.cuh: compute_stream()); the copies below are ordered with it.
#include <cstddef>
#include <cstdint>
#include <string>

namespace autospace::kernels::cuda {

// Usable devices; 0 with the reason in *why when the driver or device is missing.
int device_count(std::string* why);
void set_device(int index);
void* malloc_device(std::size_t bytes);
void free_device(void* ptr);
void* malloc_pinned(std::size_t bytes);
void free_pinned(void* ptr);
// Copies return once the data is at its destination (device-to-device: once queued).
void copy_host_to_device(void* dst, const void* src, std::size_t bytes);
void copy_device_to_host(void* dst, const void* src, std::size_t bytes);
void copy_device_to_device(void* dst, const void* src, std::size_t bytes);
void synchronize();

// dst[0, n) = value on the compute stream.
void fill(float* dst, std::int64_t n, float value);
// Every byte of dst[0, bytes) = byte, on the compute stream.
void fill_bytes(void* dst, int byte, std::size_t bytes);

// Stream-ordered temporary memory from the device's memory pool, which keeps freed
// blocks cached rather than returning them at every synchronisation.
void* scratch_allocate(std::size_t bytes);
void scratch_free(void* ptr);
// Waits for the current device, then gives the pool's unused blocks back to the device, and
// the graph allocations' memory no live graph uses (out-of-memory recovery: the caching
// allocator's flush).
void trim_scratch_memory();
// Whether the current device's compute stream is being recorded into a graph (graph.h),
// when nothing may wait for the device or free memory.
bool compute_stream_capturing();

// Times the device work queued on the compute stream between start() and stop_ms()
// with a pair of CUDA events; stop_ms() waits for that work.
class DeviceTimer {
 public:
  DeviceTimer();
  ~DeviceTimer();
  DeviceTimer(const DeviceTimer&) = delete;
  DeviceTimer& operator=(const DeviceTimer&) = delete;
  void start();
  float stop_ms();

 private:
  void* start_;  // cudaEvent_t, kept opaque so that no CUDA header leaks
  void* stop_;
};

// A host-to-device copy on the current device's copy stream, a non-blocking stream of its
// own (created at first use), so that it runs beside the compute stream's kernels instead
// of between them. Events order the two: the copy starts once the compute work queued
// before it has run (its destination may be a block that work freed), and compute work
// queued after compute_wait() runs once the copy has. The source should be pinned (else
// the driver stages it synchronously) and must stay untouched until the copy finished,
// which the destructor waits for.
class CopyStreamUpload {
 public:
  CopyStreamUpload(void* dst, const void* src, std::size_t bytes);
  ~CopyStreamUpload();
  CopyStreamUpload(const CopyStreamUpload&) = delete;
  CopyStreamUpload& operator=(const CopyStreamUpload&) = delete;
  void compute_wait() const;  // no host wait

 private:
  void* queued_;  // cudaEvent_t on the compute stream: the work before the copy
  void* copied_;  // on the copy stream: the copy
};

// The current device's properties, read once per device.
struct DeviceInfo {
  std::string name;
  int multiprocessors = 0;
  int compute_major = 0, compute_minor = 0;
  std::size_t global_memory_bytes = 0;
  std::size_t l2_bytes = 0;
  int driver_version = 0, runtime_version = 0;
};
const DeviceInfo& device_info();
int multiprocessor_count();

}  // namespace autospace::kernels::cuda

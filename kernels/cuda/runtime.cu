#include "kernels/cuda/runtime.h"

#include <cuda_runtime.h>

#include "kernels/common/check.h"

#define AUTOSPACE_CUDA_CALL(expr)                                                            \
  do {                                                                                       \
    cudaError_t status_ = (expr);                                                            \
    if (status_ != cudaSuccess)                                                              \
      AUTOSPACE_THROW(__FILE__, ":", __LINE__, ": ", #expr, " failed: ", cudaGetErrorName(status_), \
                      " (", cudaGetErrorString(status_), ")");                               \
  } while (0)

namespace autospace::kernels::cuda {

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
  void* p = nullptr;
  AUTOSPACE_CUDA_CALL(cudaMalloc(&p, bytes));
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
  AUTOSPACE_CUDA_CALL(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
}
void synchronize() { AUTOSPACE_CUDA_CALL(cudaDeviceSynchronize()); }

}  // namespace autospace::kernels::cuda

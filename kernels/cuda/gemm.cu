#include "kernels/cuda/gemm.h"

#include <cublas_v2.h>

#include <atomic>
#include <map>

#include "kernels/cuda/cuda_check.cuh"

#define AUTOSPACE_CUBLAS_CALL(expr)                                                                  \
  do {                                                                                               \
    const cublasStatus_t status_ = (expr);                                                           \
    if (status_ != CUBLAS_STATUS_SUCCESS)                                                            \
      AUTOSPACE_THROW(__FILE__, ":", __LINE__, ": ", #expr, " failed: ", cublasGetStatusString(status_)); \
  } while (0)

namespace autospace::kernels::cuda {

namespace {

std::atomic<GemmPrecision> precision{GemmPrecision::fp32};

// One handle per thread and device: cuBLAS handles must not be shared by threads that
// call concurrently, and a handle belongs to the device current at its creation.
cublasHandle_t handle() {
  thread_local std::map<int, cublasHandle_t> handles;
  int device = 0;
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device));
  auto it = handles.find(device);
  if (it == handles.end()) {
    cublasHandle_t h = nullptr;
    AUTOSPACE_CUBLAS_CALL(cublasCreate(&h));
    AUTOSPACE_CUBLAS_CALL(cublasSetStream(h, compute_stream()));
    it = handles.emplace(device, h).first;
  }
  return it->second;
}

cublasComputeType_t compute_type(GemmPrecision p) {
  switch (p) {
    case GemmPrecision::fp32: return CUBLAS_COMPUTE_32F;
    case GemmPrecision::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case GemmPrecision::bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;
  }
  AUTOSPACE_THROW("gemm: invalid precision ", static_cast<int>(p));
}

template <class T> constexpr cudaDataType_t data_type() {
  if constexpr (sizeof(T) == sizeof(float)) return CUDA_R_32F;
  else return CUDA_R_16BF;
}

}  // namespace

void set_gemm_precision(GemmPrecision p) { precision = p; }
GemmPrecision gemm_precision() { return precision; }

const char* gemm_precision_name(GemmPrecision p) {
  switch (p) {
    case GemmPrecision::fp32: return "fp32";
    case GemmPrecision::tf32: return "tf32";
    case GemmPrecision::bf16: return "bf16";
  }
  return "invalid";
}

template <class AB, class TC>
void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const AB* a,
          std::int64_t lda, const AB* b, std::int64_t ldb, float beta, TC* c, std::int64_t ldc,
          const GemmBatch& batch) {
  if (m == 0 || n == 0 || batch.count == 0) return;
  // A row-major matrix is its transpose in cuBLAS's column-major view, so the row-major
  // C = op(A) op(B) is the column-major C^T = op(B)^T op(A)^T: swap the operands, keep
  // each one's transpose flag.
  const cublasOperation_t op_a = transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasComputeType_t compute = sizeof(AB) == sizeof(float) ? compute_type(precision) : CUBLAS_COMPUTE_32F;
  AUTOSPACE_CUBLAS_CALL(cublasGemmStridedBatchedEx_64(
      handle(), op_b, op_a, n, m, k, &alpha, b, data_type<AB>(), ldb, batch.stride_b, a, data_type<AB>(), lda,
      batch.stride_a, &beta, c, data_type<TC>(), ldc, batch.stride_c, batch.count, compute, CUBLAS_GEMM_DEFAULT));
}

template void gemm<float, float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                                 std::int64_t, const float*, std::int64_t, float, float*, std::int64_t,
                                 const GemmBatch&);
template void gemm<bf16, bf16>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const bf16*,
                               std::int64_t, const bf16*, std::int64_t, float, bf16*, std::int64_t, const GemmBatch&);
template void gemm<bf16, float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const bf16*,
                                std::int64_t, const bf16*, std::int64_t, float, float*, std::int64_t,
                                const GemmBatch&);

}  // namespace autospace::kernels::cuda

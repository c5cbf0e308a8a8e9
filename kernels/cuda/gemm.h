#pragma once
// cuBLAS matrix products in row-major terms, for the convolutions and linear layers.
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// What the tensor cores may round fp32 operands to; accumulation and storage stay fp32.
// fp32 (the default) keeps results within float rounding of the CPU; tf32 and bf16
// trade that for speed (the "autocast" switch: relative errors near 1e-3 and 1e-2).
enum class GemmPrecision { fp32, tf32, bf16 };
void set_gemm_precision(GemmPrecision precision);
GemmPrecision gemm_precision();
const char* gemm_precision_name(GemmPrecision precision);

struct GemmBatch {
  std::int64_t count = 1;
  std::int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements between consecutive matrices
};

// Row-major C[m, n] = alpha * op(A)[m, k] op(B)[k, n] + beta * C on device memory, where
// op transposes when asked; lda, ldb, ldc are the row strides of A, B, C as stored. A and
// B of AB, C of TC: (float, float) at the set precision, or bf16 operands (bf16 activations)
// with a bf16 or float C, accumulating in fp32 whatever the setting.
template <class AB, class TC>
void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const AB* a,
          std::int64_t lda, const AB* b, std::int64_t ldb, float beta, TC* c, std::int64_t ldc,
          const GemmBatch& batch = {});

}  // namespace autospace::kernels::cuda

#include "engine/core/precision.h"

#include <atomic>

#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/gemm.h"
#endif

namespace autospace {

namespace {
std::atomic<MatmulPrecision> current{MatmulPrecision::fp32};
}  // namespace

const std::vector<std::string>& matmul_precision_names() {
  static const std::vector<std::string> names = {"fp32", "tf32", "bf16"};
  return names;
}

void set_matmul_precision(MatmulPrecision precision) {
  current.store(precision);
#ifdef AUTOSPACE_WITH_CUDA
  using kernels::cuda::GemmPrecision;
  kernels::cuda::set_gemm_precision(precision == MatmulPrecision::fp32   ? GemmPrecision::fp32
                                    : precision == MatmulPrecision::tf32 ? GemmPrecision::tf32
                                                                         : GemmPrecision::bf16);
#endif
}

MatmulPrecision matmul_precision() { return current.load(); }

DType activation_dtype() { return matmul_precision() == MatmulPrecision::bf16 ? DType::bf16 : DType::f32; }

}  // namespace autospace

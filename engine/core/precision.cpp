#include "engine/core/precision.h"

#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/gemm.h"
#endif

namespace autospace {

const std::vector<std::string>& matmul_precision_names() {
  static const std::vector<std::string> names = {"fp32", "tf32", "bf16"};
  return names;
}

void set_matmul_precision(MatmulPrecision precision) {
#ifdef AUTOSPACE_WITH_CUDA
  using kernels::cuda::GemmPrecision;
  kernels::cuda::set_gemm_precision(precision == MatmulPrecision::fp32   ? GemmPrecision::fp32
                                    : precision == MatmulPrecision::tf32 ? GemmPrecision::tf32
                                                                         : GemmPrecision::bf16);
#else
  (void)precision;  // no GPU kernels to set it for; the runner refuses tf32 and bf16 on the CPU
#endif
}

}  // namespace autospace

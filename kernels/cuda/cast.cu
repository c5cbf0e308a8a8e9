#include "kernels/cuda/cast.h"

#include "kernels/common/bf16.h"
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

void f32_to_bf16(std::int64_t n, const float* in, std::uint16_t* out) {
  launch_map(n, [=] __device__(auto i) { out[i] = bf16_from_float_bits(__float_as_uint(in[i])); });
}

void bf16_to_f32(std::int64_t n, const std::uint16_t* in, float* out) {
  launch_map(n, [=] __device__(auto i) { out[i] = __uint_as_float(float_bits_from_bf16(in[i])); });
}

}  // namespace autospace::kernels::cuda

#pragma once
// Strided copies of rows of T (float or bf16) on the compute stream.
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

// dst[r, 0..width) = src[r, 0..width) for r < rows, rows `src_stride` / `dst_stride`
// elements apart.
template <class T>
void copy_rows(std::int64_t rows, std::int64_t width, const T* src, std::int64_t src_stride, T* dst,
               std::int64_t dst_stride) {
  if (rows == 0 || width == 0) return;
  constexpr std::size_t f = sizeof(T);
  AUTOSPACE_CUDA_CALL(cudaMemcpy2DAsync(dst, static_cast<std::size_t>(dst_stride) * f, src,
                                        static_cast<std::size_t>(src_stride) * f, static_cast<std::size_t>(width) * f,
                                        static_cast<std::size_t>(rows), cudaMemcpyDeviceToDevice, compute_stream()));
}

}  // namespace autospace::kernels::cuda

#include "kernels/cuda/linear.h"

#include "kernels/cuda/bias.h"
#include "kernels/cuda/gemm.h"

namespace autospace::kernels::cuda {

void linear_forward(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* w, const float* bias,
                    float* y) {
  gemm(false, true, n, o, k, 1.0f, x, k, w, k, 0.0f, y, o);  // y = x w^T
  if (bias) add_bias(n, o, bias, y);
}

void linear_backward_data(std::int64_t n, std::int64_t k, std::int64_t o, const float* dy, const float* w, float* dx) {
  gemm(false, false, n, k, o, 1.0f, dy, o, w, k, 0.0f, dx, k);  // dx = dy w
}

void linear_backward_weights(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* dy,
                             float* dw, float* dbias) {
  gemm(true, false, o, k, n, 1.0f, dy, o, x, k, 0.0f, dw, k);  // dw = dy^T x
  if (dbias) bias_backward(n, o, dy, dbias);
}

}  // namespace autospace::kernels::cuda

#include "kernels/cuda/conv_bn_fold.h"

#include "kernels/common/batch_norm_fold.h"
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

void fold_batch_norm(std::int64_t out_c, std::int64_t per_out, const float* w, const float* bias, const float* gamma,
                     const float* beta, const float* mean, const float* var, float eps, float* folded_w,
                     float* folded_bias) {
  // Each weight recomputes its channel's scale (one double division): the weights are few,
  // and one launch keeps the scale and the bias from needing a buffer of their own.
  launch_map(out_c * per_out, [=] __device__(auto i) {
    const auto o = i / static_cast<decltype(i)>(per_out);
    const float s = folded_scale(gamma[o], beta[o], mean[o], var[o], eps);
    folded_w[i] = w[i] * s;
    if (i % static_cast<decltype(i)>(per_out) == 0)
      folded_bias[o] = folded_bias_value(beta[o], mean[o], bias ? bias[o] : 0.f, s);
  });
}

}  // namespace autospace::kernels::cuda

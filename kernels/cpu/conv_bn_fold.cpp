#include "kernels/cpu/conv_bn_fold.h"

#include "kernels/common/batch_norm_fold.h"

namespace autospace::kernels::cpu {

void fold_batch_norm(std::int64_t out_c, std::int64_t per_out, const float* w, const float* bias, const float* gamma,
                     const float* beta, const float* mean, const float* var, float eps, float* folded_w,
                     float* folded_bias) {
  // O(weights): a few microseconds next to the convolution, so no threads.
  for (std::int64_t o = 0; o < out_c; ++o) {
    const float s = folded_scale(gamma[o], beta[o], mean[o], var[o], eps);
    folded_bias[o] = folded_bias_value(beta[o], mean[o], bias ? bias[o] : 0.f, s);
    const float* wo = w + o * per_out;
    float* fo = folded_w + o * per_out;
    for (std::int64_t i = 0; i < per_out; ++i) fo[i] = wo[i] * s;
  }
}

}  // namespace autospace::kernels::cpu

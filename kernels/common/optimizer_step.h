#pragma once
// The per-parameter update rules of SGD and Adam (PyTorch's), written once for the CPU
// loops and the CUDA kernels so both devices apply the very same arithmetic.
#include <cmath>
#include <cstdint>

#include "kernels/common/host_device.h"

namespace autospace::kernels {

// Plain SGD (no momentum): w -= lr * (g + wd * w).
AUTOSPACE_HOST_DEVICE inline void sgd_plain_step(float& w, float g, float lr, float weight_decay) {
  w -= lr * (g + weight_decay * w);
}

// SGD with momentum: d = g + wd * w; buf = first ? d : momentum * buf + d;
// w -= lr * (nesterov ? d + momentum * buf : buf).
AUTOSPACE_HOST_DEVICE inline void sgd_momentum_step(float& w, float g, float& buf, float lr, float momentum,
                                                    float weight_decay, bool nesterov, bool first_step) {
  const float d = g + weight_decay * w;
  const float b = first_step ? d : momentum * buf + d;
  buf = b;
  w -= lr * (nesterov ? d + momentum * b : b);
}

// One parameter of a multi-tensor SGD step (sgd_update_many): its weight, gradient and
// momentum buffer (null without momentum), in the backend's memory, with its own learning
// rate, weight decay and first-step flag, so that one call covers every parameter group.
struct SgdTensor {
  float* w = nullptr;
  const float* g = nullptr;
  float* buf = nullptr;
  std::int64_t n = 0;
  float lr = 0, weight_decay = 0;
  bool first_step = false;
};

// One parameter of a multi-tensor Adam step (adam_update_many): step is the 1-based count
// of this parameter's updates (bias correction), which differs between parameters first
// touched at different steps.
struct AdamTensor {
  float* w = nullptr;
  const float* g = nullptr;
  float *m = nullptr, *v = nullptr;
  std::int64_t n = 0;
  float lr = 0, weight_decay = 0;
  std::int64_t step = 1;
};

// Adam's bias corrections for update number `step`, computed once per parameter in double.
struct AdamStepScale {
  float step_size;    // lr / (1 - beta1^step)
  float inv_sqrt_c2;  // 1 / sqrt(1 - beta2^step)
};
inline AdamStepScale adam_step_scale(float lr, float beta1, float beta2, std::int64_t step) {
  const double c1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double c2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  return {static_cast<float>(lr / c1), static_cast<float>(1.0 / std::sqrt(c2))};
}

// Adam with L2 weight decay added to the gradient.
AUTOSPACE_HOST_DEVICE inline void adam_step(float& w, float g, float& m, float& v, AdamStepScale s, float beta1,
                                            float beta2, float eps, float weight_decay) {
  const float d = g + weight_decay * w;
  m = beta1 * m + (1.f - beta1) * d;
  v = beta2 * v + (1.f - beta2) * d * d;
  w -= s.step_size * m / (sqrtf(v) * s.inv_sqrt_c2 + eps);
}

// Gradient clipping's factor for a gradient norm (in double): max_norm / (norm + 1e-6)
// when the norm is finite and above max_norm, else 1 (nothing to scale, or a step the
// non-finite guard skips anyway).
AUTOSPACE_HOST_DEVICE inline float clip_factor(double norm, double max_norm) {
  return norm <= 1.7976931348623157e308 && norm > max_norm ? static_cast<float>(max_norm / (norm + 1e-6)) : 1.f;
}

}  // namespace autospace::kernels

#include "kernels/cuda/optimizer_update.h"

#include <cmath>
#include <vector>

#include "kernels/common/optimizer_step.h"
#include "kernels/cuda/multi_tensor.cuh"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step) {
  if (momentum == 0.f) {
    launch_map(n, [=] __device__(auto i) { sgd_plain_step(w[i], g[i], lr, weight_decay); });
    return;
  }
  launch_map(n, [=] __device__(auto i) {
    sgd_momentum_step(w[i], g[i], buf[i], lr, momentum, weight_decay, nesterov, first_step);
  });
}

void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov, const float* gate) {
  if (momentum == 0.f) {
    multi_tensor_apply(count, tensors, [=] __device__(const SgdTensor& t, std::int64_t i) {
      if (gate == nullptr || gate[0] != 0.f) sgd_plain_step(t.w[i], t.g[i], t.lr, t.weight_decay);
    });
    return;
  }
  multi_tensor_apply(count, tensors, [=] __device__(const SgdTensor& t, std::int64_t i) {
    if (gate == nullptr || gate[0] != 0.f)
      sgd_momentum_step(t.w[i], t.g[i], t.buf[i], t.lr, momentum, t.weight_decay, nesterov, t.first_step);
  });
}

namespace {

// An Adam parameter as the kernel needs it: the bias corrections computed on the host.
struct AdamScaled {
  float *w, *m, *v;
  const float* g;
  std::int64_t n;
  AdamStepScale scale;
  float weight_decay;
};

struct ScaledTensor {
  float* x;
  std::int64_t n;
};

struct ConstTensor {
  const float* x;
  std::int64_t n;
};

}  // namespace

void adam_update_many(std::int64_t count, const AdamTensor* tensors, float beta1, float beta2, float eps) {
  std::vector<AdamScaled> scaled;
  for (std::int64_t k = 0; k < count; ++k) {
    const AdamTensor& t = tensors[k];
    // Bias corrections on the host in double, as on the CPU.
    scaled.push_back({t.w, t.m, t.v, t.g, t.n, adam_step_scale(t.lr, beta1, beta2, t.step), t.weight_decay});
  }
  multi_tensor_apply(count, scaled.data(), [=] __device__(const AdamScaled& t, std::int64_t i) {
    adam_step(t.w[i], t.g[i], t.m[i], t.v[i], t.scale, beta1, beta2, eps, t.weight_decay);
  });
}

void scale_in_place_many(std::int64_t count, float* const* xs, const std::int64_t* sizes, const float* scale) {
  std::vector<ScaledTensor> tensors;
  for (std::int64_t k = 0; k < count; ++k) tensors.push_back({xs[k], sizes[k]});
  multi_tensor_apply(count, tensors.data(), [=] __device__(const ScaledTensor& t, std::int64_t i) {
    const float s = scale[0];
    if (s != 1.f) t.x[i] *= s;
  });
}

void gradient_norm(std::int64_t count, const float* const* xs, const std::int64_t* sizes, float* norm,
                   double max_norm, float* clip_scale) {
  // Every array's block partials in one buffer, from a few multi-tensor launches; one
  // final pass adds them all.
  std::vector<ConstTensor> tensors;
  for (std::int64_t k = 0; k < count; ++k)
    if (sizes[k] > 0) tensors.push_back({xs[k], sizes[k]});
  const auto n = static_cast<std::int64_t>(tensors.size());
  const std::int64_t partials = multi_tensor_chunks(n, tensors.data());
  Scratch partial((static_cast<std::size_t>(partials) + 1) * sizeof(double));
  double* p = partial.as<double>();
  multi_tensor_partials(
      n, tensors.data(),
      [] __device__(const ConstTensor& t, std::int64_t i) { return static_cast<double>(t.x[i]) * t.x[i]; }, p);
  flat_finish<1>(partials, p, [=] __device__(const double* t) {
    const double root = sqrt(t[0]);
    norm[0] = static_cast<float>(root);
    if (clip_scale) clip_scale[0] = clip_factor(root, max_norm);
  });
}

}  // namespace autospace::kernels::cuda

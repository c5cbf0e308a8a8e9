#include "kernels/cuda/optimizer_update.h"

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/common/optimizer_step.h"
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

namespace {

// One launch of the multi-tensor step: up to kTensors descriptors and kBlocks blocks, each
// block one chunk of one tensor, passed by value (2.7 KB, under the 4 KB argument limit).
constexpr int kTensors = 32, kBlocks = 224;
constexpr std::int64_t kChunk = 16384;  // elements per block: 64 per thread
struct SgdLaunch {
  SgdTensor tensors[kTensors];
  unsigned char tensor_of_block[kBlocks];
  std::int32_t chunk_of_block[kBlocks];
};

template <bool kMomentum>
__global__ void sgd_many_kernel(SgdLaunch launch, float momentum, bool nesterov) {
  const SgdTensor t = launch.tensors[launch.tensor_of_block[blockIdx.x]];
  const std::int64_t begin = static_cast<std::int64_t>(launch.chunk_of_block[blockIdx.x]) * kChunk;
  const std::int64_t end = begin + kChunk < t.n ? begin + kChunk : t.n;
  for (std::int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    if (kMomentum) sgd_momentum_step(t.w[i], t.g[i], t.buf[i], t.lr, momentum, t.weight_decay, nesterov, t.first_step);
    else sgd_plain_step(t.w[i], t.g[i], t.lr, t.weight_decay);
  }
}

void launch_sgd_many(const SgdLaunch& launch, int blocks, float momentum, bool nesterov) {
  if (blocks == 0) return;
  if (momentum == 0.f) sgd_many_kernel<false><<<blocks, kBlock, 0, compute_stream()>>>(launch, momentum, nesterov);
  else sgd_many_kernel<true><<<blocks, kBlock, 0, compute_stream()>>>(launch, momentum, nesterov);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace

void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov) {
  SgdLaunch launch{};
  int used_tensors = 0, blocks = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    const SgdTensor& t = tensors[k];
    const std::int64_t chunks = (t.n + kChunk - 1) / kChunk;
    AUTOSPACE_CHECK(chunks <= std::numeric_limits<std::int32_t>::max(), "sgd_update_many: ", t.n, " elements");
    // A tensor's chunks may spread over several launches, its descriptor repeated in each.
    for (std::int64_t c = 0; c < chunks; ++c) {
      if (c == 0 || blocks == 0) {
        if (used_tensors == kTensors) {
          launch_sgd_many(launch, blocks, momentum, nesterov);
          used_tensors = blocks = 0;
        }
        launch.tensors[used_tensors++] = t;
      }
      launch.tensor_of_block[blocks] = static_cast<unsigned char>(used_tensors - 1);
      launch.chunk_of_block[blocks] = static_cast<std::int32_t>(c);
      if (++blocks == kBlocks) {
        launch_sgd_many(launch, blocks, momentum, nesterov);
        used_tensors = blocks = 0;
      }
    }
  }
  launch_sgd_many(launch, blocks, momentum, nesterov);
}

void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step) {
  // Bias corrections on the host in double, as on the CPU.
  const AdamStepScale scale = adam_step_scale(lr, beta1, beta2, step);
  launch_map(n, [=] __device__(auto i) { adam_step(w[i], g[i], m[i], v[i], scale, beta1, beta2, eps, weight_decay); });
}

double sum_of_squares(std::int64_t count, const float* const* xs, const std::int64_t* sizes) {
  // Every array's block partials go to one buffer; one final pass adds them all.
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(count) + 1, 0);
  for (std::int64_t k = 0; k < count; ++k)
    offsets[static_cast<std::size_t>(k) + 1] =
        offsets[static_cast<std::size_t>(k)] + (sizes[k] > 0 ? flat_blocks(sizes[k]) : 0);
  const std::int64_t partials = offsets.back();
  if (partials == 0) return 0.0;
  Scratch partial((static_cast<std::size_t>(partials) + 1) * sizeof(double));
  double* p = partial.as<double>();
  for (std::int64_t k = 0; k < count; ++k) {
    if (sizes[k] <= 0) continue;
    const float* x = xs[k];
    flat_partials<1>(
        sizes[k], [=] __device__(std::int64_t i, double* acc) { acc[0] += static_cast<double>(x[i]) * x[i]; },
        p + offsets[static_cast<std::size_t>(k)]);
  }
  double* total = p + partials;
  flat_finish<1>(partials, p, [=] __device__(const double* t) { total[0] = t[0]; });
  double result = 0;
  copy_device_to_host(&result, total, sizeof(double));
  return result;
}

void scale_in_place(std::int64_t n, float* x, float s) {
  launch_map(n, [=] __device__(auto i) { x[i] *= s; });
}

}  // namespace autospace::kernels::cuda

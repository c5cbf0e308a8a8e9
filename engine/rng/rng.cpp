#include "engine/rng/rng.h"

#include <cmath>

#include "kernels/common/check.h"

namespace autospace {

kernels::PhiloxStream RngKey::stream() const {
  return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), step, epoch,
          static_cast<std::uint32_t>(purpose)};
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t hi = next_u32();
  return (hi << 32) | next_u32();
}

double Rng::uniform_double() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

float Rng::normal() {
  const float u1 = 1.0f - uniform();  // (0, 1]
  const float u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530717958647692f * u2);
}

std::uint64_t Rng::below(std::uint64_t n) {
  AUTOSPACE_CHECK(n > 0, "Rng::below(0)");
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return x % n;
}

Tensor random_uniform(const Shape& shape, const RngKey& key, float lo, float hi) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  const auto stream = key.stream();
  const std::int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) p[i] = lo + (hi - lo) * stream.uniform(static_cast<std::uint64_t>(i));
  return t;
}

Tensor random_normal(const Shape& shape, const RngKey& key, float mean, float stddev) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  const auto stream = key.stream();
  const std::int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    const float u1 = 1.0f - stream.uniform(2 * static_cast<std::uint64_t>(i));
    const float u2 = stream.uniform(2 * static_cast<std::uint64_t>(i) + 1);
    p[i] = mean + stddev * std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530717958647692f * u2);
  }
  return t;
}

}  // namespace autospace

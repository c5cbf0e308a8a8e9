#pragma once
// Counter-based randomness keyed by (seed, purpose, epoch, step): any number of any
// stream can be recomputed at any time on any device, so a resumed run needs no stored
// generator state and CPU and GPU kernels draw identical numbers.
#include <cstdint>
#include <vector>

#include "engine/tensor.h"
#include "kernels/common/philox.h"

namespace autospace {

// What a stream is for; distinct purposes never share numbers.
enum class RngPurpose : std::uint32_t {
  weight_init = 1,
  dropout = 2,
  data_order = 3,
  augmentation = 4,
  architecture_sampling = 5,
  evolution = 6,
  data_split = 7,
  synthetic_data = 8,
  validation_carve = 9,
  test = 100,
};

struct RngKey {
  std::uint64_t seed = 0;
  RngPurpose purpose = RngPurpose::test;
  std::uint32_t epoch = 0;
  std::uint32_t step = 0;

  kernels::PhiloxStream stream() const;
  RngKey with_step(std::uint32_t s) const { return {seed, purpose, epoch, s}; }
};

// Sequential reader over one stream (for host-side decisions such as sampling).
class Rng {
 public:
  explicit Rng(const RngKey& key) : stream_(key.stream()) {}
  std::uint32_t next_u32() { return stream_.bits(position_++); }
  std::uint64_t next_u64();
  float uniform() { return stream_.uniform(position_++); }  // [0, 1)
  double uniform_double();                                  // [0, 1), 53 bits
  float normal();                                           // standard normal (Box-Muller)
  // Uniform integer in [0, n) without modulo bias.
  std::uint64_t below(std::uint64_t n);
  std::uint64_t position() const { return position_; }

 private:
  kernels::PhiloxStream stream_;
  std::uint64_t position_ = 0;
};

// Tensors filled from a stream: element i uses stream numbers derived from index i only.
Tensor random_uniform(const Shape& shape, const RngKey& key, float lo = 0.f, float hi = 1.f);
Tensor random_normal(const Shape& shape, const RngKey& key, float mean = 0.f, float stddev = 1.f);

}  // namespace autospace

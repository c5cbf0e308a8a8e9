#include "bench/common/cifar_supernet.h"

#include <vector>

#include "engine/rng/rng.h"

namespace autospace::bench {

nas::Backbone cifar_backbone() {
  nas::Backbone b;
  b.net.resolution = 32;
  b.net.classes = 10;
  b.net.stem = {16, 3, 1};
  b.net.head = {256, 0.0};
  b.fixed = {{16, 16, 1, nas::MbConvBlock{3, 1, 0, std::nullopt}}};
  b.stages = {{24, 2, 2}, {32, 2, 2}, {64, 2, 2}, {96, 1, 1}};
  return b;
}

const Tensor& cifar_images() {
  static const Tensor x = random_normal({64, 32, 32, 3}, {1, RngPurpose::test, 0, 0});
  return x;
}

Tensor cifar_images_as(bool bf16) { return cifar_images().to(bf16 ? DType::bf16 : DType::f32); }

const Tensor& cifar_labels() {
  static const Tensor y = [] {
    std::vector<std::int64_t> v(64);
    for (int i = 0; i < 64; ++i) v[i] = i % 10;
    return Tensor::from_int64(v, {64});
  }();
  return y;
}

}  // namespace autospace::bench

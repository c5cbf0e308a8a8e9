#pragma once
// What the supernet benchmarks share: the CIFAR-size backbone of
// configs/evolve/cifar10-small.json and one fixed batch of 64 32x32 images with labels.
#include "engine/tensor.h"
#include "nas/backbone.h"

namespace autospace::bench {

nas::Backbone cifar_backbone();
const Tensor& cifar_images();  // [64, 32, 32, 3]
// The same images in f32, or in bf16 when `bf16` (a benchmark's bf16-activations argument).
Tensor cifar_images_as(bool bf16);
const Tensor& cifar_labels();  // [64]

}  // namespace autospace::bench

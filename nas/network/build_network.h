#pragma once
// The network an arch.json describes (phase 3), as engine modules: stem conv + BN + act,
// the layers, head 1x1 conv + BN + act, global average pool, dropout, fully connected
// classifier. Parameter names follow docs/formats.md ("Parameter names"), so a checkpoint
// maps onto layers.
#include <cstdint>
#include <memory>

#include "engine/nn/sequential.h"
#include "nas/arch.h"

namespace autospace::nas {

// Checks the arch (check_arch) and builds it with every parameter initialised from `seed`
// (Module::initialize keyed by full names). Dropout and drop-path masks follow
// nn::set_rng_step; layer i of n drops its residual branch with probability
// net.stochastic_depth * i / n (torchvision's EfficientNet rule), each layer from its own
// stream. Input [N, resolution, resolution, input_channels] NHWC, output logits [N, classes].
std::shared_ptr<nn::Sequential> build_network(const Arch& arch, std::uint64_t seed);

}  // namespace autospace::nas

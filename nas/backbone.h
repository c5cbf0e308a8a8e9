#pragma once
// The fixed frame around the searchable layers of a supernet (DESIGN 4.2): stem, fixed
// leading layers, stages of searchable layers, head. The defaults are ProxylessNAS-mobile:
// stem conv3x3 s2 (32), MBConv e1 k3 (16), stages of widths 24, 40, 80, 96, 192, 320,
// depths 4, 4, 4, 4, 4, 1 and first strides 2, 2, 2, 1, 2, 1 (21 searchable layers),
// 1x1 conv to 1280, pool, FC, at 224x224 with 1000 classes.
#include <span>
#include <string>
#include <vector>

#include "nas/arch.h"

namespace autospace::nas {

// `depth` searchable layers of `width` output channels; the first one has `stride`.
struct Stage {
  int width = 0;
  int depth = 1;
  int stride = 1;
  bool operator==(const Stage&) const = default;
};

// MBConv e1 k3 from the stem's 32 channels to 16.
std::vector<Layer> proxyless_fixed_layers();

struct Backbone {
  NetworkSettings net;
  std::vector<Layer> fixed = proxyless_fixed_layers();
  std::vector<Stage> stages = {{24, 4, 2}, {40, 4, 2}, {80, 4, 2}, {96, 4, 1}, {192, 4, 2}, {320, 1, 1}};
  // Squeeze-excite ratio given to every searchable block (0: none).
  double se_ratio = 0;
  bool operator==(const Backbone&) const = default;
};

// The network with a placeholder block in every searchable slot: the shapes of a network
// do not depend on which blocks fill it, so its shapes are those of every network built
// on this backbone.
Arch backbone_frame(const Backbone& backbone);

// Positions of the searchable layers, in order.
std::vector<LayerPosition> searchable_positions(const Backbone& backbone);

// The network with `choices[i]` at searchable layer i.
Arch make_arch(const Backbone& backbone, std::span<const Block> choices, std::string name);

// Throws autospace::Error naming the first inconsistency under `path` (e.g. a fixed
// layer whose input does not match the stem, or a zero block where it is illegal).
void check_backbone(const Backbone& backbone, const std::string& path);

}  // namespace autospace::nas

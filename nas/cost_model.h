#pragma once
// MAdds and parameter counts (DESIGN 4.6): MAdds are the multiply-adds of convolutions and
// fully connected layers at the configured input resolution (bias, BN, activations,
// pooling and elementwise products not counted; squeeze-excite FCs counted at 1x1);
// params are all learnable parameters, BN affine and biases included. With this
// convention torchvision's MobileNetV2-1.0 at 224 has 300,774,272 MAdds and 3,504,872 params.
#include <cstdint>
#include <string>
#include <vector>

#include "nas/arch.h"

namespace autospace::nas {

struct Cost {
  std::int64_t madds = 0;
  std::int64_t params = 0;
  // Predicted forward time in nanoseconds: 0 from the cost model, which cannot know it;
  // a SpaceTable built with a latency table (nas/latency) fills it from the table's
  // entries, for latency budgets.
  std::int64_t latency_ns = 0;
  Cost& operator+=(const Cost& o) {
    madds += o.madds;
    params += o.params;
    latency_ns += o.latency_ns;
    return *this;
  }
  bool operator==(const Cost&) const = default;
};

Cost cell_cost(const Genotype& g, const LayerPosition& position, double se_ratio = 0);
Cost mbconv_cost(const MbConvBlock& block, const LayerPosition& position);
// Any block at any position (zero costs nothing).
Cost block_cost(const Block& block, const LayerPosition& position);

Cost stem_cost(const NetworkSettings& net);
// 1x1 conv + BN to head.channels on a feature map of `in` shape.
Cost head_conv_cost(const NetworkSettings& net, const FeatureShape& in);
// Fully connected head.channels -> classes with bias.
Cost classifier_cost(const NetworkSettings& net);

// One line of a per-layer breakdown.
struct CostRow {
  std::string label;  // "stem", "layers[3]", "head", "classifier"
  std::string what;   // block description
  FeatureShape in;
  FeatureShape out;
  Cost cost;
};

struct NetworkCost {
  std::vector<CostRow> rows;
  Cost total;
};

NetworkCost arch_cost(const Arch& arch);

}  // namespace autospace::nas

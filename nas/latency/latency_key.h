#pragma once
// The keys of a latency table (latency_table.h): one per network part whose forward time
// the table holds — the stem, a layer's block at its position, the head (1x1 conv, pool,
// classifier) — written so that two parts with equal keys run the same kernels on the
// same shapes, and readable in the file:
//   stem k3 s1 c16 act relu6 @ 32x32x3
//   layer mbconv k5 e6 act relu6 out 24 stride 2 @ 32x32x16
//   head c1280 classes 10 act relu6 @ 4x4x320
// "@ HxWxC" is the part's input feature map (batch left out: the table has one batch).
#include <string>
#include <vector>

#include "nas/arch.h"
#include "nas/backbone.h"

namespace autospace::nas {

std::string stem_latency_key(const NetworkSettings& net);
std::string layer_latency_key(const Block& block, const LayerPosition& position, const NetworkSettings& net);
std::string head_latency_key(const NetworkSettings& net, const FeatureShape& in);

// The keys of `arch`'s parts in network order: stem, every layer, head. The additive
// model predicts its latency as the sum of their entries.
std::vector<std::string> network_latency_keys(const Arch& arch);
// The parts every network on `backbone` has: stem, the fixed layers, head.
std::vector<std::string> fixed_latency_keys(const Backbone& backbone);

// Empty when `key` follows the rules above (a part kind, a description, " @ HxWxC" with
// positive sizes), else what is wrong with it.
std::string latency_key_problem(const std::string& key);

}  // namespace autospace::nas

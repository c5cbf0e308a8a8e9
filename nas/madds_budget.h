#pragma once
// MAdds as a search constraint: the fixed part of a backbone, per-layer caps on cells
// (C_max of the paper's Eq. 1) and the expected cost of gated layers as a differentiable
// function of their architecture logits (for the searchers' cost regularisers).
#include <cstdint>
#include <span>
#include <vector>

#include "nas/backbone.h"
#include "nas/cost_model.h"

namespace autospace::nas {

// Stem, fixed layers, head conv and classifier: what every network of the backbone costs
// whatever fills its searchable layers.
Cost backbone_fixed_cost(const Backbone& backbone);

// How C_max is set per layer.
struct CapRule {
  enum class Kind {
    none,       // no cap
    absolute,   // `madds` at every layer
    reference,  // `factor` times the MAdds of `reference` at the layer's position
  };
  Kind kind = Kind::none;
  std::int64_t madds = 0;
  double factor = 1;
  Genotype reference = reference_genotype();
};

// The cap at one position (the largest int64 for Kind::none).
std::int64_t madds_cap(const CapRule& rule, const LayerPosition& position, double se_ratio = 0);
// The cap of every searchable layer of the backbone.
std::vector<std::int64_t> madds_caps(const CapRule& rule, const Backbone& backbone);

// E[C] = sum_k p_k c_k with p = softmax(logits); d_logits[i] = p_i (c_i - E), for any
// additive cost C (MAdds, params).
struct ExpectedCost {
  double value = 0;
  std::vector<double> d_logits;
};
ExpectedCost expected_cost(std::span<const double> logits, std::span<const double> candidate_costs);

// A whole network: the fixed cost plus the expected cost of every gated layer, with the
// gradient for each layer's logits.
struct ExpectedNetworkCost {
  double value = 0;
  std::vector<std::vector<double>> d_logits;
};
ExpectedNetworkCost expected_network_cost(double fixed_cost, const std::vector<std::vector<double>>& logits,
                                          const std::vector<std::vector<double>>& candidate_costs);

}  // namespace autospace::nas

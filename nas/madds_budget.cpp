#include "nas/madds_budget.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/common/check.h"

namespace autospace::nas {

Cost backbone_fixed_cost(const Backbone& backbone) {
  const Arch frame = backbone_frame(backbone);
  const auto positions = layer_positions(frame);
  Cost cost = stem_cost(frame.net);
  for (std::size_t i = 0; i < backbone.fixed.size(); ++i) cost += block_cost(frame.layers[i].block, positions[i]);
  const FeatureShape last = positions.empty() ? stem_output(frame.net) : positions.back().output();
  cost += head_conv_cost(frame.net, last);
  cost += classifier_cost(frame.net);
  return cost;
}

std::int64_t madds_cap(const CapRule& rule, const LayerPosition& position, double se_ratio) {
  switch (rule.kind) {
    case CapRule::Kind::none: return std::numeric_limits<std::int64_t>::max();
    case CapRule::Kind::absolute: return rule.madds;
    case CapRule::Kind::reference:
      return static_cast<std::int64_t>(std::floor(rule.factor * static_cast<double>(cell_cost(rule.reference, position, se_ratio).madds)));
  }
  return 0;
}

std::vector<std::int64_t> madds_caps(const CapRule& rule, const Backbone& backbone) {
  std::vector<std::int64_t> caps;
  for (const LayerPosition& p : searchable_positions(backbone)) caps.push_back(madds_cap(rule, p, backbone.se_ratio));
  return caps;
}

ExpectedCost expected_cost(std::span<const double> logits, std::span<const double> candidate_costs) {
  AUTOSPACE_CHECK(!logits.empty() && logits.size() == candidate_costs.size(), logits.size(), " logits for ",
                  candidate_costs.size(), " candidates");
  // Shifting by the largest logit keeps exp() finite without changing the softmax.
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double total = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) total += p[i] = std::exp(logits[i] - top);
  ExpectedCost out;
  for (std::size_t i = 0; i < p.size(); ++i) out.value += (p[i] /= total) * candidate_costs[i];
  out.d_logits.resize(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) out.d_logits[i] = p[i] * (candidate_costs[i] - out.value);
  return out;
}

ExpectedNetworkCost expected_network_cost(double fixed_cost, const std::vector<std::vector<double>>& logits,
                                          const std::vector<std::vector<double>>& candidate_costs) {
  AUTOSPACE_CHECK(logits.size() == candidate_costs.size(), logits.size(), " layers of logits for ", candidate_costs.size(),
                  " layers of candidates");
  ExpectedNetworkCost out{fixed_cost, {}};
  for (std::size_t l = 0; l < logits.size(); ++l) {
    ExpectedCost layer = expected_cost(logits[l], candidate_costs[l]);
    out.value += layer.value;
    out.d_logits.push_back(std::move(layer.d_logits));
  }
  return out;
}

}  // namespace autospace::nas

#pragma once
// JSON form of the pieces arch.json and space.json share: blocks, layers and the network
// settings (resolution, classes, activation, batch norm, stem, head). docs/formats.md
// describes the keys.
#include <string>
#include <vector>

#include "nas/arch.h"
#include "nas/cost_model.h"
#include "nas/json_check.h"

namespace autospace::nas {

inline constexpr int kMaxChannels = 65536;

// An odd kernel size in [1, max] (convolutions are padded by kernel / 2).
int json_odd_kernel(const Json& value, const std::string& path, int max);

// Checks the optional "madds" and "params" keys of `object` against `computed`: a file
// whose recorded figures disagree with the cost model is rejected rather than trusted.
void check_recorded_cost(const ObjectReader& object, const Cost& computed);

Json block_to_json(const Block& block);
Block block_from_json(const Json& value, const std::string& path);

Json layer_to_json(const Layer& layer);
Layer layer_from_json(const Json& value, const std::string& path);

// The keys read by read_network_settings, for the key list of the enclosing object.
const std::vector<std::string>& network_setting_keys();
// With `defaults` null every setting without a documented default (resolution, classes,
// activation, stem, head) is required; otherwise absent settings take their value from it.
NetworkSettings read_network_settings(const ObjectReader& object, const NetworkSettings* defaults);
void write_network_settings(Json& object, const NetworkSettings& net);

}  // namespace autospace::nas

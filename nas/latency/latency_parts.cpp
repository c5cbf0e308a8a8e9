#include "nas/latency/latency_parts.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "engine/core/device.h"
#include "engine/nn/latency.h"
#include "nas/latency/latency_key.h"
#include "nas/network/build_network.h"
#include "nas/network/layer.h"

namespace autospace::nas {

namespace {

Shape nhwc(const FeatureShape& s) { return {1, s.height, s.width, s.channels}; }

}  // namespace

// By child name: "stem", "layers.<i>", and the head's children.
std::vector<LatencyPart> network_parts(const Arch& arch, const nn::Sequential& model) {
  std::map<std::string, std::shared_ptr<nn::Module>> children;
  for (const auto& [name, child] : model.named_children()) children[name] = child;
  const auto child = [&](const std::string& name) {
    const auto it = children.find(name);
    AUTOSPACE_CHECK(it != children.end(), "latency parts: the network has no module \"", name, "\"");
    return it->second;
  };
  const std::vector<std::string> keys = network_latency_keys(arch);
  const std::vector<LayerPosition> positions = layer_positions(arch);
  std::vector<LatencyPart> parts;
  const auto stem = child("stem");
  parts.push_back(
      {keys.front(), {1, arch.net.resolution, arch.net.resolution, arch.net.input_channels}, [stem] { return stem; }});
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const auto layer = child("layers." + std::to_string(i));
    parts.push_back({keys[i + 1], nhwc(positions[i].input()), [layer] { return layer; }});
  }
  auto head = std::make_shared<nn::Sequential>();
  for (const char* name : {"head", "pool", "dropout", "classifier"}) head->append(name, child(name));
  const FeatureShape last = positions.empty() ? stem_output(arch.net) : positions.back().output();
  parts.push_back({keys.back(), nhwc(last), [head] { return std::shared_ptr<nn::Module>(head); }});
  return parts;
}

std::vector<LatencyPart> space_parts(const Space& space, std::size_t max_parts) {
  const Backbone& backbone = space.backbone();
  const Arch frame = backbone_frame(backbone);
  const std::vector<LatencyPart> frame_parts = network_parts(frame, *build_network(frame, 0));
  std::vector<LatencyPart> parts(frame_parts.begin(),
                                 frame_parts.begin() + 1 + static_cast<std::ptrdiff_t>(backbone.fixed.size()));
  parts.push_back(frame_parts.back());
  std::unordered_set<std::string> seen;
  for (const LatencyPart& p : parts) seen.insert(p.key);
  CellSettings settings;
  settings.activation = backbone.net.activation;
  settings.batch_norm = backbone.net.batch_norm;
  for (std::size_t l = 0; l < space.layer_count(); ++l) {
    const LayerPosition& position = space.position(l);
    for (const Candidate& c : space.candidates(l)) {
      std::string key = layer_latency_key(c.block, position, backbone.net);
      if (!seen.insert(key).second) continue;
      if (parts.size() == max_parts)
        AUTOSPACE_THROW("the space needs more than ", max_parts, " latency entries (layer ", l, " alone offers ",
                        space.candidates(l).size(), " candidates): latency budgets are for learned and irb spaces");
      parts.push_back({std::move(key), nhwc(position.input()), [block = c.block, position, settings] {
                         return make_layer(block, position, settings, "layer", 0);
                       }});
    }
  }
  return parts;
}

LatencyDevice latency_device(Device device, int threads) {
  return {device.is_cpu() ? "cpu" : "cuda", device.is_cpu() ? threads : 1, device_name(device)};
}

bool measured_on(const LatencyTable& table, Device device) {
  return latency_device(device, table.device().threads) == table.device();
}

std::optional<Device> device_of(const LatencyTable& table) {
  if (table.device().type == "cpu") {
    if (measured_on(table, Device::cpu())) return Device::cpu();
    return std::nullopt;
  }
  for (int i = 0; i < cuda_device_count(); ++i)
    if (measured_on(table, Device::cuda(i))) return Device::cuda(i);
  return std::nullopt;
}

namespace {

LatencyEntry measure(nn::Module& module, const Shape& input, Device device, const LatencyProtocol& protocol) {
  module.to(device);
  nn::LatencyOptions options;
  options.batch_sizes = {protocol.batch};
  options.warmup = protocol.warmup;
  options.runs = protocol.runs;
  const nn::Latency l = nn::measure_latency(module, input, device, options).at(0);
  // A skipped layer's forward returns its input: a few tens of nanoseconds, which a
  // coarse clock may read as 0. The table holds positive times.
  constexpr double kClockFloorMs = 1e-6;
  return {std::max(l.median_ms, kClockFloorMs), std::max(l.min_ms, kClockFloorMs), std::max(l.max_ms, kClockFloorMs)};
}

}  // namespace

LatencyEntry measure_part(const LatencyPart& part, Device device, const LatencyProtocol& protocol) {
  const std::shared_ptr<nn::Module> module = part.module();
  return measure(*module, part.input, device, protocol);
}

LatencyEntry measure_network(nn::Module& model, const Arch& arch, Device device, const LatencyProtocol& protocol) {
  return measure(model, {1, arch.net.resolution, arch.net.resolution, arch.net.input_channels}, device, protocol);
}

std::vector<const LatencyPart*> missing_parts(const LatencyTable& table, const std::string& origin,
                                              const std::vector<LatencyPart>& parts, Device device) {
  std::vector<const LatencyPart*> missing;
  for (const LatencyPart& p : parts)
    if (!table.has(p.key)) missing.push_back(&p);
  const LatencyDevice here = latency_device(device, num_threads());
  if (!missing.empty() && table.device() != here)
    AUTOSPACE_THROW(origin, ": ", missing.size(), " of the space's ", parts.size(),
                    " latency entries are missing, and the table was measured on ", table.device().describe(),
                    ", not here (", here.describe(), "): measure them where the table was made, or start a new table");
  return missing;
}

double sum_of_parts_ms(const LatencyTable& table, const Arch& arch, const std::string& origin) {
  double ms = 0;
  for (const std::string& key : network_latency_keys(arch)) ms += table.at(key, origin).median_ms;
  return ms;
}

double predicted_latency_ms(const LatencyTable& table, const Arch& arch, const std::string& origin) {
  return table.calibration().scale * sum_of_parts_ms(table, arch, origin);
}

}  // namespace autospace::nas

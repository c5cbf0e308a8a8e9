#include "nas/latency/latency_key.h"

#include <charconv>

namespace autospace::nas {

namespace {

std::string at_input(const FeatureShape& in) { return " @ " + to_string(in); }

// A positive decimal integer making up all of `text`.
bool positive_integer(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && value > 0;
}

}  // namespace

std::string stem_latency_key(const NetworkSettings& net) {
  return "stem k" + std::to_string(net.stem.kernel) + " s" + std::to_string(net.stem.stride) + " c" +
         std::to_string(net.stem.channels) + " act " + std::string(to_string(net.activation)) +
         at_input({net.resolution, net.resolution, net.input_channels});
}

std::string layer_latency_key(const Block& block, const LayerPosition& position, const NetworkSettings& net) {
  return "layer " + describe(block) + " act " + std::string(to_string(block_activation(block, net))) + " out " +
         std::to_string(position.out_channels) + " stride " + std::to_string(position.stride) +
         at_input(position.input());
}

std::string head_latency_key(const NetworkSettings& net, const FeatureShape& in) {
  return "head c" + std::to_string(net.head.channels) + " classes " + std::to_string(net.classes) + " act " +
         std::string(to_string(net.activation)) + at_input(in);
}

std::vector<std::string> network_latency_keys(const Arch& arch) {
  std::vector<std::string> keys = {stem_latency_key(arch.net)};
  const std::vector<LayerPosition> positions = layer_positions(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i)
    keys.push_back(layer_latency_key(arch.layers[i].block, positions[i], arch.net));
  keys.push_back(head_latency_key(arch.net, positions.empty() ? stem_output(arch.net) : positions.back().output()));
  return keys;
}

std::vector<std::string> fixed_latency_keys(const Backbone& backbone) {
  const std::vector<std::string> all = network_latency_keys(backbone_frame(backbone));
  std::vector<std::string> keys(all.begin(), all.begin() + 1 + static_cast<std::ptrdiff_t>(backbone.fixed.size()));
  keys.push_back(all.back());
  return keys;
}

std::string latency_key_problem(const std::string& key) {
  const std::size_t space = key.find(' ');
  const std::string kind = key.substr(0, space);
  if (kind != "stem" && kind != "layer" && kind != "head")
    return "a key starts with the part it times: \"stem\", \"layer\" or \"head\"";
  const std::size_t at = key.rfind(" @ ");
  if (space == std::string::npos || at == std::string::npos || at <= space + 1)
    return "a key is \"<part> <description> @ HxWxC\" (the part's input feature map)";
  const std::string shape = key.substr(at + 3);
  const std::size_t x1 = shape.find('x'), x2 = x1 == std::string::npos ? x1 : shape.find('x', x1 + 1);
  if (x2 == std::string::npos || !positive_integer(std::string_view(shape).substr(0, x1)) ||
      !positive_integer(std::string_view(shape).substr(x1 + 1, x2 - x1 - 1)) ||
      !positive_integer(std::string_view(shape).substr(x2 + 1)))
    return "\"" + shape + "\" is not an input feature map HxWxC of positive sizes";
  return "";
}

}  // namespace autospace::nas

#include "nas/arch.h"

#include "kernels/common/check.h"

namespace autospace::nas {

FeatureShape stem_output(const NetworkSettings& net) {
  const int size = conv_output_size(net.resolution, net.stem.kernel, net.stem.stride);
  return {size, size, net.stem.channels};
}

std::vector<LayerPosition> layer_positions(const Arch& arch) {
  std::vector<LayerPosition> positions;
  FeatureShape shape = stem_output(arch.net);
  for (const Layer& layer : arch.layers) {
    const LayerPosition p{layer.in, layer.out, layer.stride, shape.height, shape.width};
    positions.push_back(p);
    shape = p.output();
  }
  return positions;
}

Activation block_activation(const Block& block, const NetworkSettings& net) {
  if (const auto* cell = std::get_if<CellBlock>(&block)) return cell->activation.value_or(net.activation);
  if (const auto* mb = std::get_if<MbConvBlock>(&block)) return mb->activation.value_or(net.activation);
  return net.activation;
}

void check_arch(const Arch& arch, const std::string& layers_path) {
  int channels = arch.net.stem.channels;
  const auto positions = layer_positions(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const std::string path = layers_path + "[" + std::to_string(i) + "]";
    const Layer& layer = arch.layers[i];
    if (layer.in != channels)
      AUTOSPACE_THROW(path, ".in: ", layer.in, " does not match the channels coming in (", channels,
                      i == 0 ? " from the stem)" : " from the previous layer's out)");
    if (const std::string misfit = block_misfit(layer.block, positions[i]); !misfit.empty())
      AUTOSPACE_THROW(path, ".block: ", misfit);
    channels = layer.out;
  }
}

}  // namespace autospace::nas

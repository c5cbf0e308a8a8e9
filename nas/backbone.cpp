#include "nas/backbone.h"

#include "kernels/common/check.h"

namespace autospace::nas {

std::vector<Layer> proxyless_fixed_layers() { return {Layer{32, 16, 1, MbConvBlock{3, 1, 0, std::nullopt}}}; }

Arch backbone_frame(const Backbone& backbone) {
  Arch arch{"", backbone.net, backbone.fixed};
  int channels = backbone.fixed.empty() ? backbone.net.stem.channels : backbone.fixed.back().out;
  for (const Stage& stage : backbone.stages) {
    for (int i = 0; i < stage.depth; ++i) {
      arch.layers.push_back({channels, stage.width, i == 0 ? stage.stride : 1, MbConvBlock{}});
      channels = stage.width;
    }
  }
  return arch;
}

std::vector<LayerPosition> searchable_positions(const Backbone& backbone) {
  const auto all = layer_positions(backbone_frame(backbone));
  return {all.begin() + static_cast<std::ptrdiff_t>(backbone.fixed.size()), all.end()};
}

Arch make_arch(const Backbone& backbone, std::span<const Block> choices, std::string name) {
  Arch arch = backbone_frame(backbone);
  const std::size_t searchable = arch.layers.size() - backbone.fixed.size();
  AUTOSPACE_CHECK(choices.size() == searchable, choices.size(), " blocks for ", searchable, " searchable layers");
  for (std::size_t i = 0; i < searchable; ++i) arch.layers[backbone.fixed.size() + i].block = choices[i];
  arch.name = std::move(name);
  check_arch(arch);
  return arch;
}

void check_backbone(const Backbone& backbone, const std::string& path) {
  check_arch({"", backbone.net, backbone.fixed}, (path.empty() ? "" : path + ".") + "fixed");
}

}  // namespace autospace::nas

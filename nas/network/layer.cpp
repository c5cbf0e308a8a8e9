#include "nas/network/layer.h"

#include "engine/nn/sequential.h"
#include "kernels/common/check.h"

namespace autospace::nas {

CellBlock mbconv_cell(const MbConvBlock& block) {
  Genotype g = reference_genotype();
  g.expansion = block.expansion;
  g.edges[0] = op_dwconv(block.kernel);
  return {g, block.se_ratio, block.activation};
}

std::shared_ptr<nn::Module> make_layer(const Block& block, const LayerPosition& position, CellSettings settings,
                                       const std::string& path, std::uint64_t seed) {
  if (const std::string misfit = block_misfit(block, position); !misfit.empty()) AUTOSPACE_THROW(path, ": ", misfit);
  if (std::holds_alternative<ZeroBlock>(block)) return std::make_shared<nn::Lambda>([](const Tensor& x) { return x; });
  const auto* mb = std::get_if<MbConvBlock>(&block);
  const CellBlock cell = mb ? mbconv_cell(*mb) : std::get<CellBlock>(block);
  settings.activation = cell.activation.value_or(settings.activation);
  settings.se_ratio = cell.se_ratio;
  auto bank = std::make_shared<WeightBank>(path + ".bank", seed, position.in_channels, position.out_channels,
                                           cell.genotype.expansion);
  return std::make_shared<Cell>(cell.genotype, position, settings, std::move(bank), BankUse::owned);
}

}  // namespace autospace::nas

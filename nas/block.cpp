#include "nas/block.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "kernels/common/check.h"

namespace autospace::nas {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {"relu", "relu6", "swish", "hswish"};
  return names;
}

std::string_view to_string(Activation a) { return activation_names()[static_cast<std::size_t>(a)]; }

namespace {

std::string extras(double se_ratio, const std::optional<Activation>& activation) {
  std::ostringstream os;
  if (se_ratio > 0) os << " se" << se_ratio;
  if (activation) os << " " << to_string(*activation);
  return os.str();
}

}  // namespace

std::string describe(const Block& block) {
  if (const auto* cell = std::get_if<CellBlock>(&block))
    return "cell " + to_string(cell->genotype) + extras(cell->se_ratio, cell->activation);
  if (const auto* mb = std::get_if<MbConvBlock>(&block))
    return "mbconv k" + std::to_string(mb->kernel) + " e" + std::to_string(mb->expansion) + extras(mb->se_ratio, mb->activation);
  return "zero";
}

std::string to_string(const FeatureShape& s) {
  return std::to_string(s.height) + "x" + std::to_string(s.width) + "x" + std::to_string(s.channels);
}

int conv_output_size(int size, int kernel, int stride) {
  AUTOSPACE_CHECK(size >= 1 && kernel >= 1 && stride >= 1, "size ", size, " kernel ", kernel, " stride ", stride);
  return (size + 2 * (kernel / 2) - kernel) / stride + 1;
}

FeatureShape LayerPosition::output() const {
  return {conv_output_size(height, 1, stride), conv_output_size(width, 1, stride), out_channels};
}

int squeeze_channels(int in_channels, double se_ratio) {
  // The epsilon keeps products such as 0.29 * 100 = 28.999999999999996 on the integer
  // the author meant.
  return std::max(1, static_cast<int>(std::floor(in_channels * se_ratio + 1e-9)));
}

std::string block_misfit(const Block& block, const LayerPosition& position) {
  if (std::holds_alternative<ZeroBlock>(block) && !position.skippable())
    return "a zero block needs stride 1 and in == out (here stride " + std::to_string(position.stride) + ", " +
           std::to_string(position.in_channels) + " -> " + std::to_string(position.out_channels) + " channels)";
  if (const auto* cell = std::get_if<CellBlock>(&block); cell && !is_valid(cell->genotype))
    return "cell " + to_string(cell->genotype) + " is invalid: n3 is not reachable from n0 through non-zero edges";
  return "";
}

}  // namespace autospace::nas

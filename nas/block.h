#pragma once
// The blocks a network layer can hold (arch.json `block`) and the position a block sits
// at (its input/output channels, stride and input feature-map size).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nas/genotype.h"

namespace autospace::nas {

enum class Activation { relu, relu6, swish, hswish };
// Names as written in JSON, in enum order: relu, relu6, swish, hswish.
const std::vector<std::string>& activation_names();
std::string_view to_string(Activation a);

// A cell of the open space with full connectivity. Squeeze-excite, when se_ratio > 0, sits
// on n3 (Cm channels) before the output conv, as in an MBConv.
struct CellBlock {
  Genotype genotype;
  double se_ratio = 0;                    // 0: no squeeze-excite
  std::optional<Activation> activation;   // absent: the network's
  bool operator==(const CellBlock&) const = default;
};

// Inverted residual: [1x1 expand + BN + act] (skipped when expansion is 1), depthwise kxk
// with the stride + BN + act, [squeeze-excite], 1x1 project + BN; residual when stride 1
// and in == out.
struct MbConvBlock {
  int kernel = 3;
  int expansion = 6;
  double se_ratio = 0;
  std::optional<Activation> activation;
  bool operator==(const MbConvBlock&) const = default;
};

// Skips the layer (output = input); legal only at stride 1 with in == out.
struct ZeroBlock {
  bool operator==(const ZeroBlock&) const = default;
};

using Block = std::variant<CellBlock, MbConvBlock, ZeroBlock>;

inline constexpr int kMaxBlockKernel = 9;
inline constexpr int kMaxBlockExpansion = kMaxExpansion;

// One line: "cell e6:sum:dw3|zero,id|zero,zero,id", "mbconv k5 e6 se0.25 swish", "zero".
std::string describe(const Block& block);

// Height x width x channels of a feature map (NHWC, batch left out).
struct FeatureShape {
  int height = 0;
  int width = 0;
  int channels = 0;
  bool operator==(const FeatureShape&) const = default;
};
std::string to_string(const FeatureShape& s);  // "112x112x32"

// Where a block sits: what it receives and what it must produce.
struct LayerPosition {
  int in_channels = 0;
  int out_channels = 0;
  int stride = 1;
  int height = 0;  // of the input
  int width = 0;
  bool operator==(const LayerPosition&) const = default;
  FeatureShape input() const { return {height, width, in_channels}; }
  FeatureShape output() const;
  // The layer may be skipped (a zero block is legal here).
  bool skippable() const { return stride == 1 && in_channels == out_channels; }
};

// Output size of a convolution (or pooling) with padding kernel/2: ceil(size / stride)
// for odd kernels, so every op of a cell lands on the same grid.
int conv_output_size(int size, int kernel, int stride);

// Squeeze channels of squeeze-excite: the block's input channels times the ratio, rounded
// down, at least 1 (the EfficientNet rule).
int squeeze_channels(int in_channels, double se_ratio);

// Empty when `block` may sit at `position`, else the reason.
std::string block_misfit(const Block& block, const LayerPosition& position);

}  // namespace autospace::nas

#pragma once
// A cell of the open space as an engine module (DESIGN 4.1): I = 1x1 conv + BN + act
// (skipped when e = 1, then n0 = x), the live edges of the canonical genotype (kxk conv or
// depthwise conv + BN + act at width Cm, identity; the edges leaving n0 carry the stride and
// an identity there is a 2x2 average pool), the mix of nodes with several live inputs (sum,
// or concat + 1x1 conv + BN), squeeze-excite on n3 when asked, O = 1x1 conv + BN, and the
// residual add. Every weight lives in a WeightBank, sliced to the cell's width.
#include <array>
#include <memory>
#include <vector>

#include "engine/nn/dropout.h"
#include "nas/arch.h"
#include "nas/network/weight_bank.h"

namespace autospace::nas {

struct CellSettings {
  Activation activation = Activation::relu6;
  BatchNormSettings batch_norm;
  double se_ratio = 0;  // squeeze-excite on n3, squeeze_channels(Cin, se_ratio) wide
  // Adds the input when stride is 1 and Cin = Cout. A gated layer adds the input itself, so
  // its candidates leave this off.
  bool residual = true;
  // Stochastic depth (residual cells only): in training the residual branch of each sample
  // is dropped with this probability and kept ones are scaled by 1 / (1 - p); the mask
  // stream is keyed by (drop_path_seed, the step set by nn::set_rng_step).
  double drop_path = 0;
  std::uint64_t drop_path_seed = 0;
};

// Whether the cell registers the bank as its child "bank" (a standalone network: the
// bank's tensors are the layer's parameters) or only uses it (supernet candidates sharing
// the bank of their layer, which owns it).
enum class BankUse { owned, shared };

class Cell : public nn::Module {
 public:
  // Creates the bank slots the cell needs (report them with bank->take_new_parameters()).
  // Throws for an invalid genotype, a stride other than 1 or 2, a position that does not
  // match the bank, or a width above the bank's.
  Cell(const Genotype& genotype, const LayerPosition& position, const CellSettings& settings,
       std::shared_ptr<WeightBank> bank, BankUse use);
  Tensor forward(const Tensor& x) override;

  const Genotype& genotype() const { return genotype_; }  // canonical
  int width() const { return width_; }
  bool residual() const { return residual_; }

 private:
  struct EdgeStep {
    int from = 0;
    int to = 0;
    Op op;
    int stride = 1;
    BankConvBn weights;  // convolutions only
  };
  struct NodeMix {
    std::vector<Tensor> blocks;  // one [Cm_max, 1, 1, Cm_max] block per live input, in edge order
    BankBatchNorm bn;
  };
  struct SqueezeExcite {
    int channels = 0;
    Tensor reduce_weight, reduce_bias, expand_weight, expand_bias;
  };

  // Convolution (padding k/2) + BN + activation (fused into the BN) over the leading
  // channels of a bank slot.
  Tensor conv_bn(const Tensor& x, const BankConvBn& w, std::int64_t out, int kernel, int stride, bool depthwise,
                 ops::Activation activation) const;
  ops::Activation activation() const;  // the cell's, in the engine's terms
  Tensor act(const Tensor& x) const;
  Tensor run_edge(const EdgeStep& edge, const Tensor& x) const;
  Tensor mix(int node, const std::vector<Tensor>& inputs) const;
  Tensor squeeze_excite(const Tensor& x) const;

  Genotype genotype_;
  LayerPosition position_;
  CellSettings settings_;
  std::shared_ptr<WeightBank> bank_;
  int width_ = 0;
  bool residual_ = false;
  std::array<int, 4> inputs_{};  // live inputs per node
  BankConvBn input_, output_;
  std::vector<EdgeStep> edges_;
  std::vector<NodeMix> mixes_;  // indexed by node, empty for nodes with fewer than two inputs
  SqueezeExcite se_;
  std::shared_ptr<nn::Dropout> drop_path_;
};

}  // namespace autospace::nas

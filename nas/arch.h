#pragma once
// A concrete network (what arch.json describes and autospace-train builds): a stem conv,
// a chain of layers each holding one block, and a head (1x1 conv + BN + act, global
// average pool, dropout, fully connected classifier).
#include <string>
#include <vector>

#include "nas/block.h"

namespace autospace::nas {

struct BatchNormSettings {
  double eps = 1e-5;
  double momentum = 0.1;  // PyTorch convention: weight of the new batch statistics
  bool operator==(const BatchNormSettings&) const = default;
};

// kxk conv with padding k/2 from the input channels + BN + activation.
struct Stem {
  int channels = 32;
  int kernel = 3;
  int stride = 2;
  bool operator==(const Stem&) const = default;
};

struct Head {
  int channels = 1280;
  double dropout = 0.2;  // before the classifier
  bool operator==(const Head&) const = default;
};

// Everything about a network except its layers; the defaults are DESIGN 4.2's
// ProxylessNAS-mobile frame at 224x224 with 1000 classes.
struct NetworkSettings {
  int resolution = 224;
  int input_channels = 3;
  int classes = 1000;
  Activation activation = Activation::relu6;
  BatchNormSettings batch_norm;
  // Residual branches are dropped during training with probability
  // stochastic_depth * i / n for layer i of n (torchvision's EfficientNet rule).
  double stochastic_depth = 0;
  Stem stem;
  Head head;
  bool operator==(const NetworkSettings&) const = default;
};

struct Layer {
  int in = 0;
  int out = 0;
  int stride = 1;
  Block block;
  bool operator==(const Layer&) const = default;
};

struct Arch {
  std::string name;
  NetworkSettings net;
  std::vector<Layer> layers;
  bool operator==(const Arch&) const = default;
};

// Feature map after the stem.
FeatureShape stem_output(const NetworkSettings& net);
// Position of every layer, following the shapes from the stem on.
std::vector<LayerPosition> layer_positions(const Arch& arch);
// The activation a block uses: its own, else the network's.
Activation block_activation(const Block& block, const NetworkSettings& net);

// Throws autospace::Error naming the first inconsistency with a JSON path under
// `layers_path`, e.g. "layers[4].in: 24 does not match the channels coming in (32 ...)".
void check_arch(const Arch& arch, const std::string& layers_path = "layers");

}  // namespace autospace::nas

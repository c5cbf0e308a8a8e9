#pragma once
// The small ResNet-style networks the ranking check trains and ranks.
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/module.h"

namespace autospace::apps {

struct ResNetStage {
  int width = 16, blocks = 1, stride = 1;
};

// stem 3x3 conv + BN + ReLU, stages of nn::ResidualBlock (the first block of a stage
// carries its stride), global average pool, fully connected classifier.
struct ResNetDescription {
  std::string name;
  int stem = 16;
  std::vector<ResNetStage> stages;
};

std::shared_ptr<nn::Module> build_resnet(const ResNetDescription& description, int classes);

}  // namespace autospace::apps

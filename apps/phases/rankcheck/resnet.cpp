#include "apps/phases/rankcheck/resnet.h"

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/residual_block.h"
#include "engine/nn/sequential.h"
#include "engine/ops/activation.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "kernels/common/check.h"

namespace autospace::apps {

std::shared_ptr<nn::Module> build_resnet(const ResNetDescription& d, int classes) {
  AUTOSPACE_CHECK(!d.stages.empty(), "network ", d.name, ": no stages");
  auto net = std::make_shared<nn::Sequential>();
  net->append("stem_conv", std::make_shared<nn::Conv2d>(3, d.stem, 3));
  net->append("stem_bn", std::make_shared<nn::BatchNorm2d>(d.stem, 0.1f, 1e-5f, ops::Activation::relu));
  int channels = d.stem;
  for (std::size_t s = 0; s < d.stages.size(); ++s)
    for (int b = 0; b < d.stages[s].blocks; ++b) {
      const int stride = b == 0 ? d.stages[s].stride : 1;
      net->append("stage" + std::to_string(s) + "_" + std::to_string(b),
                  std::make_shared<nn::ResidualBlock>(channels, d.stages[s].width, stride));
      channels = d.stages[s].width;
    }
  net->append("pool", std::make_shared<nn::Lambda>([](const Tensor& x) {
    return ops::reshape(ops::global_avg_pool(x), {x.dim(0), x.dim(3)});
  }));
  net->append("classifier", std::make_shared<nn::Linear>(channels, classes));
  return net;
}

}  // namespace autospace::apps

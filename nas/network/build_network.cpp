#include "nas/network/build_network.h"

#include "engine/nn/dropout.h"
#include "engine/nn/linear.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "nas/network/conv_bn_act.h"
#include "nas/network/layer.h"

namespace autospace::nas {

std::shared_ptr<nn::Sequential> build_network(const Arch& arch, std::uint64_t seed) {
  check_arch(arch);
  const NetworkSettings& net = arch.net;
  auto model = std::make_shared<nn::Sequential>();
  model->append("stem", std::make_shared<ConvBnAct>(net.input_channels, net.stem.channels, net.stem.kernel,
                                                    net.stem.stride, net.activation, net.batch_norm));
  const auto positions = layer_positions(arch);
  const std::size_t n = arch.layers.size();
  for (std::size_t i = 0; i < n; ++i) {
    CellSettings settings;
    settings.activation = net.activation;
    settings.batch_norm = net.batch_norm;
    settings.drop_path = net.stochastic_depth * static_cast<double>(i) / static_cast<double>(n);
    // Distinct Philox keys give independent streams: the head's dropout uses `seed`.
    settings.drop_path_seed = seed + 1 + i;
    const std::string path = "layers." + std::to_string(i);
    model->append(path, make_layer(arch.layers[i].block, positions[i], settings, path, seed));
  }
  const int last = n == 0 ? net.stem.channels : arch.layers.back().out;
  model->append("head", std::make_shared<ConvBnAct>(last, net.head.channels, 1, 1, net.activation, net.batch_norm));
  model->append("pool", std::make_shared<nn::Lambda>([](const Tensor& x) {
                  return ops::reshape(ops::global_avg_pool(x), {x.dim(0), x.dim(3)});
                }));
  model->append("dropout", std::make_shared<nn::Dropout>(static_cast<float>(net.head.dropout), seed));
  model->append("classifier", std::make_shared<nn::Linear>(net.head.channels, net.classes, true, nn::Init::normal_001));
  model->initialize(seed);
  return model;
}

}  // namespace autospace::nas

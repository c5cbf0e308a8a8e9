#include "nas/supernet/supernet.h"

#include <set>

#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "kernels/common/check.h"
#include "nas/network/layer.h"

namespace autospace::nas {

Supernet::Supernet(const Backbone& backbone, int max_expansion, std::uint64_t seed)
    : backbone_(backbone), positions_(searchable_positions(backbone)) {
  check_backbone(backbone, "backbone");
  const NetworkSettings& net = backbone.net;
  stem_ = add_module("stem", std::make_shared<ConvBnAct>(net.input_channels, net.stem.channels, net.stem.kernel,
                                                          net.stem.stride, net.activation, net.batch_norm));
  const Arch frame = backbone_frame(backbone);
  const std::vector<LayerPosition> all = layer_positions(frame);
  CellSettings settings;
  settings.activation = net.activation;
  settings.batch_norm = net.batch_norm;
  for (std::size_t i = 0; i < backbone.fixed.size(); ++i) {
    const std::string path = "fixed." + std::to_string(i);
    fixed_.push_back(add_module(path, make_layer(backbone.fixed[i].block, all[i], settings, path, seed)));
  }
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    const std::string path = "layers." + std::to_string(i) + ".bank";
    banks_.push_back(add_module(path, std::make_shared<WeightBank>(path, seed, positions_[i].in_channels,
                                                                   positions_[i].out_channels, max_expansion)));
  }
  gates_.resize(positions_.size());
  blocks_.resize(positions_.size());
  const int last = positions_.empty() ? net.stem.channels : positions_.back().out_channels;
  head_ = add_module("head", std::make_shared<ConvBnAct>(last, net.head.channels, 1, 1, net.activation, net.batch_norm));
  classifier_ = add_module("classifier", std::make_shared<nn::Linear>(net.head.channels, net.classes, true, nn::Init::normal_001));
  initialize(seed);
  for (auto& bank : banks_) bank->take_new_parameters();  // initialize() covered the ones so far
}

void Supernet::set_candidates(std::size_t layer, const std::vector<Block>& blocks, const std::vector<float>& logits) {
  AUTOSPACE_CHECK(layer < positions_.size(), "set_candidates: layer ", layer, " of ", positions_.size());
  const LayerPosition& position = positions_[layer];
  CellSettings settings;
  settings.activation = backbone_.net.activation;
  settings.batch_norm = backbone_.net.batch_norm;
  settings.residual = false;  // the gated layer adds the input itself
  std::vector<std::shared_ptr<nn::Module>> candidates;
  for (const Block& block : blocks) {
    if (std::holds_alternative<ZeroBlock>(block)) {
      candidates.push_back(nullptr);
      continue;
    }
    CellBlock cell = std::holds_alternative<MbConvBlock>(block) ? mbconv_cell(std::get<MbConvBlock>(block))
                                                                 : std::get<CellBlock>(block);
    CellSettings s = settings;
    s.se_ratio = cell.se_ratio > 0 ? cell.se_ratio : backbone_.se_ratio;
    if (cell.activation) s.activation = *cell.activation;
    candidates.push_back(std::make_shared<Cell>(cell.genotype, position, s, banks_[layer], BankUse::shared));
  }
  gates_[layer] = std::make_shared<GatedLayer>(candidates, position.skippable(), logits, device_);
  gates_[layer]->train(is_training());
  blocks_[layer] = blocks;
}

std::vector<GatedLayer*> Supernet::gates() {
  std::vector<GatedLayer*> out;
  for (std::size_t l = 0; l < gates_.size(); ++l) {
    AUTOSPACE_CHECK(gates_[l], "supernet layer ", l, " has no candidates yet (set_candidates)");
    out.push_back(gates_[l].get());
  }
  return out;
}

void Supernet::sample(Rng& rng, GatePaths paths) {
  for (auto& g : gates_) g->sample(rng, paths);
}

void Supernet::fix(const std::vector<int>& choice) {
  AUTOSPACE_CHECK(choice.size() == gates_.size(), "fix: ", choice.size(), " choices for ", gates_.size(), " layers");
  for (std::size_t i = 0; i < gates_.size(); ++i) gates_[i]->fix(choice[i]);
}

Tensor Supernet::forward(const Tensor& x) {
  Tensor y = stem_->forward(x);
  for (auto& f : fixed_) y = f->forward(y);
  for (std::size_t i = 0; i < gates_.size(); ++i) {
    AUTOSPACE_CHECK(gates_[i], "supernet layer ", i, " has no candidates yet (set_candidates)");
    y = gates_[i]->forward(y);
  }
  y = head_->forward(y);
  y = ops::reshape(ops::global_avg_pool(y), {y.dim(0), y.dim(3)});
  return classifier_->forward(y);
}

std::vector<NamedTensor> Supernet::logits() const {
  std::vector<NamedTensor> out;
  for (std::size_t i = 0; i < gates_.size(); ++i)
    if (gates_[i]) out.emplace_back("layers." + std::to_string(i) + ".logits", gates_[i]->logits());
  return out;
}

std::vector<NamedTensor> Supernet::take_new_parameters() {
  std::vector<NamedTensor> out;
  for (auto& bank : banks_)
    for (auto& p : bank->take_new_parameters()) out.push_back(std::move(p));
  return out;
}

std::vector<std::string> Supernet::parameter_names() const {
  std::set<std::string> names;
  for (const auto& [name, t] : named_parameters()) names.insert(name);
  return {names.begin(), names.end()};
}

void Supernet::grow_bank_slots(const std::vector<NamedTensor>& state, const std::vector<std::string>& parameter_names) {
  const std::set<std::string> parameters(parameter_names.begin(), parameter_names.end());
  for (const auto& [name, t] : state) {
    for (std::size_t l = 0; l < banks_.size(); ++l) {
      const std::string prefix = "layers." + std::to_string(l) + ".bank.";
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string slot = name.substr(prefix.size());
      if (parameters.count(name)) banks_[l]->parameter(slot, t.shape(), nn::Init::zeros);
      else banks_[l]->buffer(slot, t.shape(), 0.f);
    }
  }
}

void Supernet::on_train_changed() {
  for (auto& g : gates_)
    if (g) g->train(is_training());
}

void Supernet::on_device_changed(Device device) {
  device_ = device;
  for (auto& g : gates_)
    if (g) g->to(device);
}

}  // namespace autospace::nas

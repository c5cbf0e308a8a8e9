#pragma once
// The supernet of phases 1 and 2 (DESIGN 4.2): a backbone's stem and fixed layers, one
// GatedLayer per searchable layer whose candidates are cells (MBConvs are cells too)
// built over that layer's WeightBank, then the head. Regenerating a layer's candidates
// keeps its bank, so new cells inherit the weights of the slots they share.
//
// The gated layers are not children (their candidates' weights are the banks'), so a move
// (Module::to) reaches their logits through on_device_changed, and layers set up later are
// created on the supernet's device.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/linear.h"
#include "nas/backbone.h"
#include "nas/network/cell.h"
#include "nas/network/conv_bn_act.h"
#include "nas/network/weight_bank.h"
#include "nas/supernet/gated_layer.h"

namespace autospace::nas {

class Supernet : public nn::Module {
 public:
  // Banks are sized for cells of up to `max_expansion`. Parameter names: "stem.*",
  // "fixed.<i>.*", "layers.<i>.bank.<slot>", "head.*", "classifier.*".
  Supernet(const Backbone& backbone, int max_expansion, std::uint64_t seed);

  // Replaces searchable layer `layer`'s candidates (a ZeroBlock is the zero candidate)
  // with logits `logits`. New bank slots are reported by take_new_parameters().
  void set_candidates(std::size_t layer, const std::vector<Block>& blocks, const std::vector<float>& logits);

  std::size_t layers() const { return positions_.size(); }
  const LayerPosition& position(std::size_t layer) const { return positions_[layer]; }
  GatedLayer& gate(std::size_t layer) { return *gates_.at(layer); }
  std::vector<GatedLayer*> gates();  // every layer's, in order (an architecture step's)
  WeightBank& bank(std::size_t layer) { return *banks_.at(layer); }
  const std::vector<Block>& candidates(std::size_t layer) const { return blocks_.at(layer); }

  // Samples the pair and active candidate of every searchable layer.
  void sample(Rng& rng, GatePaths paths = GatePaths::both);
  // Every layer runs candidate choice[i] alone (evaluation of one architecture).
  void fix(const std::vector<int>& choice);
  Tensor forward(const Tensor& x) override;

  // The architecture logits of every layer, named "layers.<i>.logits".
  std::vector<NamedTensor> logits() const;
  // Bank parameters created since the last call (for Optimizer::add_parameters).
  std::vector<NamedTensor> take_new_parameters();

  // Checkpoints: the names of all parameters (sorted: the order in which bank slots were
  // grown is not part of a run's state), and, on restore, every bank slot among `state`
  // (a parameter when its name is in `parameter_names`, else a buffer) created with its
  // saved shape, so that nn::load_state finds a home for each saved tensor.
  std::vector<std::string> parameter_names() const;
  void grow_bank_slots(const std::vector<NamedTensor>& state, const std::vector<std::string>& parameter_names);

 protected:
  void on_train_changed() override;
  void on_device_changed(Device device) override;

 private:
  Backbone backbone_;
  std::vector<LayerPosition> positions_;
  std::shared_ptr<ConvBnAct> stem_, head_;
  std::vector<std::shared_ptr<nn::Module>> fixed_;
  std::vector<std::shared_ptr<WeightBank>> banks_;
  std::vector<std::shared_ptr<GatedLayer>> gates_;
  std::vector<std::vector<Block>> blocks_;
  std::shared_ptr<nn::Linear> classifier_;
  Device device_ = Device::cpu();
};

}  // namespace autospace::nas

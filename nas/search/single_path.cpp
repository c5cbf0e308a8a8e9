#include "nas/search/single_path.h"

#include "engine/nn/dropout.h"
#include "kernels/common/check.h"
#include "nas/search/choice_sampling.h"

namespace autospace::nas {

SinglePathSupernet::SinglePathSupernet(const SpaceTable& table, const SinglePathSettings& settings, std::uint64_t seed,
                                       Device device)
    : table_(table), settings_(settings), seed_(seed), device_(device) {
  AUTOSPACE_CHECK(settings.budget.target > 0, "single-path supernet: the budget's target must be positive");
  build();
}

void SinglePathSupernet::build() {
  supernet_ = std::make_unique<Supernet>(table_.backbone(), table_.max_expansion(), seed_);
  supernet_->to(device_);
  active_.assign(table_.layers(), -1);
  weights_ = std::make_unique<optim::SGD>(weight_decay_groups(supernet_->named_parameters(), settings_.weight_decay),
                                          optim::SgdOptions{settings_.momentum, true});
  activate(ArchChoice(table_.layers(), 0));
}

void SinglePathSupernet::activate(const ArchChoice& choice) {
  table_.cost(choice);  // checks the indices
  for (std::size_t l = 0; l < table_.layers(); ++l) {
    if (active_[l] == choice[l]) continue;
    supernet_->set_candidates(l, {table_.block(l, choice[l])}, {0.f});
    active_[l] = choice[l];
  }
  // Slots a new candidate grew join the optimiser with their decay group.
  for (const auto& group : weight_decay_groups(supernet_->take_new_parameters(), settings_.weight_decay))
    weights_->add_parameters(group);
}

StepResult SinglePathSupernet::weight_step(const Tensor& x, const Tensor& labels, float lr) {
  Rng rng({seed_, RngPurpose::architecture_sampling, 0, static_cast<std::uint32_t>(steps_)});
  activate(sample_choice(table_, rng, settings_.budget));
  nn::set_rng_step(*supernet_, 0, parallel_.mask_step(steps_));
  const StepResult r = train_weights(*supernet_, *weights_, guard_, settings_.grad_clip, x, labels, lr, parallel_);
  ++steps_;
  return r;
}

nas::Json SinglePathSupernet::state() const {
  return {{"steps", steps_}, {"skipped_steps", skipped_steps()}, {"parameters", supernet_->parameter_names()}};
}

std::vector<NamedTensor> SinglePathSupernet::tensors() const { return nn::state_of(*supernet_); }

std::vector<NamedTensor> SinglePathSupernet::optimizer_tensors() const { return weights_->state(); }

void SinglePathSupernet::restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
                                 const std::vector<NamedTensor>& optimizer_tensors, const std::string& source) {
  build();
  supernet_->grow_bank_slots(tensors, state.at("parameters").get<std::vector<std::string>>());
  for (const auto& group : weight_decay_groups(supernet_->take_new_parameters(), settings_.weight_decay))
    weights_->add_parameters(group);
  nn::load_state(*supernet_, tensors, source);
  weights_->load_state(optimizer_tensors, source);
  steps_ = state_integer(state.at("steps"), "steps", source);
}

}  // namespace autospace::nas

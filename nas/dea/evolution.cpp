#include "nas/dea/evolution.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <bit>
#include <optional>
#include <set>

#include "engine/nn/buffer_snapshot.h"
#include "engine/nn/dropout.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/cross_entropy.h"
#include "engine/optim/grad_utils.h"
#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

int max_expansion(const CellChoices& choices) {
  return *std::max_element(choices.expansions.begin(), choices.expansions.end());
}

}  // namespace

Evolution::Evolution(const Backbone& backbone, const DeaSettings& settings, std::uint64_t seed,
                     std::int64_t total_steps, Device device)
    : backbone_(backbone), settings_(settings), seed_(seed), device_(device), total_steps_(total_steps) {
  settings_.choices.validate();
  AUTOSPACE_CHECK(settings.population >= settings.supernet_cells && settings.supernet_cells >= 2,
                  "DEA: need population (", settings.population, ") >= supernet_cells (", settings.supernet_cells,
                  ") >= 2");
  AUTOSPACE_CHECK(settings.children >= 0 && settings.children <= settings.supernet_cells, "DEA: children (",
                  settings.children, ") must lie in [0, supernet_cells]");
  AUTOSPACE_CHECK(settings.period >= 1 && total_steps >= 1, "DEA: period and total steps must be positive");
  caps_ = madds_caps(settings.cap, backbone);
  supernet_ = std::make_unique<Supernet>(backbone, max_expansion(settings.choices), seed);
  supernet_->to(device_);  // before the gated layers and bank slots: they are created where it is
  for (std::size_t l = 0; l < supernet_->layers(); ++l) {
    Rng rng({seed, RngPurpose::evolution, 0, static_cast<std::uint32_t>(l)});
    populations_.push_back(Population::random(settings.population, settings.choices, constraint(l, true), rng));
    members_.push_back(populations_[l].supernet_members({}, settings.supernet_cells, rng));
    build_supernet_layer(l);
  }
  supernet_->take_new_parameters();  // all of them are in named_parameters() below
  weights_ = std::make_unique<optim::SGD>(weight_decay_groups(supernet_->named_parameters(), settings.weight_decay),
                                          optim::SgdOptions{settings.momentum_sgd, true});
  reset_score_optimizer();
}

CellConstraint Evolution::constraint(std::size_t layer, bool first_half) const {
  CellConstraint c;
  if (settings_.use_reference && first_half) {
    c.reference = reference_genotype();
    c.delta = settings_.delta;
  }
  if (settings_.cap.kind != CapRule::Kind::none)
    c.madds_cap = MaddsCap{supernet_->position(layer), caps_[layer], backbone_.se_ratio};
  return c;
}

void Evolution::build_supernet_layer(std::size_t layer) {
  std::vector<Block> blocks;
  std::vector<float> logits;
  for (int m : members_[layer]) {
    const Individual& ind = populations_[layer].members()[m];
    blocks.emplace_back(CellBlock{ind.cell, 0, std::nullopt});
    logits.push_back(static_cast<float>(ind.fitness));
  }
  supernet_->set_candidates(layer, blocks, logits);
}

void Evolution::reset_score_optimizer() {
  scores_ = std::make_unique<optim::Adam>(std::vector<optim::ParamGroup>{{supernet_->logits(), 0.f, 1.f}},
                                          optim::AdamOptions{settings_.score_beta1, settings_.score_beta2, 1e-8f});
}

void Evolution::check_populations_agree() const {
  // Per layer, a hash of every member (cell, fitness bits, age, sample count) and of the
  // supernet's candidates: equal on every rank unless some decision differed.
  std::vector<std::int64_t> hashes;
  for (std::size_t l = 0; l < populations_.size(); ++l) {
    std::uint64_t h = 1469598103934665603ull;
    const auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
    for (const Individual& ind : populations_[l].members()) {
      mix(cell_hash(ind.cell));
      mix(std::bit_cast<std::uint64_t>(ind.fitness));
      mix(static_cast<std::uint64_t>(ind.born));
      mix(static_cast<std::uint64_t>(ind.scored));
    }
    for (int m : members_[l]) mix(static_cast<std::uint64_t>(m));
    hashes.push_back(static_cast<std::int64_t>(h));
  }
  const auto layers = static_cast<std::int64_t>(hashes.size());
  dist::Communicator& comm = *parallel_.comm();
  const Tensor all = comm.all_gather(Tensor::from_int64(hashes, {layers}));
  const std::int64_t* a = all.data<std::int64_t>();
  for (std::int64_t l = 0; l < layers; ++l)
    for (int r = 1; r < comm.world(); ++r)
      if (a[r * layers + l] != a[l])
        AUTOSPACE_THROW("DEA: after regeneration round ", round_, " the population of layer ", l, " on rank ", r,
                        " differs from rank 0's (every rank must decide identically from the shared seed and the "
                        "averaged scores)");
}

StepResult Evolution::weight_step(const Tensor& x, const Tensor& labels, float lr) {
  Rng rng({seed_, RngPurpose::architecture_sampling, 0, static_cast<std::uint32_t>(step_)});
  supernet_->sample(rng, GatePaths::active_only);
  nn::set_rng_step(*supernet_, 0, parallel_.mask_step(step_));
  const StepResult r = train_weights(*supernet_, *weights_, guard_, settings_.grad_clip, x, labels, lr, parallel_);
  ++step_;
  return r;
}

StepResult Evolution::score_step(const Tensor& x, const Tensor& labels) {
  supernet_->train();
  Rng rng({seed_, RngPurpose::architecture_sampling, 1, static_cast<std::uint32_t>(score_steps_)});
  supernet_->sample(rng);
  const nn::BufferSnapshot buffers(*supernet_);  // a skipped step must not move the BN statistics
  Tensor logits, loss;
  {
    const auto sync = parallel_.batch_norm_scope();
    logits = supernet_->forward(x);
    loss = ops::softmax_cross_entropy(logits, labels);
    parallel_.backward(loss, supernet_->logits());
  }
  weights_->zero_grad();  // weights learn on the training split only
  std::vector<Tensor> logit_tensors;
  for (const auto& [name, t] : supernet_->logits()) logit_tensors.push_back(t);
  StepResult r = judge_step(logits, labels, loss, optim::grad_norm(logit_tensors), guard_, parallel_);
  // Read here: the score update (Adam, its bias correction counted on the host) and the
  // gates' write-back run on the host's decision. This read also raises the guard's abort.
  if (guard_.read().last_applied) {
    step_gate_logits(supernet_->gates(), *scores_, settings_.score_lr, {settings_.compensation, settings_.compensation_max});
  } else {
    buffers.restore();
  }
  scores_->zero_grad();
  ++score_steps_;
  return r;
}

void Evolution::finish() {
  for (std::size_t l = 0; l < supernet_->layers(); ++l) {
    const std::vector<float>& a = supernet_->gate(l).host_logits();
    for (std::size_t k = 0; k < members_[l].size(); ++k) populations_[l].write_back(members_[l][k], a[k], settings_.momentum);
  }
}

void Evolution::regenerate() {
  finish();  // Eq. 5 for the cells of the supernet that ends here
  ++round_;
  const bool first_half = 2 * step_ < total_steps_;
  for (std::size_t l = 0; l < supernet_->layers(); ++l) {
    Population& pop = populations_[l];
    Rng rng({seed_, RngPurpose::evolution, static_cast<std::uint32_t>(round_), static_cast<std::uint32_t>(l)});
    std::vector<int> children;
    for (int c = 0; c < settings_.children; ++c) {
      const int parent = pop.tournament(settings_.tournament, rng);
      Individual child;
      try {
        child = pop.make_child(parent, settings_.choices, constraint(l, first_half), round_, rng);
      } catch (const Error&) {
        continue;  // this parent has no admissible new child; the round simply has fewer
      }
      children.push_back(pop.replace(child, settings_.replacement, children));
    }
    members_[l] = pop.supernet_members(children, settings_.supernet_cells, rng);
    build_supernet_layer(l);
  }
  for (const auto& group : weight_decay_groups(supernet_->take_new_parameters(), settings_.weight_decay))
    weights_->add_parameters(group);
  reset_score_optimizer();
  if (parallel_.comm()) check_populations_agree();
}

LearnedSpace Evolution::learned_space() const {
  std::vector<std::vector<LearnedCell>> layers;
  for (const Population& pop : populations_) {
    std::vector<LearnedCell> cells;
    for (int i : pop.top(settings_.top_k)) cells.push_back({pop.members()[i].cell, pop.members()[i].fitness});
    layers.push_back(std::move(cells));
  }
  return LearnedSpace(backbone_, std::move(layers), true);
}

Evolution::Stats Evolution::stats() const {
  Stats s;
  std::set<std::uint64_t> distinct;
  double members = 0;
  s.best_fitness = -INFINITY;
  for (std::size_t l = 0; l < populations_.size(); ++l) {
    s.entropy += supernet_->gate(l).entropy() / static_cast<double>(populations_.size());
    for (const Individual& ind : populations_[l].members()) {
      s.best_fitness = std::max(s.best_fitness, ind.fitness);
      s.mean_fitness += ind.fitness;
      distinct.insert(cell_hash(ind.cell));
      ++members;
    }
  }
  if (members > 0) {
    s.mean_fitness /= members;
    s.diversity = static_cast<double>(distinct.size()) / members;
  }
  return s;
}

nas::Json Evolution::state() const {
  nas::Json j;
  j["step"] = step_;
  j["score_steps"] = score_steps_;
  j["round"] = round_;
  j["total_steps"] = total_steps_;
  j["populations"] = nas::Json::array();
  for (std::size_t l = 0; l < populations_.size(); ++l) {
    nas::Json pop = nas::Json::array();
    for (const Individual& ind : populations_[l].members())
      pop.push_back({{"cell", to_string(ind.cell)}, {"fitness", ind.fitness}, {"born", ind.born}, {"scored", ind.scored}});
    GatedLayer& g = supernet_->gate(l);
    std::vector<std::int64_t> sampled;
    for (int k = 0; k < g.candidates(); ++k) sampled.push_back(g.sampled_count(k));
    j["populations"].push_back({{"members", pop},
                                {"supernet", members_[l]},
                                {"logits", g.host_logits()},
                                {"gate_steps", g.steps()},
                                {"gate_sampled", sampled}});
  }
  j["parameters"] = supernet_->parameter_names();
  return j;
}

std::vector<NamedTensor> Evolution::tensors() const { return nn::state_of(*supernet_); }

std::vector<NamedTensor> Evolution::optimizer_tensors() const {
  return joined_optimizer_state({{"weights", weights_.get()}, {"scores", scores_.get()}});
}

void Evolution::restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
                        const std::vector<NamedTensor>& optimizer_tensors, const std::string& source) {
  const std::int64_t total = state_integer(state.at("total_steps"), "total_steps", source);
  AUTOSPACE_CHECK(total == total_steps_, source, ": checkpoint is for ", total, " steps, this run has ", total_steps_);
  const auto& pops = state.at("populations");
  AUTOSPACE_CHECK(pops.size() == populations_.size(), source, ": checkpoint has ", pops.size(), " layers, supernet ",
                  populations_.size());
  step_ = state_integer(state.at("step"), "step", source);
  score_steps_ = state_integer(state.at("score_steps"), "score_steps", source);
  round_ = state_integer(state.at("round"), "round", source);
  supernet_ = std::make_unique<Supernet>(backbone_, max_expansion(settings_.choices), seed_);
  supernet_->to(device_);
  // Recreate every bank slot the run had grown, so the saved state has a home.
  supernet_->grow_bank_slots(tensors, state.at("parameters").get<std::vector<std::string>>());
  for (std::size_t l = 0; l < populations_.size(); ++l) {
    const auto& p = pops[l];
    Population pop;
    for (const auto& m : p.at("members"))
      pop.members().push_back({parse_genotype(m.at("cell").get<std::string>()), m.at("fitness").get<double>(),
                               state_integer(m.at("born"), "born", source), state_integer(m.at("scored"), "scored", source)});
    populations_[l] = std::move(pop);
    members_[l].clear();
    for (std::int64_t m : state_integers(p.at("supernet"), "supernet", source, 0, std::numeric_limits<int>::max()))
      members_[l].push_back(static_cast<int>(m));
    std::vector<Block> blocks;
    for (int m : members_[l]) blocks.emplace_back(CellBlock{populations_[l].members().at(m).cell, 0, std::nullopt});
    supernet_->set_candidates(l, blocks, state_floats(p.at("logits"), "logits", source));
    supernet_->gate(l).set_counts(state_integer(p.at("gate_steps"), "gate_steps", source),
                                  state_integers(p.at("gate_sampled"), "gate_sampled", source));
  }
  supernet_->take_new_parameters();
  nn::load_state(*supernet_, tensors, source);
  weights_ = std::make_unique<optim::SGD>(weight_decay_groups(supernet_->named_parameters(), settings_.weight_decay),
                                          optim::SgdOptions{settings_.momentum_sgd, true});
  reset_score_optimizer();
  load_joined_optimizer_state({{"weights", weights_.get()}, {"scores", scores_.get()}}, optimizer_tensors, source);
}

}  // namespace autospace::nas

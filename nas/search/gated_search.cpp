#include "nas/search/gated_search.h"

#include <cmath>

#include "engine/autograd/node.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/buffer_snapshot.h"
#include "engine/ops/add.h"
#include "engine/ops/cross_entropy.h"
#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

RegularizedLoss cost_regularized_loss(double ce, double expected_cost, const GatedSearchSettings& s, double multiplier) {
  const double target = s.budget.target, centre = s.budget.centre();
  RegularizedLoss r;
  if (s.madds_loss == MaddsLoss::add_linear) {
    r = {ce + s.lambda * (expected_cost - target) / target, 1.0, s.lambda / target};
  } else {
    const double ratio = std::log(expected_cost) / std::log(target);
    const double factor = std::pow(ratio, s.beta);
    r = {ce * factor, factor, ce * s.beta * std::pow(ratio, s.beta - 1) / (expected_cost * std::log(target))};
  }
  r.value += multiplier * (expected_cost - centre) / target;
  r.d_expected_cost += multiplier / target;
  return r;
}

double GatedSearch::held_out_accuracy(const Tensor& logits, const Tensor& labels) const {
  const std::int64_t correct = parallel_.sum(nn::count_topk_correct(logits, labels, 1));
  return static_cast<double>(correct) / static_cast<double>(parallel_.sum(labels.dim(0)));
}

GatedSearch::GatedSearch(const SpaceTable& table, const GatedSearchSettings& settings, std::uint64_t seed,
                         Device device)
    : table_(table), settings_(settings), seed_(seed), device_(device),
      controller_(settings.budget, settings.budget_kp, settings.budget_ki) {
  AUTOSPACE_CHECK(settings.budget.target > 0 && std::log(settings.budget.target) > 0,
                  "gated search: the budget's target must be larger than 1");
  build();
}

void GatedSearch::build() {
  supernet_ = std::make_unique<Supernet>(table_.backbone(), table_.max_expansion(), seed_);
  supernet_->to(device_);  // before the gated layers and bank slots: they are created where it is
  for (std::size_t l = 0; l < table_.layers(); ++l)
    supernet_->set_candidates(l, table_.blocks(l), std::vector<float>(table_.size(l), 0.f));
  supernet_->take_new_parameters();  // all of them are in named_parameters() below
  weights_ = std::make_unique<optim::SGD>(weight_decay_groups(supernet_->named_parameters(), settings_.weight_decay),
                                          optim::SgdOptions{settings_.momentum, true});
  arch_ = std::make_unique<optim::Adam>(std::vector<optim::ParamGroup>{{supernet_->logits(), 0.f, 1.f}},
                                        optim::AdamOptions{settings_.arch_beta1, settings_.arch_beta2, 1e-8f});
}

std::vector<Tensor> GatedSearch::logit_tensors() const {
  std::vector<Tensor> out;
  for (const auto& [name, t] : supernet_->logits()) out.push_back(t);
  return out;
}

ArchChoice GatedSearch::draw_path(Rng& rng) const {
  ArchChoice path;
  for (const auto& p : probabilities()) {
    double u = rng.uniform_double();
    int k = 0;
    while (k + 1 < static_cast<int>(p.size()) && u >= p[k]) u -= p[k++];
    path.push_back(k);
  }
  return path;
}

StepResult GatedSearch::weight_step(const Tensor& x, const Tensor& labels, float lr) {
  Rng rng({seed_, RngPurpose::architecture_sampling, 0, static_cast<std::uint32_t>(weight_steps_)});
  // Gradient search trains the pair-sampled active path (what its gates see); REINFORCE
  // trains paths drawn from p, the distribution its reward is taken under.
  if (settings_.method == GatedMethod::gradient) supernet_->sample(rng, GatePaths::active_only);
  else supernet_->fix(draw_path(rng));
  nn::set_rng_step(*supernet_, 0, parallel_.mask_step(weight_steps_));
  const StepResult r = train_weights(*supernet_, *weights_, guard_, settings_.grad_clip, x, labels, lr, parallel_);
  ++weight_steps_;
  return r;
}

ArchStepResult GatedSearch::arch_step(const Tensor& x, const Tensor& labels) {
  ArchStepResult r = settings_.method == GatedMethod::gradient ? gradient_step(x, labels) : reinforce_step(x, labels);
  arch_->zero_grad();
  weights_->zero_grad();  // weights learn on the training split only
  ++arch_steps_;
  return r;
}

ArchStepResult GatedSearch::gradient_step(const Tensor& x, const Tensor& labels) {
  supernet_->train();
  Rng rng({seed_, RngPurpose::architecture_sampling, 1, static_cast<std::uint32_t>(arch_steps_)});
  supernet_->sample(rng, GatePaths::both);
  const nn::BufferSnapshot buffers(*supernet_);  // a skipped step must not move the BN statistics
  ArchStepResult r;
  Tensor ce;
  {
    const auto sync = parallel_.batch_norm_scope();
    const Tensor logits = supernet_->forward(x);
    ce = ops::softmax_cross_entropy(logits, labels);
    r.loss = parallel_.mean(ce.item());
    r.accuracy = held_out_accuracy(logits, labels);
  }
  const ExpectedNetworkCost e = expected();
  r.expected_cost = e.value;
  // The CE gradient reaches a through the binary gates, scaled by d_ce; the regulariser's
  // own term, d_expected_cost * dE/da, is added by hand.
  r.multiplier = multiplier();
  const RegularizedLoss loss = cost_regularized_loss(r.loss, e.value, settings_, r.multiplier);
  {
    const auto sync = parallel_.batch_norm_scope();
    ce.backward(Tensor::full(ce.shape(), static_cast<float>(loss.d_ce), ce.device()));
  }
  parallel_.average_gradients(supernet_->logits());
  const double coefficient = loss.d_expected_cost;
  const std::vector<GatedLayer*> gates = supernet_->gates();
  // A gate without a CE gradient (no pair reached it) gets 0 + the term, as a sum would:
  // -0 becomes +0.
  std::vector<std::vector<float>> cost_terms(gates.size());
  for (std::size_t l = 0; l < gates.size(); ++l) {
    const float base = gates[l]->logits().grad().defined() ? -0.f : 0.f;  // x + -0 is x, bit for bit
    for (const double d : e.d_logits[l]) cost_terms[l].push_back(base + static_cast<float>(coefficient * d));
  }
  const std::vector<Tensor> uploaded = upload_per_gate(gates, cost_terms);
  for (std::size_t l = 0; l < gates.size(); ++l) {
    const Tensor& t = gates[l]->logits();
    t.set_grad(t.grad().defined() ? ops::add(t.grad(), uploaded[l]) : uploaded[l].clone());
  }
  r.applied = guard_.accept(r.loss, optim::grad_norm(logit_tensors()));
  if (r.applied) {
    step_gate_logits(gates, *arch_, settings_.arch_lr, {false, 1.f});
    controller_.observe(r.expected_cost);
  } else {
    buffers.restore();
  }
  return r;
}

ArchStepResult GatedSearch::reinforce_step(const Tensor& x, const Tensor& labels) {
  supernet_->train();  // batch statistics: the supernet's running ones belong to no single path
  Rng rng({seed_, RngPurpose::architecture_sampling, 1, static_cast<std::uint32_t>(arch_steps_)});
  const ArchChoice path = draw_path(rng);
  const std::vector<std::vector<double>> p = probabilities();
  supernet_->fix(path);
  const nn::BufferSnapshot buffers(*supernet_);  // a skipped step must not move the BN statistics
  ArchStepResult r;
  {
    NoGradGuard no_grad;
    const auto sync = parallel_.batch_norm_scope();
    const Tensor logits = supernet_->forward(x);
    r.loss = parallel_.mean(ops::softmax_cross_entropy(logits, labels).item());
    r.accuracy = held_out_accuracy(logits, labels);  // the same on every rank, and so is the reward
  }
  r.expected_cost = expected_cost();
  const auto cost = static_cast<double>(cost_value(table_.cost(path), settings_.budget.kind));
  r.multiplier = multiplier();
  r.reward = r.accuracy * std::pow(settings_.budget.target / cost, settings_.reward_exponent) -
             r.multiplier * (cost - settings_.budget.centre()) / settings_.budget.target;
  const double advantage = r.reward - baseline_.value_or(r.reward);
  const std::vector<GatedLayer*> gates = supernet_->gates();
  std::vector<std::vector<float>> gradients(gates.size());
  for (std::size_t l = 0; l < gates.size(); ++l)
    for (std::size_t k = 0; k < p[l].size(); ++k)
      gradients[l].push_back(static_cast<float>(-advantage * ((static_cast<int>(k) == path[l] ? 1.0 : 0.0) - p[l][k])));
  const std::vector<Tensor> uploaded = upload_per_gate(gates, gradients);
  for (std::size_t l = 0; l < gates.size(); ++l) gates[l]->logits().set_grad(uploaded[l].clone());
  r.applied = guard_.accept(r.loss, optim::grad_norm(logit_tensors()));
  if (r.applied) {
    arch_->step(settings_.arch_lr);
    logits_changed(gates);
    baseline_ = baseline_ ? settings_.baseline_decay * *baseline_ + (1 - settings_.baseline_decay) * r.reward : r.reward;
    controller_.observe(r.expected_cost);
  } else {
    buffers.restore();
  }
  return r;
}

std::vector<std::vector<double>> GatedSearch::probabilities() const {
  std::vector<std::vector<double>> p;
  for (std::size_t l = 0; l < supernet_->layers(); ++l) p.push_back(supernet_->gate(l).probabilities());
  return p;
}

ArchChoice GatedSearch::argmax() const {
  ArchChoice choice;
  for (std::size_t l = 0; l < supernet_->layers(); ++l) choice.push_back(supernet_->gate(l).argmax());
  return choice;
}

std::optional<BudgetExport> GatedSearch::budget_export() const {
  return most_probable_within(probabilities(), table_, settings_.budget);
}

ExpectedNetworkCost GatedSearch::expected() const {
  const CostKind kind = settings_.budget.kind;
  std::vector<std::vector<double>> a;
  for (std::size_t l = 0; l < table_.layers(); ++l) a.push_back(to_double(supernet_->gate(l).host_logits()));
  return expected_network_cost(static_cast<double>(cost_value(table_.fixed_cost(), kind)), a, table_.cost_values(kind));
}


double GatedSearch::expected_cost() const { return expected().value; }

std::vector<double> GatedSearch::entropies() const {
  std::vector<double> h;
  for (std::size_t l = 0; l < supernet_->layers(); ++l) h.push_back(supernet_->gate(l).entropy());
  return h;
}

double GatedSearch::mean_entropy() const {
  const std::vector<double> h = entropies();
  double sum = 0;
  for (double v : h) sum += v;
  return h.empty() ? 0.0 : sum / static_cast<double>(h.size());
}

nas::Json GatedSearch::state() const {
  nas::Json j = {{"weight_steps", weight_steps_}, {"arch_steps", arch_steps_},
                 {"skipped_steps", skipped_steps()}, {"baseline", baseline_ ? nas::Json(*baseline_) : nas::Json()},
                 {"budget_controller", controller_.state()}};
  j["logits"] = nas::Json::array();
  for (std::size_t l = 0; l < supernet_->layers(); ++l) j["logits"].push_back(supernet_->gate(l).host_logits());
  return j;
}

std::vector<NamedTensor> GatedSearch::tensors() const { return nn::state_of(*supernet_); }

std::vector<NamedTensor> GatedSearch::optimizer_tensors() const {
  return joined_optimizer_state({{"weights", weights_.get()}, {"arch", arch_.get()}});
}

void GatedSearch::restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
                          const std::vector<NamedTensor>& optimizer_tensors, const std::string& source) {
  const auto& logits = state.at("logits");
  AUTOSPACE_CHECK(logits.size() == table_.layers(), source, ": checkpoint has ", logits.size(), " layers, the space ",
                  table_.layers());
  build();
  for (std::size_t l = 0; l < table_.layers(); ++l) {
    const std::vector<float> a = state_floats(logits[l], json_index("logits", l), source);
    AUTOSPACE_CHECK(static_cast<int>(a.size()) == table_.size(l), source, ": layer ", l, " has ", a.size(),
                    " logits, the space ", table_.size(l), " candidates");
    supernet_->gate(l).set_logits(a);
  }
  nn::load_state(*supernet_, tensors, source);
  load_joined_optimizer_state({{"weights", weights_.get()}, {"arch", arch_.get()}}, optimizer_tensors, source);
  weight_steps_ = state_integer(state.at("weight_steps"), "weight_steps", source);
  arch_steps_ = state_integer(state.at("arch_steps"), "arch_steps", source);
  baseline_.reset();
  if (!state.at("baseline").is_null()) baseline_ = state.at("baseline").get<double>();
  // Absent in checkpoints written before the controller existed: it starts afresh.
  controller_ = BudgetController(settings_.budget, settings_.budget_kp, settings_.budget_ki);
  if (state.contains("budget_controller")) controller_.restore(state.at("budget_controller"));
}

}  // namespace autospace::nas

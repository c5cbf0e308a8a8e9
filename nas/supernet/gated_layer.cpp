#include "nas/supernet/gated_layer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/autograd/node.h"
#include "engine/ops/add.h"
#include "engine/ops/concat.h"
#include "kernels/common/check.h"

namespace autospace::nas {

GatedLayer::GatedLayer(std::vector<std::shared_ptr<nn::Module>> candidates, bool residual,
                       const std::vector<float>& logits, Device device)
    : candidates_(std::move(candidates)), residual_(residual), host_(logits), sampled_(candidates_.size(), 0) {
  AUTOSPACE_CHECK(!candidates_.empty(), "GatedLayer: no candidates");
  AUTOSPACE_CHECK(logits.size() == candidates_.size(), "GatedLayer: ", logits.size(), " logits for ",
                  candidates_.size(), " candidates");
  int zeros = 0;
  for (std::size_t k = 0; k < candidates_.size(); ++k) {
    if (candidates_[k]) add_module("candidates." + std::to_string(k), candidates_[k]);
    else ++zeros;
  }
  AUTOSPACE_CHECK(zeros == 0 || residual_, "GatedLayer: a zero candidate needs a residual layer (stride 1, Cin = Cout)");
  // Equal logits (every search's start, and spos's one-candidate layers, rebuilt at every
  // step) are a fill on the device rather than a copy from the host, which on a GPU would
  // wait for the queued work.
  const Shape shape{static_cast<std::int64_t>(logits.size())};
  // Bitwise, as the mirror check compares: -0 and +0 differ, a NaN takes the copy.
  const bool equal = std::all_of(logits.begin(), logits.end(),
                                 [&](float v) { return std::memcmp(&v, logits.data(), sizeof v) == 0; });
  logits_ = equal ? Tensor::full(shape, logits[0], device) : Tensor::from_vector(logits, shape).to(device);
  logits_.set_requires_grad(true).set_name("logits");
}

const std::vector<float>& GatedLayer::host_logits() const {
  // Bitwise, so that a NaN logit compares equal to its copy.
  AUTOSPACE_CHECK(!logits_.device().is_cpu() ||
                      std::memcmp(host_.data(), logits_.data<float>(), host_.size() * sizeof(float)) == 0,
                  "GatedLayer: the logits changed without nas::logits_changed or set_logits; the host copy is stale");
  return host_;
}

void GatedLayer::set_logits(const std::vector<float>& values) { nas::set_logits({this}, {values}); }

std::vector<double> GatedLayer::probabilities() const {
  const float* a = host_logits().data();
  const int m = candidates();
  const double top = *std::max_element(a, a + m);
  std::vector<double> p(m);
  double sum = 0;
  for (int k = 0; k < m; ++k) sum += p[k] = std::exp(a[k] - top);
  for (double& v : p) v /= sum;
  return p;
}

double GatedLayer::entropy() const {
  double h = 0;
  for (double p : probabilities())
    if (p > 0) h -= p * std::log(p);
  return h;
}

int GatedLayer::argmax() const {
  const float* a = host_logits().data();
  return static_cast<int>(std::max_element(a, a + candidates()) - a);
}

void GatedLayer::sample(Rng& rng, GatePaths paths) {
  fixed_ = -1;
  paths_ = paths;
  ++steps_;
  const int m = candidates();
  if (m == 1) {
    pair_ = {0, 0, true};
    sampled_once_ = true;
    ++sampled_[0];
    return;
  }
  std::vector<double> p = probabilities();
  auto draw = [&](const std::vector<double>& w) {
    double total = 0;
    for (double v : w) total += v;
    double u = rng.uniform_double() * total;
    for (int k = 0; k < m; ++k) {
      if (w[k] <= 0) continue;
      if (u < w[k]) return k;
      u -= w[k];
    }
    for (int k = m - 1; k >= 0; --k)  // rounding left u at the top end
      if (w[k] > 0) return k;
    return 0;
  };
  const int first = draw(p);
  std::vector<double> rest = p;
  rest[first] = 0;
  const int second = draw(rest);
  const bool first_active = rng.uniform_double() * (p[first] + p[second]) < p[first];
  pair_ = {first, second, first_active};
  sampled_once_ = true;
  ++sampled_[first];
  ++sampled_[second];
}

void GatedLayer::fix(int k) {
  AUTOSPACE_CHECK(k >= 0 && k < candidates(), "GatedLayer::fix(", k, ") with ", candidates(), " candidates");
  fixed_ = k;
}

Tensor GatedLayer::run(int k, const Tensor& x) {
  return candidates_[k] ? candidates_[k]->forward(x) : Tensor();
}

Tensor GatedLayer::forward(const Tensor& x) {
  Tensor branch;
  if (fixed_ >= 0 || candidates() == 1) {
    branch = run(fixed_ >= 0 ? fixed_ : 0, x);
  } else if (paths_ == GatePaths::active_only) {
    AUTOSPACE_CHECK(sampled_once_, "GatedLayer: call sample() before a training forward");
    branch = run(active(), x);
  } else {
    AUTOSPACE_CHECK(sampled_once_, "GatedLayer: call sample() before a training forward");
    const int active_k = active();
    const int inactive_k = pair_.first_active ? pair_.second : pair_.first;
    Tensor active_out = run(active_k, x);
    Tensor inactive_out;
    {
      NoGradGuard no_grad;
      inactive_out = run(inactive_k, x);
    }
    // A zero candidate's output is zero, shaped like its partner's (a zero block only exists
    // where input and output shapes agree).
    if (!active_out.defined()) active_out = Tensor::zeros(inactive_out.shape(), x.dtype(), x.device());
    if (!inactive_out.defined()) inactive_out = Tensor::zeros(active_out.shape(), x.dtype(), x.device());
    branch = ops::binary_gate(active_out, inactive_out, logits_, pair_);
  }
  if (!branch.defined()) return x;  // the zero block alone: the layer is skipped
  return residual_ ? ops::add(x, branch) : branch;
}

void GatedLayer::set_counts(std::int64_t steps, std::vector<std::int64_t> sampled) {
  AUTOSPACE_CHECK(sampled.size() == candidates_.size(), "set_counts: ", sampled.size(), " counts for ",
                  candidates_.size(), " candidates");
  steps_ = steps;
  sampled_ = std::move(sampled);
}

float GatedLayer::compensation(int k, float s_max) const {
  const double t = static_cast<double>(steps_);
  const double tc = static_cast<double>(std::max<std::int64_t>(1, sampled_[k]));
  return static_cast<float>(std::min<double>(s_max, t / tc));
}

std::array<float, 2> GatedLayer::pair_logits() const {
  const float* a = host_logits().data();
  return {a[pair_.first], a[pair_.second]};
}

std::vector<float> GatedLayer::finished_logits(const std::array<float, 2>& before,
                                               const std::array<float, 2>& scale) const {
  std::vector<float> a = host_logits();
  if (candidates() == 1) return a;
  const int idx[2] = {pair_.first, pair_.second};
  double updated[2];
  for (int i = 0; i < 2; ++i) updated[i] = before[i] + scale[i] * (static_cast<double>(a[idx[i]]) - before[i]);
  // log(sum exp(new) / sum exp(old)), computed stably.
  const double top_new = std::max(updated[0], updated[1]);
  const double top_old = std::max<double>(before[0], before[1]);
  const double lse_new = top_new + std::log(std::exp(updated[0] - top_new) + std::exp(updated[1] - top_new));
  const double lse_old = top_old + std::log(std::exp(before[0] - top_old) + std::exp(before[1] - top_old));
  const double offset = lse_new - lse_old;
  for (int i = 0; i < 2; ++i) a[idx[i]] = static_cast<float>(updated[i] - offset);
  return a;
}

void logits_changed(const std::vector<GatedLayer*>& gates) {
  std::vector<Tensor> tensors;
  for (const GatedLayer* g : gates) tensors.push_back(g->logits_);
  std::vector<std::vector<float>> values = ops::values_on_host(tensors);
  for (std::size_t l = 0; l < gates.size(); ++l) gates[l]->host_ = std::move(values[l]);
}

std::vector<Tensor> upload_per_gate(const std::vector<GatedLayer*>& gates, const std::vector<std::vector<float>>& values) {
  AUTOSPACE_CHECK(values.size() == gates.size(), "upload_per_gate: ", values.size(), " value lists for ", gates.size(),
                  " gates");
  if (gates.empty()) return {};
  std::vector<float> all;
  for (std::size_t l = 0; l < gates.size(); ++l) {
    AUTOSPACE_CHECK(static_cast<std::int64_t>(values[l].size()) == gates[l]->logits().numel(), "upload_per_gate: gate ",
                    l, " has ", gates[l]->logits().numel(), " logits, given ", values[l].size(), " values");
    AUTOSPACE_CHECK(gates[l]->logits().device() == gates[0]->logits().device(), "upload_per_gate: gate ", l, " is on ",
                    gates[l]->logits().device().str(), ", gate 0 on ", gates[0]->logits().device().str());
    all.insert(all.end(), values[l].begin(), values[l].end());
  }
  const Tensor flat =
      Tensor::from_vector(all, {static_cast<std::int64_t>(all.size())}).to(gates[0]->logits().device());
  std::vector<Tensor> out;
  std::int64_t at = 0;
  for (const std::vector<float>& v : values) {
    const auto m = static_cast<std::int64_t>(v.size());
    out.push_back(flat.narrow0(at, at + m));
    at += m;
  }
  return out;
}

void set_logits(const std::vector<GatedLayer*>& gates, const std::vector<std::vector<float>>& values) {
  const std::vector<Tensor> uploaded = upload_per_gate(gates, values);
  for (std::size_t l = 0; l < gates.size(); ++l) {
    gates[l]->logits_.copy_from(uploaded[l]);
    gates[l]->host_ = values[l];
  }
}

void step_gate_logits(const std::vector<GatedLayer*>& gates, optim::Optimizer& optimizer, float lr,
                      const GateUpdate& update) {
  std::vector<std::array<float, 2>> before;
  for (const GatedLayer* g : gates) before.push_back(g->pair_logits());
  optimizer.step(lr);
  logits_changed(gates);
  std::vector<std::vector<float>> finished;
  for (std::size_t l = 0; l < gates.size(); ++l) {
    const GatedLayer& g = *gates[l];
    std::array<float, 2> scale{1.f, 1.f};
    if (update.compensation)
      scale = {g.compensation(g.pair().first, update.compensation_max),
               g.compensation(g.pair().second, update.compensation_max)};
    finished.push_back(g.finished_logits(before[l], scale));
  }
  set_logits(gates, finished);
}

}  // namespace autospace::nas

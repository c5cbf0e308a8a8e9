#include "engine/nn/module.h"

#include <cmath>
#include <map>
#include <set>

#include "engine/rng/rng.h"
#include "kernels/common/check.h"

namespace autospace::nn {

namespace {
std::uint32_t name_hash(const std::string& s) {  // FNV-1a: stable across platforms and runs
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}
}  // namespace

Tensor Module::register_parameter(const std::string& name, const Shape& shape, Init init) {
  Tensor t = Tensor::zeros(shape);
  t.set_requires_grad(true).set_name(name);
  params_.push_back({name, t, init});
  return t;
}

Tensor Module::register_buffer(const std::string& name, const Shape& shape, float initial) {
  Tensor t = Tensor::full(shape, initial);
  t.set_name(name);
  buffers_.push_back({name, {t, initial}});
  return t;
}

void Module::collect(const std::string& prefix, std::vector<NamedTensor>& out, bool buffers) const {
  if (buffers) {
    for (const auto& b : buffers_) out.emplace_back(prefix + b.name, b.slot.tensor);
  } else {
    for (const auto& p : params_) out.emplace_back(prefix + p.name, p.tensor);
  }
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out, buffers);
}

std::vector<NamedTensor> Module::named_parameters() const {
  std::vector<NamedTensor> out;
  collect("", out, false);
  return out;
}

std::vector<NamedTensor> Module::named_buffers() const {
  std::vector<NamedTensor> out;
  collect("", out, true);
  return out;
}

void Module::collect_slots(std::vector<BufferSlot>& out) const {
  for (const auto& b : buffers_) out.push_back(b.slot);
  for (const auto& [name, child] : children_) child->collect_slots(out);
}

std::vector<BufferSlot> Module::buffer_slots() const {
  std::vector<BufferSlot> out;
  collect_slots(out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

void Module::to(Device device) {
  for (const auto& [name, t] : state_of(*this)) t.move_to(device);
  tell_device(device);
}

void Module::tell_device(Device device) {
  on_device_changed(device);
  for (auto& [name, child] : children_) child->tell_device(device);
}

void Module::train(bool on) {
  training_ = on;
  on_train_changed();
  for (auto& [name, child] : children_) child->train(on);
}

void Module::collect_inits(const std::string& prefix, std::vector<std::pair<std::string, const Param*>>& out) const {
  for (const auto& p : params_) out.emplace_back(prefix + p.name, &p);
  for (const auto& [name, child] : children_) child->collect_inits(prefix + name + ".", out);
}

void initialize_parameter(const Tensor& t, Init init, std::uint64_t seed, const std::string& full_name) {
  const RngKey key{seed, RngPurpose::weight_init, 0, name_hash(full_name)};
  Tensor values;
  switch (init) {
    case Init::zeros: values = Tensor::zeros(t.shape()); break;
    case Init::ones: values = Tensor::ones(t.shape()); break;
    case Init::kaiming_normal_fan_out: {
      const double fan_out = static_cast<double>(t.numel()) / static_cast<double>(t.dim(-1));
      values = random_normal(t.shape(), key, 0.f, static_cast<float>(std::sqrt(2.0 / fan_out)));
      break;
    }
    case Init::linear_uniform: {
      const float bound = 1.f / std::sqrt(static_cast<float>(t.dim(-1)));
      values = random_uniform(t.shape(), key, -bound, bound);
      break;
    }
    case Init::normal_001: values = random_normal(t.shape(), key, 0.f, 0.01f); break;
  }
  t.copy_from(values.to(t.device()));
}

void Module::initialize(std::uint64_t seed) {
  std::vector<std::pair<std::string, const Param*>> all;
  collect_inits("", all);
  for (const auto& [full_name, p] : all) initialize_parameter(p->tensor, p->init, seed, full_name);
}

DecayGroups split_weight_decay(const std::vector<NamedTensor>& params) {
  DecayGroups g;
  for (const auto& p : params) (p.second.ndim() >= 2 ? g.decay : g.no_decay).push_back(p);
  return g;
}

std::vector<NamedTensor> state_of(const Module& module) {
  std::vector<NamedTensor> out = module.named_parameters();
  for (auto& b : module.named_buffers()) out.push_back(b);
  return out;
}

void load_state(Module& module, const std::vector<NamedTensor>& state, const std::string& source) {
  std::map<std::string, Tensor> given(state.begin(), state.end());
  const std::vector<NamedTensor> targets = state_of(module);
  // Validate everything before copying anything, so a bad file leaves the model untouched.
  std::string problems;
  for (const auto& [name, t] : targets) {
    auto it = given.find(name);
    if (it == given.end()) {
      problems += "\n  missing: " + name;
    } else if (it->second.shape() != t.shape() || it->second.dtype() != t.dtype()) {
      problems += "\n  " + name + ": file has " + shape_str(it->second.shape()) + " " + dtype_name(it->second.dtype()) +
                  ", model has " + shape_str(t.shape()) + " " + dtype_name(t.dtype());
    }
  }
  std::set<std::string> expected;
  for (const auto& target : targets) expected.insert(target.first);
  for (const auto& [name, t] : given)
    if (!expected.count(name)) problems += "\n  unexpected: " + name;
  if (!problems.empty()) AUTOSPACE_THROW(source, ": state does not match the model:", problems);
  for (const auto& [name, t] : targets) t.copy_from(given.at(name));
}

}  // namespace autospace::nn

#include "engine/optim/optimizer.h"

#include <map>

#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "engine/optim/update_kernels.h"
#include "kernels/common/check.h"
#include "kernels/cpu/optimizer_update.h"
#include "kernels/cuda/optimizer_update.h"

namespace autospace::optim {

namespace {

const ops::KernelTable<decltype(kernels::cpu::adam_update_many)> kAdamUpdateMany{
    "adam_update_many", {AUTOSPACE_F32_KERNELS(adam_update_many)}};

}  // namespace

Optimizer::Optimizer(std::vector<ParamGroup> groups) {
  for (const auto& g : groups) add_parameters(g);
}

void Optimizer::add_parameters(const ParamGroup& group) {
  for (const auto& [name, p] : group.params) {
    AUTOSPACE_CHECK(p.dtype() == DType::f32 && p.requires_grad(), "optimiser parameter \"", name,
                    "\" must be an f32 tensor that requires a gradient");
    if (known_.insert(p.impl()).second) entries_.push_back({name, p, group.weight_decay, group.lr_scale, {}, 0});
  }
}

void Optimizer::step(float lr, const Tensor& gate) {
  if (gate.defined())
    AUTOSPACE_CHECK(gate.dtype() == DType::f32 && gate.numel() == 1, "optimiser step: the gate must be f32 [1], got ",
                    dtype_name(gate.dtype()), " ", shape_str(gate.shape()));
  std::vector<Entry*> ready;
  for (Entry& e : entries_) {
    const Tensor& g = e.param.grad();
    if (!g.defined()) continue;
    if (e.slots.empty())
      for (std::size_t i = 0; i < slot_names().size(); ++i)
        e.slots.push_back(Tensor::zeros(e.param.shape(), DType::f32, e.param.device()));
    ++e.updates;
    ready.push_back(&e);
  }
  update(ready, lr, gate);
}

void Optimizer::zero_grad() {
  for (Entry& e : entries_) e.param.clear_grad();
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const Entry& e : entries_) out.push_back(e.param);
  return out;
}

std::vector<NamedTensor> Optimizer::state() const {
  std::vector<NamedTensor> out;
  const auto names = slot_names();
  for (const Entry& e : entries_) {
    if (e.slots.empty()) continue;  // never updated: nothing to store
    for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(e.name + "." + names[i], e.slots[i]);
    out.emplace_back(e.name + ".updates", Tensor::from_int64(std::vector<std::int64_t>{e.updates}, {1}));
  }
  return out;
}

void Optimizer::load_state(const std::vector<NamedTensor>& state, const std::string& source) {
  std::map<std::string, Tensor> given(state.begin(), state.end());
  const auto names = slot_names();
  for (Entry& e : entries_) {
    auto counter = given.find(e.name + ".updates");
    if (counter == given.end()) {
      e.slots.clear();
      e.updates = 0;
      continue;
    }
    std::vector<Tensor> slots;
    for (const auto& slot : names) {
      auto it = given.find(e.name + "." + slot);
      if (it == given.end()) AUTOSPACE_THROW(source, ": optimiser state for \"", e.name, "\" lacks ", slot);
      if (it->second.shape() != e.param.shape())
        AUTOSPACE_THROW(source, ": optimiser state ", it->first, " has shape ", shape_str(it->second.shape()),
                        ", parameter has ", shape_str(e.param.shape()));
      slots.push_back(it->second.clone().to(e.param.device()));
    }
    e.slots = std::move(slots);
    e.updates = counter->second.data<std::int64_t>()[0];
  }
}

SGD::SGD(std::vector<ParamGroup> groups, SgdOptions options) : Optimizer(std::move(groups)), options_(options) {}

std::vector<std::string> SGD::slot_names() const {
  if (options_.momentum == 0.f) return {};
  return {"momentum_buffer"};
}

void SGD::update(const std::vector<Entry*>& ready, float lr, const Tensor& gate) {
  const auto groups = by_device<kernels::SgdTensor>(ready, [lr](const Entry& e) {
    return kernels::SgdTensor{.w = e.param.data<float>(), .g = e.param.grad().data<float>(),
                              .buf = e.slots.empty() ? nullptr : e.slots[0].data<float>(), .n = e.param.numel(),
                              .lr = lr * e.lr_scale, .weight_decay = e.weight_decay, .first_step = e.updates == 1};
  });
  for (const auto& [device, tensors] : groups) {
    const Device d{device.first, device.second};
    AUTOSPACE_CHECK(!gate.defined() || gate.device() == d, "SGD step: the gate is on ", gate.device().str(),
                    ", parameters on ", d.str());
    kSgdUpdateMany(d, DType::f32)(static_cast<std::int64_t>(tensors.size()), tensors.data(), options_.momentum,
                                  options_.nesterov, gate.defined() ? gate.data<float>() : nullptr);
  }
}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options) : Optimizer(std::move(groups)), options_(options) {
  AUTOSPACE_CHECK(options.beta1 >= 0.f && options.beta1 < 1.f && options.beta2 >= 0.f && options.beta2 < 1.f,
                  "Adam: betas must lie in [0, 1), got ", options.beta1, ", ", options.beta2);
}

std::vector<std::string> Adam::slot_names() const { return {"exp_avg", "exp_avg_sq"}; }

void Adam::update(const std::vector<Entry*>& ready, float lr, const Tensor& gate) {
  AUTOSPACE_CHECK(!gate.defined(), "Adam step: a gated step is not supported (the bias correction counts the "
                  "updates on the host, which cannot know whether the device skipped one)");
  const auto groups = by_device<kernels::AdamTensor>(ready, [lr](const Entry& e) {
    return kernels::AdamTensor{.w = e.param.data<float>(), .g = e.param.grad().data<float>(),
                               .m = e.slots[0].data<float>(), .v = e.slots[1].data<float>(), .n = e.param.numel(),
                               .lr = lr * e.lr_scale, .weight_decay = e.weight_decay, .step = e.updates};
  });
  for (const auto& [device, tensors] : groups)
    kAdamUpdateMany(Device{device.first, device.second}, DType::f32)(static_cast<std::int64_t>(tensors.size()),
                                                                     tensors.data(), options_.beta1, options_.beta2,
                                                                     options_.eps);
}

}  // namespace autospace::optim

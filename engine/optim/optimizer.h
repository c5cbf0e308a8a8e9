#pragma once
// Optimisers over named parameters. A parameter whose gradient is undefined was not
// touched by the step (an unsampled supernet path): it and its optimiser state are left
// bit-identical — no momentum, no weight decay drift.
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/tensor.h"

namespace autospace::optim {

struct ParamGroup {
  std::vector<NamedTensor> params;
  float weight_decay = 0.f;
  float lr_scale = 1.f;
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;

  // Adds parameters created after construction (a weight bank grows a slot the first time
  // a cell needs it); parameters already present are ignored.
  void add_parameters(const ParamGroup& group);

  // One update at learning rate lr (times each group's lr_scale). With a gate (f32 [1] on
  // the parameters' device, NonFiniteGuard::judge), the update happens where it says 1 and
  // leaves parameters and state untouched where it says 0, decided on the device; the
  // update counts advance either way (SGD reads its count only to tell its first step,
  // which its zero-initialised momentum makes equal to a later one; Adam refuses a gate,
  // its bias correction needs the true count).
  void step(float lr, const Tensor& gate = Tensor());
  // Back to "no gradient" for every parameter.
  void zero_grad();
  std::vector<Tensor> parameters() const;

  // Optimiser state as named tensors ("<param>.<slot>") for checkpoints, and back.
  std::vector<NamedTensor> state() const;
  void load_state(const std::vector<NamedTensor>& state, const std::string& source);

 protected:
  struct Entry {
    std::string name;
    Tensor param;
    float weight_decay;
    float lr_scale;
    std::vector<Tensor> slots;  // per-optimiser state, allocated at the first update
    std::int64_t updates = 0;
  };
  virtual std::vector<std::string> slot_names() const = 0;
  // Updates every entry that has a gradient (its slots allocated, its count advanced) at
  // lr times its own lr_scale: all of them in one call, so that a GPU's can be batched.
  virtual void update(const std::vector<Entry*>& ready, float lr, const Tensor& gate) = 0;
  // make(entry) for each entry of `ready`, grouped by the parameters' device: one
  // multi-tensor kernel call per group.
  template <class Desc, class Make>
  static std::map<std::pair<DeviceKind, int>, std::vector<Desc>> by_device(const std::vector<Entry*>& ready,
                                                                           Make make) {
    std::map<std::pair<DeviceKind, int>, std::vector<Desc>> out;
    for (Entry* e : ready) out[{e->param.device().kind, e->param.device().index}].push_back(make(*e));
    return out;
  }
  std::vector<Entry> entries_;
  std::unordered_set<const TensorImpl*> known_;
};

struct SgdOptions {
  float momentum = 0.9f;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, SgdOptions options);

 private:
  std::vector<std::string> slot_names() const override;
  // One multi-tensor call per device (kernels' sgd_update_many).
  void update(const std::vector<Entry*>& ready, float lr, const Tensor& gate) override;
  SgdOptions options_;
};

struct AdamOptions {
  float beta1 = 0.9f;  // 0 is allowed (DEA score updates use beta1 = 0)
  float beta2 = 0.999f;
  float eps = 1e-8f;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, AdamOptions options);

 private:
  std::vector<std::string> slot_names() const override;
  void update(const std::vector<Entry*>& ready, float lr, const Tensor& gate) override;
  AdamOptions options_;
};

}  // namespace autospace::optim

#pragma once
// Modules own parameters and buffers under stable dotted names ("layers.3.conv.weight"),
// so checkpoints, optimiser state and weight dumps map one-to-one onto layers.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace autospace::nn {

// How initialize() fills a parameter.
enum class Init {
  zeros,
  ones,
  kaiming_normal_fan_out,  // conv weights: N(0, sqrt(2 / (Cout * kh * kw)))
  linear_uniform,          // FC weights: U(-1/sqrt(K), 1/sqrt(K)) (PyTorch's default)
  normal_001,              // N(0, 0.01) (torchvision's MobileNet/MnasNet classifier)
};

// A buffer and the value it was created with: every buffer starts as a fill.
struct BufferSlot {
  Tensor tensor;
  float initial;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  std::vector<NamedTensor> named_parameters() const;  // recursive, dotted names
  std::vector<NamedTensor> named_buffers() const;     // e.g. BN running statistics
  std::vector<BufferSlot> buffer_slots() const;       // in named_buffers() order, without building names
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }

  // Moves every parameter and buffer to `device` in place (Tensor::move_to), so that the
  // module and optimisers over its parameters run there, and tells every module of the tree
  // (on_device_changed). Move before the first optimiser step: optimiser state stays on the
  // device it was created on.
  void to(Device device);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Fills every parameter according to its Init rule. Each parameter's numbers come from
  // its own Philox stream keyed by (seed, hash of its full name), so the values do not
  // depend on construction order.
  void initialize(std::uint64_t seed);

  template <class M> std::shared_ptr<M> add_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }

 protected:
  Tensor register_parameter(const std::string& name, const Shape& shape, Init init);
  Tensor register_buffer(const std::string& name, const Shape& shape, float initial);
  virtual void on_train_changed() {}
  // For a module that creates tensors after construction (a weight bank's lazily grown
  // slots): where they must go from now on.
  virtual void on_device_changed(Device) {}

 private:
  struct Param {
    std::string name;
    Tensor tensor;
    Init init;
  };
  struct Buffer {
    std::string name;
    BufferSlot slot;
  };
  void collect(const std::string& prefix, std::vector<NamedTensor>& out, bool buffers) const;
  void collect_slots(std::vector<BufferSlot>& out) const;
  void tell_device(Device device);
  void collect_inits(const std::string& prefix, std::vector<std::pair<std::string, const Param*>>& out) const;

  std::vector<Param> params_;
  std::vector<Buffer> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Fills `t` by `init` from the Philox stream keyed by (seed, hash of full_name): exactly the
// values Module::initialize gives a parameter of that full name, so a parameter created
// later (a weight bank's lazily grown slot) can be initialised on its own.
void initialize_parameter(const Tensor& t, Init init, std::uint64_t seed, const std::string& full_name);

// Parameters split for weight decay: conv/linear weights decay, BN affine and biases
// (every parameter with fewer than two dimensions) do not.
struct DecayGroups {
  std::vector<NamedTensor> decay;
  std::vector<NamedTensor> no_decay;
};
DecayGroups split_weight_decay(const std::vector<NamedTensor>& params);

// Copies the named tensors (model state: parameters and buffers) into the module. Throws
// naming each missing, unexpected or mis-shaped entry.
void load_state(Module& module, const std::vector<NamedTensor>& state, const std::string& source);
std::vector<NamedTensor> state_of(const Module& module);  // parameters followed by buffers

}  // namespace autospace::nn

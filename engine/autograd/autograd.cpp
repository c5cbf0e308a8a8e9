#include <atomic>
#include <optional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "engine/autograd/node.h"
#include "engine/ops/add.h"
#include "kernels/common/check.h"

namespace autospace {

namespace {
std::atomic<std::uint64_t> next_sequence{0};
thread_local bool grad_mode = true;
thread_local BackwardHooks* backward_hooks = nullptr;
}  // namespace

BackwardHooks::BackwardHooks() : previous_(backward_hooks) { backward_hooks = this; }
BackwardHooks::~BackwardHooks() { backward_hooks = previous_; }

Node::Node() : sequence(next_sequence.fetch_add(1)) {}

bool grad_enabled() { return grad_mode; }

NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!grad_mode) return false;
  for (const Tensor* t : inputs)
    if (t && t->requires_grad()) return true;
  return false;
}

void record(const std::shared_ptr<Node>& node, const Tensor& output, std::vector<Tensor> inputs) {
  node->inputs = std::move(inputs);
  output.set_grad_fn(node);
  const_cast<Tensor&>(output).set_requires_grad(true);
}

namespace {

// grads[i] += g, taking ownership of g when grads[i] is still empty.
void accumulate_gradient(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    slot = g;
    return;
  }
  AUTOSPACE_CHECK(slot.shape() == g.shape(), "gradient shape ", shape_str(g.shape()), " does not match ",
                  shape_str(slot.shape()));
  slot = ops::add(slot, g);
}

// How many edges of the not-yet-run nodes still point at each reachable leaf: a leaf's
// gradient is final when its count drops to zero. Built only while hooks are installed.
class LeafTracker {
 public:
  LeafTracker(BackwardHooks& hooks, Node* root) : hooks_(hooks) {
    std::vector<Node*> stack{root};
    std::unordered_set<Node*> seen{root};
    while (!stack.empty()) {
      Node* node = stack.back();
      stack.pop_back();
      for (const Tensor& input : node->inputs) {
        if (!input.requires_grad()) continue;
        if (const auto& producer = input.grad_fn()) {
          if (seen.insert(producer.get()).second) stack.push_back(producer.get());
        } else if (edges_[input.impl()]++ == 0) {
          leaves_.push_back(input);
        }
      }
    }
    if (hooks_.on_start) hooks_.on_start(leaves_);
    if (hooks_.gradient_slot)
      for (const Tensor& leaf : leaves_)
        if (Tensor slot = hooks_.gradient_slot(leaf); slot.defined()) slots_.emplace(leaf.impl(), std::move(slot));
  }
  // Adds g to the leaf's gradient, in its slot when it has one.
  void accumulate_leaf(const Tensor& leaf, const Tensor& g) {
    const auto it = slots_.find(leaf.impl());
    if (it == slots_.end()) return accumulate_owned(leaf, g);
    const Tensor& slot = it->second;
    if (!leaf.grad().defined()) {
      slot.copy_from(g);
      leaf.set_grad(slot);
      return;
    }
    AUTOSPACE_CHECK(leaf.grad().data<float>() == slot.data<float>(),
                    "a leaf with a gradient slot holds a gradient elsewhere");
    ops::add_in_place(slot, g);
  }
  // A leaf owns its gradient (optimisers may scale it in place), so never alias a tensor
  // that another input's gradient may share.
  static void accumulate_owned(const Tensor& leaf, const Tensor& g) {
    const Tensor& leaf_grad = leaf.grad();
    leaf.set_grad(leaf_grad.defined() ? ops::add(leaf_grad, g) : g.clone());
  }
  void node_done(const Node& node) {
    for (const Tensor& input : node.inputs)
      if (input.requires_grad() && !input.grad_fn() && --edges_[input.impl()] == 0 && hooks_.on_leaf_final)
        hooks_.on_leaf_final(input);
  }
  // Leaves behind nodes that no gradient reached.
  void finish() {
    for (const Tensor& leaf : leaves_)
      if (edges_[leaf.impl()] > 0 && hooks_.on_leaf_final) hooks_.on_leaf_final(leaf);
  }

 private:
  BackwardHooks& hooks_;
  std::vector<Tensor> leaves_;
  std::unordered_map<const TensorImpl*, std::int64_t> edges_;
  std::unordered_map<const TensorImpl*, Tensor> slots_;
};

}  // namespace

void Tensor::backward(const Tensor& grad_output) const {
  AUTOSPACE_CHECK(requires_grad(), "backward() on a tensor that does not require a gradient");
  Tensor seed = grad_output;
  if (!seed.defined()) {
    AUTOSPACE_CHECK(numel() == 1, "backward() without a gradient needs a one-element tensor, got shape ",
                    shape_str(shape()));
    seed = Tensor::ones(shape(), device()).to(dtype());
  }
  AUTOSPACE_CHECK(seed.shape() == shape(), "backward(): gradient shape ", shape_str(seed.shape()), " for output ",
                  shape_str(shape()));
  AUTOSPACE_CHECK(seed.dtype() == dtype(), "backward(): gradient of dtype ", dtype_name(seed.dtype()),
                  " for an output of dtype ", dtype_name(dtype()));
  NoGradGuard no_grad;  // the backward pass itself is not recorded

  if (!grad_fn()) {
    Tensor g = impl_->grad;
    accumulate_gradient(g, seed.clone());
    set_grad(g);
    if (backward_hooks) {
      if (backward_hooks->on_start) backward_hooks->on_start({*this});
      if (backward_hooks->on_leaf_final) backward_hooks->on_leaf_final(*this);
    }
    return;
  }
  std::optional<LeafTracker> tracker;
  if (backward_hooks) tracker.emplace(*backward_hooks, grad_fn().get());

  // Tape order: a node runs only after every node created later (all its consumers).
  auto later_first = [](Node* a, Node* b) { return a->sequence < b->sequence; };
  std::priority_queue<Node*, std::vector<Node*>, decltype(later_first)> ready(later_first);
  std::unordered_map<Node*, Tensor> pending;
  std::unordered_set<Node*> queued;
  std::vector<std::shared_ptr<Node>> keep_alive{grad_fn()};

  pending[grad_fn().get()] = seed;
  ready.push(grad_fn().get());
  queued.insert(grad_fn().get());
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    Tensor g = std::move(pending[node]);
    pending.erase(node);
    std::vector<Tensor> input_grads = node->backward(g);
    AUTOSPACE_CHECK(input_grads.size() == node->inputs.size(), node->name(), " returned ", input_grads.size(),
                    " gradients for ", node->inputs.size(), " inputs");
    for (std::size_t i = 0; i < input_grads.size(); ++i) {
      const Tensor& input = node->inputs[i];
      if (!input.requires_grad() || !input_grads[i].defined()) continue;
      AUTOSPACE_CHECK(input_grads[i].shape() == input.shape(), node->name(), " gradient ", i, " has shape ",
                      shape_str(input_grads[i].shape()), ", input has ", shape_str(input.shape()));
      // A gradient has its tensor's dtype: bf16 activations get bf16 gradients, the f32
      // parameters f32 ones.
      AUTOSPACE_CHECK(input_grads[i].dtype() == input.dtype(), node->name(), " gradient ", i, " is ",
                      dtype_name(input_grads[i].dtype()), ", input is ", dtype_name(input.dtype()));
      if (const auto& producer = input.grad_fn()) {
        accumulate_gradient(pending[producer.get()], input_grads[i]);
        if (queued.insert(producer.get()).second) {
          keep_alive.push_back(producer);
          ready.push(producer.get());
        }
      } else if (tracker) {
        tracker->accumulate_leaf(input, input_grads[i]);
      } else {
        LeafTracker::accumulate_owned(input, input_grads[i]);
      }
    }
    if (tracker) tracker->node_done(*node);
  }
  if (tracker) tracker->finish();
}

}  // namespace autospace

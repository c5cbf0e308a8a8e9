#pragma once
// Define-by-run autograd. Every differentiable op that sees an input requiring a gradient
// records a Node: its inputs (the graph edges) and whatever it saved for the backward
// pass. Nodes are numbered in creation order; Tensor::backward runs the reachable nodes
// in reverse creation order (the tape), accumulating gradients. Leaves a pass never
// reaches keep an undefined grad, which optimisers treat as "not touched this step".
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/tensor.h"

namespace autospace {

class Node {
 public:
  Node();
  virtual ~Node() = default;
  virtual const char* name() const = 0;
  // One gradient per input (undefined where an input needs none).
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;

  std::vector<Tensor> inputs;
  std::uint64_t sequence;
};

// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when grad mode is on and one of the inputs requires a gradient.
bool needs_grad(std::initializer_list<const Tensor*> inputs);

// Observers of the backward passes run on this thread while a BackwardHooks object is
// alive (data-parallel training starts each gradient's all-reduce as soon as it is final).
// Only leaves that require a gradient are reported.
class BackwardHooks {
 public:
  // Before any node runs: every leaf the pass can reach, in a fixed order (the same on
  // every process that recorded the same graph).
  std::function<void(const std::vector<Tensor>& leaves)> on_start;
  // Once per reachable leaf, as soon as no node still to run can add to its gradient
  // (its grad() stays undefined if the pass delivered none).
  std::function<void(const Tensor& leaf)> on_leaf_final;
  // Asked once per reachable leaf, after on_start: where the leaf's gradient is to lie (a
  // view into a gradient bucket), or an undefined tensor for a tensor of its own. The
  // pass copies the first contribution there and adds later ones in place; the leaf's
  // gradient must then be undefined or that very view when the pass starts.
  std::function<Tensor(const Tensor& leaf)> gradient_slot;

  BackwardHooks();
  ~BackwardHooks();
  BackwardHooks(const BackwardHooks&) = delete;
  BackwardHooks& operator=(const BackwardHooks&) = delete;

 private:
  BackwardHooks* previous_;
};

// Makes `node` the producer of `output`: called by an op after computing its forward
// result, when needs_grad() said so.
void record(const std::shared_ptr<Node>& node, const Tensor& output, std::vector<Tensor> inputs);

}  // namespace autospace

#include "engine/nn/graphed_forward.h"

#include <atomic>
#include <cstdio>

#include "engine/autograd/node.h"
#include "engine/core/precision.h"
#include "engine/ops/conv_autotune.h"
#include "engine/ops/conv_bn_fold.h"
#include "kernels/common/check.h"

namespace autospace::nn {

namespace {

std::atomic<bool> graphs_on{false};

}  // namespace

void set_forward_graphs(bool on) { graphs_on = on; }
bool forward_graphs() { return graphs_on; }

GraphedForward::Key GraphedForward::key_for(const Tensor& x) const {
  Key key{.shape = x.shape(),
          .dtype = x.dtype(),
          .device = x.device(),
          .precision = static_cast<int>(matmul_precision()),
          .conv_backend = static_cast<int>(ops::conv_backend_setting()),
          .bn_folded = ops::fold_conv_batch_norm(false),
          .state = {},
          .sizes = {}};
  // A replaced tensor of another size may get the old one's block back (the cache hands out
  // the last freed block first), so the sizes are in the key beside the addresses.
  const auto add = [&](const Tensor& t) {
    key.state.push_back(t.raw_data());
    key.sizes.push_back(t.numel());
  };
  for (const Tensor& p : module_.parameters()) add(p);
  for (const BufferSlot& slot : module_.buffer_slots()) add(slot.tensor);
  return key;
}

Tensor GraphedForward::operator()(const Tensor& x) {
  if (!enabled_) return module_.forward(x);
  AUTOSPACE_CHECK(!module_.is_training(), "GraphedForward: the module is in training mode");
  AUTOSPACE_CHECK(!grad_enabled(), "GraphedForward: gradients are on (a NoGradGuard must be alive)");
  Key key = key_for(x);
  if (!key_ || !(*key_ == key)) {
    graph_.reset();
    input_ = output_ = Tensor();
    key_ = std::move(key);
    return module_.forward(x);
  }
  if (!graph_) {
    auto graph = std::make_unique<DeviceGraph>(x.device());
    input_ = Tensor::empty(x.shape(), x.dtype(), x.device());
    try {
      graph->record([this] { output_ = module_.forward(input_); });
    } catch (const Error& e) {
      std::fprintf(stderr, "autospace: cuda_graphs: recording the evaluation forward failed, running it eagerly: %s\n",
                   e.what());
      input_ = output_ = Tensor();
      graph.reset();  // its pool's blocks back to the shared cache before the eager run needs them
      enabled_ = false;
      return module_.forward(x);
    }
    graph_ = std::move(graph);
    ++recordings_;
  }
  input_.copy_from(x);
  graph_->replay();
  return output_.clone();
}

}  // namespace autospace::nn

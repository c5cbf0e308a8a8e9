#pragma once
// A module's evaluation forward pass replayed from a graph (engine/core/device_graph.h):
// on a GPU its hundreds of kernels are queued by one launch instead of one host call
// each, which is most of the time of a forward at batch 1. Evaluations (nas::evaluate)
// use it on a GPU when the run description's "cuda_graphs" is true (set_forward_graphs).
// Latency measurements do not: a latency table adds up parts each timed kernel by kernel.
//
// What makes a replay right: a network's evaluation forward decides nothing on the host
// from values, so its kernels and their arguments depend only on the input's shape and
// dtype, the precision settings, whether batch norm is folded, and where the parameters
// and buffers live and how large they are. Those form the recording's key; a call whose key differs from the previous call's runs eagerly and
// drops the graph. The parameters' values may change between calls (a training step
// updates them in place): the replay reads them where they are. A supernet's path, chosen
// on the host, is not in the key: a caller replays only while the path stays the one it
// recorded (one evaluation pass over a loader).
#include <memory>
#include <optional>
#include <vector>

#include "engine/core/device_graph.h"
#include "engine/nn/module.h"

namespace autospace::nn {

// Whether evaluation forwards on a GPU replay graphs; off by default, set by the runner
// from the run description.
void set_forward_graphs(bool on);
bool forward_graphs();

class GraphedForward {
 public:
  // Disabled, it is module.forward itself (a CPU run, or graphs off).
  GraphedForward(Module& module, bool enabled) : module_(module), enabled_(enabled) {}

  // module.forward(x); the module must be in eval mode and gradients off. The first call
  // with a key runs eagerly: the warm-up that autotunes convolutions, creates lazily built
  // state and fills the allocator's cache. The second records the forward, on its own copy
  // of the input, and replays it; later calls copy x into that input and replay. The result
  // is a copy of the graph's output, the caller's to keep. A recording the device refuses
  // is reported once on stderr and this object runs eagerly from then on.
  Tensor operator()(const Tensor& x);
  int recordings() const { return recordings_; }  // graphs recorded so far

 private:
  struct Key {
    Shape shape;
    DType dtype = DType::f32;
    Device device;
    int precision = 0, conv_backend = 0;
    bool bn_folded = false;          // evaluation folds BN into convolutions (ops::fold_conv_batch_norm)
    std::vector<const void*> state;  // every parameter's and buffer's data
    std::vector<std::int64_t> sizes;  // and its element count
    bool operator==(const Key&) const = default;
  };
  Key key_for(const Tensor& x) const;

  Module& module_;
  bool enabled_;
  std::optional<Key> key_;  // the previous call's
  std::unique_ptr<DeviceGraph> graph_;
  Tensor input_, output_;
  int recordings_ = 0;
};

}  // namespace autospace::nn

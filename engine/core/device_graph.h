#pragma once
// A recorded sequence of device work, replayed without running its host code again. On a
// GPU it is a CUDA graph (kernels/cuda/graph.h): record() runs the host code once and
// queues nothing, each replay() queues all of its kernels with one launch. The memory the
// work allocates comes from the graph's private pool (allocator.h) and stays reserved for
// as long as the graph lives, since every replay reads and writes it again. On the CPU
// there is no launch cost to save: replay() runs the recorded function again, so that the
// code around a graph is one path on every device.
//
// What a replay cannot see: anything the host decided while recording. Values passed to
// kernels (a learning rate, a random stream's position, a shape) are replayed as they
// were, and tensors the work read must keep their storage (replaced parameters are not
// followed). The caller records only work whose host decisions do not change
// (nn::GraphedForward: an evaluation forward of one network at one input shape).
#include <functional>
#include <memory>

#include "engine/core/allocator.h"
#include "engine/core/device.h"

namespace autospace {

#ifdef AUTOSPACE_WITH_CUDA
namespace kernels::cuda {
class StreamGraph;
}
#endif

class DeviceGraph {
 public:
  explicit DeviceGraph(Device device);
  ~DeviceGraph();
  DeviceGraph(const DeviceGraph&) = delete;
  DeviceGraph& operator=(const DeviceGraph&) = delete;

  // Records `work`, once. A recording the GPU refuses (work that copies to the host or
  // waits for the device) throws, naming the CUDA error, and leaves no graph behind.
  void record(std::function<void()> work);
  // Runs the recorded work again (queued on a GPU, not waited for).
  void replay();
  bool recorded() const;
  Device device() const { return device_; }
  std::size_t reserved_bytes() const { return pool_.reserved_bytes(); }

 private:
  Device device_;
  PrivatePool pool_;  // declared before the graph: the graph goes first
  std::function<void()> work_;  // the CPU's "graph"
#ifdef AUTOSPACE_WITH_CUDA
  std::unique_ptr<kernels::cuda::StreamGraph> graph_;
#endif
};

}  // namespace autospace

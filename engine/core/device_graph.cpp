#include "engine/core/device_graph.h"

#include "kernels/common/check.h"
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/graph.h"
#include "kernels/cuda/runtime.h"
#endif

namespace autospace {

DeviceGraph::DeviceGraph(Device device) : device_(device), pool_(device) {}

DeviceGraph::~DeviceGraph() = default;

bool DeviceGraph::recorded() const {
#ifdef AUTOSPACE_WITH_CUDA
  if (device_.is_cuda()) return graph_ && graph_->ready();
#endif
  return static_cast<bool>(work_);
}

void DeviceGraph::record(std::function<void()> work) {
  AUTOSPACE_CHECK(!recorded(), "DeviceGraph::record: already recorded");
  if (device_.is_cpu()) {
    work_ = std::move(work);
    return;
  }
#ifdef AUTOSPACE_WITH_CUDA
  kernels::cuda::set_device(device_.index);
  auto graph = std::make_unique<kernels::cuda::StreamGraph>();
  const PrivatePool::Use use(pool_);
  graph->begin_capture();
  work();  // an exception ends the recording in the graph's destructor, discarding it
  graph->end_capture();
  graph_ = std::move(graph);
#else
  AUTOSPACE_THROW("cannot record a graph on ", device_.str(), ": this build has no CUDA backend");
#endif
}

void DeviceGraph::replay() {
  AUTOSPACE_CHECK(recorded(), "DeviceGraph::replay before record");
  if (device_.is_cpu()) {
    const PrivatePool::Use use(pool_);
    work_();
    return;
  }
#ifdef AUTOSPACE_WITH_CUDA
  graph_->launch();
#endif
}

}  // namespace autospace

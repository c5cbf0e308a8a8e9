#include "kernels/cuda/graph.h"

#include <cstdio>

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

namespace {

cudaGraph_t as_graph(void* p) { return static_cast<cudaGraph_t>(p); }
cudaGraphExec_t as_exec(void* p) { return static_cast<cudaGraphExec_t>(p); }
cudaStream_t as_stream(void* p) { return static_cast<cudaStream_t>(p); }

}  // namespace

StreamGraph::~StreamGraph() { discard(); }

void StreamGraph::discard() noexcept {
  // From a destructor or a failure path: report, never throw.
  const auto report = [](const char* what, cudaError_t status) {
    if (status != cudaSuccess) std::fprintf(stderr, "autospace: %s failed: %s\n", what, cudaGetErrorString(status));
  };
  if (capturing_) {
    // The recorded stream itself, whichever device is current now.
    cudaGraph_t broken = nullptr;
    const cudaError_t status = cudaStreamEndCapture(as_stream(stream_), &broken);
    if (status != cudaSuccess) (void)cudaGetLastError();  // an invalidated recording ends with an error
    if (broken) report("cudaGraphDestroy", cudaGraphDestroy(broken));
    capturing_ = false;
  }
  if (exec_) report("cudaGraphExecDestroy", cudaGraphExecDestroy(as_exec(exec_)));
  if (graph_) report("cudaGraphDestroy", cudaGraphDestroy(as_graph(graph_)));
  exec_ = graph_ = nullptr;
}

void StreamGraph::begin_capture() {
  AUTOSPACE_CHECK(!capturing_ && !exec_, "StreamGraph: already recorded");
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device_));
  stream_ = compute_stream();
  AUTOSPACE_CUDA_CALL(cudaStreamBeginCapture(as_stream(stream_), cudaStreamCaptureModeThreadLocal));
  capturing_ = true;
}

void StreamGraph::end_capture() {
  AUTOSPACE_CHECK(capturing_, "StreamGraph: end_capture without begin_capture");
  // The recording ends first, on the stream it began on: a check failing before it would
  // leave that stream recording, every later launch on it queued into a graph, not run.
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(as_stream(stream_), &graph);
  capturing_ = false;
  int device = 0;
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device));
  if (device != device_) {
    if (graph) (void)cudaGraphDestroy(graph);
    AUTOSPACE_THROW("StreamGraph: recording began on cuda:", device_, " and ended on cuda:", device);
  }
  if (ended != cudaSuccess) {
    (void)cudaGetLastError();
    if (graph) (void)cudaGraphDestroy(graph);
    AUTOSPACE_THROW("recording a CUDA graph failed: ", cudaGetErrorName(ended), " (", cudaGetErrorString(ended),
                    "): an operation in the recorded work cannot be part of a graph");
  }
  graph_ = graph;
  cudaGraphExec_t exec = nullptr;
  AUTOSPACE_CUDA_CALL(cudaGraphInstantiate(&exec, graph, 0));
  exec_ = exec;
}

void StreamGraph::launch() const {
  AUTOSPACE_CHECK(exec_, "StreamGraph: launch before a recording ended");
  AUTOSPACE_CUDA_CALL(cudaSetDevice(device_));
  AUTOSPACE_CUDA_CALL(cudaGraphLaunch(as_exec(exec_), as_stream(stream_)));
}

}  // namespace autospace::kernels::cuda

#pragma once
// CUDA graphs of the compute stream's work: what one call of a fixed sequence of kernels
// queues (a network's forward pass) is recorded once and then replayed with one launch,
// which saves the host's launch cost per kernel (microseconds each; a network has hundreds
// of kernels, and at batch 1 they take about as long to launch as to run). A replay
// reads and writes the recording's addresses and takes its arguments as they were, so
// whatever it touches must stay allocated and in place (engine/core/device_graph.h keeps
// the memory) and nothing decided on the host may change between replays.
namespace autospace::kernels::cuda {

class StreamGraph {
 public:
  StreamGraph() = default;
  ~StreamGraph();  // ends a recording still open, discarding it
  StreamGraph(const StreamGraph&) = delete;
  StreamGraph& operator=(const StreamGraph&) = delete;

  // Starts recording the current device's compute stream: whatever any thread queues on it
  // until end_capture (the engine queues from one thread). This thread's calls that a graph
  // cannot hold (a copy to pageable host memory, a synchronisation) break the recording with
  // an error instead of waiting.
  void begin_capture();
  // Stops recording and makes the graph launchable. A broken recording throws here (the
  // CUDA error named); the stream is usable again either way.
  void end_capture();
  // Queues the recorded work on the compute stream of the device it was recorded on.
  void launch() const;
  bool ready() const { return exec_ != nullptr; }

 private:
  void discard() noexcept;

  void* graph_ = nullptr;   // cudaGraph_t
  void* exec_ = nullptr;    // cudaGraphExec_t
  void* stream_ = nullptr;  // cudaStream_t: the compute stream recorded, of device_
  int device_ = -1;
  bool capturing_ = false;
};

}  // namespace autospace::kernels::cuda

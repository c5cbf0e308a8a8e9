#include "kernels/cuda/nccl_collectives.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

namespace {

using Clock = std::chrono::steady_clock;

ncclDataType_t nccl_type(NcclType t) {
  switch (t) {
    case NcclType::f32: return ncclFloat32;
    case NcclType::bf16: return ncclBfloat16;
    case NcclType::i32: return ncclInt32;
    case NcclType::i64: return ncclInt64;
    case NcclType::u8: return ncclUint8;
  }
  AUTOSPACE_THROW("NCCL: unknown data type");
}

ncclComm_t as_comm(void* p) { return static_cast<ncclComm_t>(p); }
cudaStream_t as_stream(void* p) { return static_cast<cudaStream_t>(p); }
cudaEvent_t as_event(void* p) { return static_cast<cudaEvent_t>(p); }

std::string nccl_text(ncclResult_t rc) { return ncclGetErrorString(rc); }

// Short spins first (a collective of ranks in step finishes in microseconds), then
// sleeps that leave the core to the threads still computing.
void pause(Clock::duration waited) {
  if (waited > std::chrono::milliseconds(1)) std::this_thread::sleep_for(std::chrono::microseconds(20));
}

}  // namespace

NcclId nccl_unique_id() {
  ncclUniqueId id;
  const ncclResult_t rc = ncclGetUniqueId(&id);
  if (rc != ncclSuccess) AUTOSPACE_THROW("ncclGetUniqueId failed: ", nccl_text(rc));
  NcclId out;
  static_assert(sizeof(id) == std::tuple_size_v<NcclId>);
  std::memcpy(out.data(), &id, sizeof id);
  return out;
}

std::string nccl_version() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
}

NcclOp::~NcclOp() {
  if (event_) cudaEventDestroy(as_event(event_));
}

NcclOp::NcclOp(NcclOp&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}

NcclOp& NcclOp::operator=(NcclOp&& other) noexcept {
  if (this != &other) {
    if (event_) cudaEventDestroy(as_event(event_));
    event_ = std::exchange(other.event_, nullptr);
  }
  return *this;
}

NcclComm::NcclComm(const NcclId& id, int rank, int world, int device, double timeout_s)
    : device_(device), timeout_s_(timeout_s) {
  AUTOSPACE_CUDA_CALL(cudaSetDevice(device));
  cudaStream_t stream = nullptr;
  AUTOSPACE_CUDA_CALL(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_ = stream;
  cudaEvent_t ready = nullptr;
  AUTOSPACE_CUDA_CALL(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
  ready_ = ready;
  ncclUniqueId unique;
  std::memcpy(&unique, id.data(), sizeof unique);
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // so that a rank that never joins ends in a timeout, not a hang
  ncclComm_t comm = nullptr;
  const ncclResult_t rc = ncclCommInitRankConfig(&comm, world, unique, rank, &config);
  comm_ = comm;
  const std::string what = "communicator set-up (rank " + std::to_string(rank) + " of " + std::to_string(world) +
                           ", GPU " + std::to_string(device) + ")";
  try {
    if (rc != ncclSuccess && rc != ncclInProgress) abort(what, nccl_text(rc));
    const Clock::time_point start = Clock::now();
    for (;;) {
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm, &state);
      if (state == ncclSuccess) break;
      if (state != ncclInProgress) abort(what, nccl_text(state) + ": " + ncclGetLastError(comm));
      const auto waited = Clock::now() - start;
      if (waited > std::chrono::duration<double>(timeout_s_))
        abort(what, "not every rank joined within " + std::to_string(timeout_s_) + " s");
      pause(waited);
    }
  } catch (...) {
    release();  // no destructor runs for a constructor that throws
    throw;
  }
}

NcclComm::~NcclComm() { release(); }

void NcclComm::release() noexcept {
  if (comm_) {
    // Finalise flushes what is in flight; a rank that vanished would keep it in progress
    // forever, so the wait is bounded and ends in an abort.
    ncclCommFinalize(as_comm(comm_));
    const Clock::time_point start = Clock::now();
    ncclResult_t state = ncclInProgress;
    while (ncclCommGetAsyncError(as_comm(comm_), &state) == ncclSuccess && state == ncclInProgress &&
           Clock::now() - start < std::chrono::duration<double>(timeout_s_))
      pause(Clock::now() - start);
    if (state == ncclSuccess) ncclCommDestroy(as_comm(comm_));
    else ncclCommAbort(as_comm(comm_));
    comm_ = nullptr;
  }
  if (ready_) cudaEventDestroy(as_event(ready_));
  if (stream_) cudaStreamDestroy(as_stream(stream_));
  ready_ = stream_ = nullptr;
}

void NcclComm::abort(const std::string& what, const std::string& cause) {
  if (comm_) ncclCommAbort(as_comm(comm_));  // frees the device of kernels waiting for peers
  comm_ = nullptr;
  aborted_ = true;
  throw Error("NCCL " + what + ": " + cause + "; the communicator was aborted");
}

void NcclComm::check_async(const std::string& what) {
  ncclResult_t state = ncclSuccess;
  const ncclResult_t rc = ncclCommGetAsyncError(as_comm(comm_), &state);
  if (rc != ncclSuccess) abort(what, "ncclCommGetAsyncError: " + nccl_text(rc));
  if (state != ncclSuccess && state != ncclInProgress)
    abort(what, nccl_text(state) + ": " + ncclGetLastError(as_comm(comm_)));
}

void NcclComm::before_launch(const std::string& what) {
  if (aborted_) AUTOSPACE_THROW("NCCL ", what, ": the communicator was aborted earlier");
  AUTOSPACE_CUDA_CALL(cudaSetDevice(device_));
  // The collective reads what the compute stream has queued so far, and only that.
  AUTOSPACE_CUDA_CALL(cudaEventRecord(as_event(ready_), compute_stream()));
  AUTOSPACE_CUDA_CALL(cudaStreamWaitEvent(as_stream(stream_), as_event(ready_), 0));
}

NcclOp NcclComm::finish_launch(const std::string& what) {
  // Non-blocking communicators may still be enqueueing the collective when the call returns.
  const Clock::time_point start = Clock::now();
  for (;;) {
    ncclResult_t state = ncclSuccess;
    ncclCommGetAsyncError(as_comm(comm_), &state);
    if (state == ncclSuccess) break;
    if (state != ncclInProgress) abort(what, nccl_text(state) + ": " + ncclGetLastError(as_comm(comm_)));
    const auto waited = Clock::now() - start;
    if (waited > std::chrono::duration<double>(timeout_s_)) abort(what, "could not be enqueued in time");
    pause(waited);
  }
  cudaEvent_t done = nullptr;
  AUTOSPACE_CUDA_CALL(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  NcclOp op;
  op.event_ = done;
  AUTOSPACE_CUDA_CALL(cudaEventRecord(done, as_stream(stream_)));
  return op;
}

NcclOp NcclComm::all_reduce(void* data, std::size_t count, NcclType type, NcclReduce op, const std::string& what) {
  before_launch(what);
  const ncclResult_t rc = ncclAllReduce(data, data, count, nccl_type(type), op == NcclReduce::sum ? ncclSum : ncclAvg,
                                        as_comm(comm_), as_stream(stream_));
  if (rc != ncclSuccess && rc != ncclInProgress) abort(what, "ncclAllReduce: " + nccl_text(rc));
  return finish_launch(what);
}

NcclOp NcclComm::broadcast(void* data, std::size_t count, NcclType type, int root, const std::string& what) {
  before_launch(what);
  const ncclResult_t rc =
      ncclBroadcast(data, data, count, nccl_type(type), root, as_comm(comm_), as_stream(stream_));
  if (rc != ncclSuccess && rc != ncclInProgress) abort(what, "ncclBroadcast: " + nccl_text(rc));
  return finish_launch(what);
}

NcclOp NcclComm::all_gather(const void* send, void* recv, std::size_t count, NcclType type, const std::string& what) {
  before_launch(what);
  const ncclResult_t rc = ncclAllGather(send, recv, count, nccl_type(type), as_comm(comm_), as_stream(stream_));
  if (rc != ncclSuccess && rc != ncclInProgress) abort(what, "ncclAllGather: " + nccl_text(rc));
  return finish_launch(what);
}

bool NcclComm::done(NcclOp& op, const std::string& what) {
  if (!op.pending()) return true;
  const cudaError_t status = cudaEventQuery(as_event(op.event_));
  if (status == cudaSuccess) {
    op = NcclOp();
    return true;
  }
  if (status != cudaErrorNotReady)
    abort(what, std::string("cudaEventQuery: ") + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
  check_async(what);
  return false;
}

void NcclComm::wait(NcclOp& op, const std::string& what) {
  const Clock::time_point start = Clock::now();
  while (!done(op, what)) {
    const auto waited = Clock::now() - start;
    if (waited > std::chrono::duration<double>(timeout_s_))
      abort(what, "no completion within the " + std::to_string(timeout_s_) + " s timeout");
    pause(waited);
  }
}

}  // namespace autospace::kernels::cuda

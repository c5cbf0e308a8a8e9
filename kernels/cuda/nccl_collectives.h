#pragma once
// NCCL collectives on device pointers, callable from plain C++ (no NCCL or CUDA type
// leaks out). Built only when NCCL was found (AUTOSPACE_WITH_NCCL).
//
// Streams: each communicator owns a non-blocking stream. A collective first makes that
// stream wait for the work queued so far on the compute stream (an event), so it reads
// the finished gradients while the compute stream runs on; its completion is another
// event, which the caller polls (NcclOp::done) or waits for (NcclComm::wait). Waiting
// blocks the host until the data is there, so everything queued after it on the compute
// stream sees the result.
//
// Faults: the communicator is created non-blocking and every wait has a deadline; a
// collective that does not complete in time, or an asynchronous NCCL error, aborts the
// communicator (ncclCommAbort, so no kernel stays spinning on the device) and throws
// autospace::Error naming the collective and the cause. An aborted communicator refuses
// further collectives.
#include <array>
#include <cstddef>
#include <memory>
#include <string>

namespace autospace::kernels::cuda {

// ncclUniqueId's bytes: rank 0 makes it, every rank passes it to NcclComm.
using NcclId = std::array<char, 128>;
NcclId nccl_unique_id();
std::string nccl_version();  // "2.28.3"

enum class NcclType { f32, bf16, i32, i64, u8 };
enum class NcclReduce { sum, average };

// One collective in flight: its completion event. Move-only.
class NcclOp {
 public:
  NcclOp() = default;
  ~NcclOp();
  NcclOp(NcclOp&& other) noexcept;
  NcclOp& operator=(NcclOp&& other) noexcept;
  NcclOp(const NcclOp&) = delete;
  NcclOp& operator=(const NcclOp&) = delete;
  bool pending() const { return event_ != nullptr; }

 private:
  friend class NcclComm;
  void* event_ = nullptr;  // cudaEvent_t
};

class NcclComm {
 public:
  // Joins the communicator `id` as `rank` of `world` on GPU `device`; every rank must
  // call it. Gives up after timeout_s seconds (a rank that never joins).
  NcclComm(const NcclId& id, int rank, int world, int device, double timeout_s);
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  int device() const { return device_; }
  void set_timeout(double seconds) { timeout_s_ = seconds; }

  // In place. `what` names the collective in error messages.
  NcclOp all_reduce(void* data, std::size_t count, NcclType type, NcclReduce op, const std::string& what);
  NcclOp broadcast(void* data, std::size_t count, NcclType type, int root, const std::string& what);
  // recv holds world * count elements, rank r's send at r * count.
  NcclOp all_gather(const void* send, void* recv, std::size_t count, NcclType type, const std::string& what);

  // Finished? Also reports an asynchronous NCCL error (by throwing, after the abort).
  bool done(NcclOp& op, const std::string& what);
  // Blocks until finished; throws after aborting on a timeout or an NCCL error.
  void wait(NcclOp& op, const std::string& what);

 private:
  NcclOp finish_launch(const std::string& what);
  void before_launch(const std::string& what);
  void check_async(const std::string& what);
  [[noreturn]] void abort(const std::string& what, const std::string& cause);
  void release() noexcept;

  void* comm_ = nullptr;    // ncclComm_t
  void* stream_ = nullptr;  // cudaStream_t, non-blocking
  void* ready_ = nullptr;   // cudaEvent_t: the compute stream's work before a launch
  int device_ = 0;
  double timeout_s_;
  bool aborted_ = false;
};

}  // namespace autospace::kernels::cuda

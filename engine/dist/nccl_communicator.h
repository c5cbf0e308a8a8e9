#pragma once
// Collectives for GPU runs: tensors on the GPU travel over NCCL (kernels/cuda/
// nccl_collectives.h: a stream of their own, ordered with the compute stream by events,
// no host staging), tensors on the host (flags, meters, the checks of the supernet
// trainers) over the host communicator it wraps, MPI under a launcher. The NCCL
// communicator is created by the first collective on a GPU tensor, which every rank
// reaches at the same point: rank 0 makes the NCCL id and broadcasts it over the host
// communicator. One GPU per process; a collective on another GPU is an error.
//
// Faults: a GPU collective that fails or times out aborts the NCCL communicator, then the
// host communicator's fail() names the ranks that did not arrive (MPI: every rank stuck
// in the same wait reports itself; the silent ones are named) and marks the run failed.
#include <memory>
#include <optional>

#include "engine/dist/communicator.h"
#include "kernels/cuda/nccl_collectives.h"

namespace autospace::dist {

class NcclPending;

class NcclCommunicator final : public Communicator {
 public:
  explicit NcclCommunicator(std::unique_ptr<Communicator> host);
  ~NcclCommunicator() override;

  const char* backend() const override { return backend_.c_str(); }
  int rank() const override { return host_->rank(); }
  int world() const override { return host_->world(); }
  int local_rank() const override { return host_->local_rank(); }
  int local_world() const override { return host_->local_world(); }
  void all_reduce(const Tensor& t, ReduceOp op) override;
  std::unique_ptr<PendingCollective> all_reduce_async(const Tensor& t, ReduceOp op) override;
  void broadcast(const Tensor& t, int root) override;
  Tensor all_gather(const Tensor& t) override;
  void barrier() override { host_->barrier(); }
  std::int64_t collectives() const override { return host_->collectives() + device_collectives_; }
  void set_timeout(double seconds) override;
  bool moves_device_tensors() const override { return true; }
  // GPU tensors: ncclBfloat16; host tensors: whatever the host communicator does.
  bool reduces_bf16(Device device) const override { return !device.is_cpu() || host_->reduces_bf16(device); }
  [[noreturn]] void fail(const std::string& what, std::int64_t sequence, const std::string& cause) override;

 private:
  friend class NcclPending;
  // Runs `transfer` (a launch, poll or wait on the NCCL communicator); an error it throws
  // ends in fail(), so that it names the ranks.
  template <class F> auto guarded(const std::string& what, std::int64_t sequence, F transfer) {
    try {
      return transfer();
    } catch (const CommunicatorError&) {
      throw;
    } catch (const Error& e) {
      fail(what, sequence, e.what());
    }
  }
  // The NCCL communicator for `device`, created by the first GPU collective.
  kernels::cuda::NcclComm& nccl_for(Device device, const std::string& what);
  // Numbered and described ("all_reduce (f32 [1024]) on cuda:0"), checked for this backend.
  std::string start(const Tensor& t, const char* name, bool reduction);

  std::unique_ptr<Communicator> host_;
  std::string backend_;
  std::optional<kernels::cuda::NcclComm> nccl_;
  double timeout_s_ = kDefaultTimeoutSeconds;
  std::int64_t device_collectives_ = 0;
};

}  // namespace autospace::dist

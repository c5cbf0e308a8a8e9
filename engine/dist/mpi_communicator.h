#pragma once
// Collectives over MPI for CPU tensors (f32, i32, i64; bf16 summed in float through a
// user-defined MPI operation). Each collective is MPI's non-blocking form polled
// against the deadline, so a rank that never arrives ends the wait with an error instead
// of a hang. On a timeout or an MPI error the waiting ranks spend a short grace period
// telling each other (on a duplicate communicator) which collective they are stuck in;
// the ranks not heard from are the ones the message names. The communicator is then
// marked failed and aborts the job when destroyed, since MPI cannot be finalised with a
// collective left open.
#include <mpi.h>

#include <string>
#include <vector>

#include "engine/dist/communicator.h"

namespace autospace::dist {

class MpiCommunicator final : public Communicator {
 public:
  // Initialises MPI (thread level FUNNELED: only the calling thread talks to MPI) unless
  // someone already did, and duplicates MPI_COMM_WORLD.
  MpiCommunicator();
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  const char* backend() const override { return "mpi"; }
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  int local_rank() const override { return local_rank_; }
  int local_world() const override { return local_world_; }
  void all_reduce(const Tensor& t, ReduceOp op) override;
  std::unique_ptr<PendingCollective> all_reduce_async(const Tensor& t, ReduceOp op) override;
  void broadcast(const Tensor& t, int root) override;
  Tensor all_gather(const Tensor& t) override;
  void barrier() override;
  std::int64_t collectives() const override { return sequence_; }
  void set_timeout(double seconds) override;
  bool moves_device_tensors() const override { return false; }
  bool reduces_bf16(Device) const override { return true; }  // through a user-defined sum
  // Names the collective and the ranks that did not report being stuck in it (every rank
  // that is alive and waiting reports on a duplicate communicator during a grace period),
  // marks the communicator failed and throws.
  [[noreturn]] void fail(const std::string& what, std::int64_t sequence, const std::string& cause) override;

  // Waits for `request`, started as collective number `sequence`; throws
  // CommunicatorError on a timeout or an MPI error.
  void finish(MPI_Request& request, const std::string& what, std::int64_t sequence);

 private:
  void check_started(int rc, const std::string& what, std::int64_t sequence);

  MPI_Comm comm_ = MPI_COMM_NULL;     // the collectives
  MPI_Comm control_ = MPI_COMM_NULL;  // the "stuck" reports after a failure
  MPI_Op bf16_sum_ = MPI_OP_NULL;     // MPI has no bf16 type: summed in float, rounded back
  int rank_ = 0, world_ = 1, local_rank_ = 0, local_world_ = 1;
  double timeout_s_ = kDefaultTimeoutSeconds;
  std::int64_t sequence_ = 0;
  bool failed_ = false;
  bool owns_mpi_ = false;
  std::vector<std::int64_t> stuck_report_;  // send buffer of the reports, kept until abort
};

}  // namespace autospace::dist

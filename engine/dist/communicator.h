#pragma once
// Collectives between the processes of one data-parallel run (one process per GPU, or
// per CPU node). Every rank calls the same collectives in the same order with tensors of
// the same shape and dtype; the calls are matched by that order alone.
//
// Backends: SingleCommunicator (one process: every collective is the identity),
// MpiCommunicator (CPU tensors over MPI; built when MPI is found) and NcclCommunicator
// (GPU tensors over NCCL, host tensors over one of the other two; built when NCCL is
// found). world_communicator() picks from the environment the launcher set up.
//
// Faults: every collective of the MPI backend has a deadline (set_timeout). A collective
// that a rank never joins — it died, hangs, or took another code path — ends on every
// other rank with a CommunicatorError naming the collective and the ranks that did not
// arrive. A communicator that failed can only be abandoned: at exit it aborts the whole
// job instead of finalising.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/tensor.h"
#include "kernels/common/check.h"

namespace autospace::dist {

enum class ReduceOp { sum, average };

// The default longest wait for one collective. Generous: a step's collectives take
// milliseconds, but rank 0 may spend minutes writing a checkpoint or evaluating while
// the others wait at the next collective.
constexpr double kDefaultTimeoutSeconds = 600;

// A collective that failed or timed out. Its message names the collective, its sequence
// number and, where known, the ranks that did not arrive.
class CommunicatorError : public Error {
 public:
  using Error::Error;
};

// A collective started but not finished (all_reduce_async). Its tensor must stay alive
// and untouched until wait() returns.
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  // Finished? Also drives the transfer forward, so callers poll it while computing.
  virtual bool test() = 0;
  // Blocks until finished or until the communicator's deadline (CommunicatorError).
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual const char* backend() const = 0;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  // Rank among the processes on this node: which GPU this process drives.
  virtual int local_rank() const = 0;
  virtual int local_world() const = 0;

  // In place; f32, i32 or i64 (and bf16 where reduces_bf16()). average divides by world()
  // (f32 and bf16 only).
  virtual void all_reduce(const Tensor& t, ReduceOp op) = 0;
  virtual std::unique_ptr<PendingCollective> all_reduce_async(const Tensor& t, ReduceOp op) = 0;
  // In place: every rank ends with root's values.
  virtual void broadcast(const Tensor& t, int root) = 0;
  // [world, ...t.shape]: row r is rank r's t.
  virtual Tensor all_gather(const Tensor& t) = 0;
  virtual void barrier() = 0;
  // Collectives started so far (the sequence number error messages quote).
  virtual std::int64_t collectives() const = 0;
  // Longest wait for each later collective; the single-process backend never waits.
  virtual void set_timeout(double seconds) = 0;
  // Whether collectives take GPU tensors as they are; otherwise the caller stages them
  // through host memory (GradientReducer's buckets).
  virtual bool moves_device_tensors() const = 0;
  // Whether all_reduce takes bf16 tensors on `device` (GradientReducer's compressed buckets).
  virtual bool reduces_bf16(Device device) const = 0;
  // Ends a collective that failed: marks the communicator failed and throws
  // CommunicatorError naming `what`, its sequence number, `cause` and, where the backend
  // can tell, the ranks that did not arrive. For a backend layered on this one.
  [[noreturn]] virtual void fail(const std::string& what, std::int64_t sequence, const std::string& cause) = 0;
};

// True when this process was started by an MPI launcher (mpirun, mpiexec, srun with
// PMI/PMIx): the environment names a world size.
bool launched_by_mpi();

// The process-wide communicator, created on first use: MPI when launched by an MPI
// launcher (an error when this build has no MPI and the launcher started several
// processes), the single-process one otherwise. It lives until the process exits (MPI is
// finalised then, or the job aborted if a collective failed).
Communicator& world_communicator();

// Whether the phases take their data-parallel path (gradient reducer, rank 0's buffers,
// metrics combined over ranks): with peers, and also for a world of one that
// AUTOSPACE_COMMUNICATOR=nccl put on NCCL, so that one GPU runs that path against a plain
// run (tools/gpu-check.sh).
bool data_parallel(const Communicator& comm);

// comm.all_reduce(t, op) for a tensor on any device: through a host copy where the backend
// moves CPU tensors only (MPI), as it is where it moves device tensors (NCCL, one process),
// so that a GPU's small per-step figures stay on the GPU whenever the backend allows.
void all_reduce_where_it_lies(Communicator& comm, const Tensor& t, ReduceOp op);

// What a backend's collectives take beyond contiguous CPU tensors of f32, i32, i64 (and u8
// outside reductions).
struct CollectiveSupport {
  bool any_device = false;
  bool bf16 = false;
};
// Checks that a collective's tensor is one the backend handles; `what` names the collective.
void check_collective_tensor(const Tensor& t, const char* what, bool reduction, CollectiveSupport support = {});
// all_reduce's average: f32 and bf16 only.
void check_reduce_op(const Tensor& t, ReduceOp op);

}  // namespace autospace::dist

#include "engine/dist/communicator.h"

#include <cstdlib>
#include <string>

#include "engine/dist/single_communicator.h"
#if AUTOSPACE_WITH_MPI
#include "engine/dist/mpi_communicator.h"
#endif
#if AUTOSPACE_WITH_NCCL
#include "engine/dist/nccl_communicator.h"
#include "kernels/cuda/runtime.h"
#endif

namespace autospace::dist {

namespace {

// The world size an MPI launcher announces: Open MPI's mpirun, PMIx (Open MPI 5, srun
// --mpi=pmix), PMI (MPICH's Hydra, srun --mpi=pmi2). 0 when none did.
int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return std::getenv("PMIX_RANK") ? 1 : 0;  // PMIx without a size variable: MPI_Init finds it
}

std::unique_ptr<Communicator> host_world() {
  if (!launched_by_mpi()) return std::make_unique<SingleCommunicator>();
#if AUTOSPACE_WITH_MPI
  return std::make_unique<MpiCommunicator>();
#else
  const int size = launcher_world_size();
  if (size > 1)
    AUTOSPACE_THROW("started by an MPI launcher as one of ", size,
                    " processes, but this build has no MPI (configure with -DAUTOSPACE_MPI=ON after installing "
                    "libopenmpi-dev); each process would train alone");
  return std::make_unique<SingleCommunicator>();
#endif
}

std::unique_ptr<Communicator> make_world() {
  std::unique_ptr<Communicator> host = host_world();
#if AUTOSPACE_WITH_NCCL
  // GPU tensors over NCCL whenever there are peers; AUTOSPACE_COMMUNICATOR=nccl asks for it
  // in one process too (its GPU tests and bench_allreduce --device cuda).
  const char* asked = std::getenv("AUTOSPACE_COMMUNICATOR");
  if (host->world() > 1 || (asked && std::string(asked) == "nccl")) {
    // The CUDA runtime starts here, before this communicator becomes
    // world_communicator()'s static. Exit handlers run in the reverse order of their
    // registration, so the NCCL communicator is then finalised (its stream destroyed)
    // before the runtime shuts down, not after it: the apps choose the device only after
    // the world exists. The count itself does not matter here.
    std::string why;
    kernels::cuda::device_count(&why);
    return std::make_unique<NcclCommunicator>(std::move(host));
  }
#endif
  return host;
}

}  // namespace

bool launched_by_mpi() { return launcher_world_size() > 0; }

Communicator& world_communicator() {
  static const std::unique_ptr<Communicator> comm = make_world();
  return *comm;
}

bool data_parallel(const Communicator& comm) {
  return comm.world() > 1 || std::string(comm.backend()).rfind("nccl", 0) == 0;
}

void all_reduce_where_it_lies(Communicator& comm, const Tensor& t, ReduceOp op) {
  if (t.device().is_cpu() || comm.moves_device_tensors()) {
    comm.all_reduce(t, op);
    return;
  }
  const Tensor host = Tensor::empty(t.shape(), t.dtype());
  host.copy_from(t);
  comm.all_reduce(host, op);
  t.copy_from(host);
}

void check_collective_tensor(const Tensor& t, const char* what, bool reduction, CollectiveSupport support) {
  AUTOSPACE_CHECK(t.defined(), what, ": undefined tensor");
  if (!support.any_device && !t.device().is_cpu())
    AUTOSPACE_THROW(what, ": tensor on ", t.device().str(),
                    "; this communicator moves CPU tensors only (copy to the CPU first, or use a GPU backend)");
  const DType d = t.dtype();
  const bool ok = d == DType::f32 || d == DType::i32 || d == DType::i64 || (!reduction && d == DType::u8) ||
                  (support.bf16 && d == DType::bf16);
  if (!ok) AUTOSPACE_THROW(what, ": unsupported dtype ", dtype_name(d));
}

void check_reduce_op(const Tensor& t, ReduceOp op) {
  AUTOSPACE_CHECK(op == ReduceOp::sum || t.dtype() == DType::f32 || t.dtype() == DType::bf16,
                  "all_reduce: average needs f32 or bf16, got ", dtype_name(t.dtype()));
}

}  // namespace autospace::dist

// All-reduce bandwidth of the process communicator (MPI between CPU processes here; NCCL
// for GPU tensors with --device=cuda), at the sizes gradient buckets take: one call per size, timed on every rank, the slowest
// rank's time reported. Not a Google Benchmark program: its adaptive iteration counts
// would differ between ranks, and collectives must be called the same number of times
// on every rank.
//
// usage: mpirun -np 2 bench_allreduce [--max-mib=64] [--seconds=0.3] [--device=cpu|cuda]
//   One GPU process: AUTOSPACE_COMMUNICATOR=nccl bench_allreduce --device=cuda (a world of
//   one has no traffic: busbw is 0 by definition and the time per call is NCCL's latency).
//   algbw = bytes / time; busbw = algbw * 2 (world - 1) / world, the per-link traffic of
//   a ring all-reduce (NCCL's convention), comparable across world sizes. Under MPI the
//   last column times MPI's own blocking MPI_Allreduce on the same buffer: the cost of
//   the communicator's non-blocking call polled against its deadline is the difference.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/dist/communicator.h"
#if AUTOSPACE_WITH_MPI
#include <mpi.h>
#endif

using namespace autospace;

namespace {

using Clock = std::chrono::steady_clock;

// The slowest rank's value.
double max_over_ranks(dist::Communicator& comm, double seconds) {
  const Tensor all = comm.all_gather(Tensor::from_vector({static_cast<float>(seconds)}, {1}));
  const float* v = all.data<float>();
  return *std::max_element(v, v + comm.world());
}

}  // namespace

int main(int argc, char** argv) {
  double max_mib = 64, seconds = 0.3;
  std::string device_name = "cpu";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--max-mib=", 10) == 0) max_mib = std::atof(argv[i] + 10);
    else if (std::strncmp(argv[i], "--seconds=", 10) == 0) seconds = std::atof(argv[i] + 10);
    else if (std::strncmp(argv[i], "--device=", 9) == 0) device_name = argv[i] + 9;
    else {
      std::fprintf(stderr, "usage: bench_allreduce [--max-mib=64] [--seconds=0.3] [--device=cpu|cuda]\n");
      return 2;
    }
  }
  try {
    Device device = parse_device(device_name);
    dist::Communicator& comm = dist::world_communicator();
    const int world = comm.world();
    // One GPU per process: this rank's, as the runner picks it.
    if (device.is_cuda() && comm.local_world() > 1) device = Device::cuda(comm.local_rank());
    if (comm.rank() == 0) {
      std::printf("all-reduce (sum, f32) of %s tensors over %d rank(s), backend %s\n\n", device.str().c_str(), world,
                  comm.backend());
      std::printf("| bytes | time per call | algbw GB/s | busbw GB/s | calls | blocking MPI_Allreduce |\n"
                  "|---|---|---|---|---|---|\n");
    }
    for (double bytes = 4096; bytes <= max_mib * (1 << 20) + 1; bytes *= 4) {
      const auto elements = static_cast<std::int64_t>(bytes / 4);
      const Tensor t = Tensor::full({elements}, 1.f, device);
      for (int i = 0; i < 3; ++i) comm.all_reduce(t, dist::ReduceOp::sum);
      // One timed call decides the count, agreed on by taking the slowest rank's time.
      auto start = Clock::now();
      comm.all_reduce(t, dist::ReduceOp::sum);
      const double once = max_over_ranks(comm, std::chrono::duration<double>(Clock::now() - start).count());
      const int calls = static_cast<int>(std::clamp(seconds / std::max(once, 1e-7), 5.0, 20000.0));
      comm.barrier();
      start = Clock::now();
      for (int i = 0; i < calls; ++i) comm.all_reduce(t, dist::ReduceOp::sum);
      const double per_call =
          max_over_ranks(comm, std::chrono::duration<double>(Clock::now() - start).count()) / calls;
      const double algbw = bytes / per_call / 1e9;
      std::string blocking = "-";
#if AUTOSPACE_WITH_MPI
      if (device.is_cpu() && std::string(comm.backend()).find("mpi") != std::string::npos) {
        comm.barrier();
        start = Clock::now();
        for (int i = 0; i < calls; ++i)
          MPI_Allreduce(MPI_IN_PLACE, t.raw_data(), static_cast<int>(elements), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        const double raw = max_over_ranks(comm, std::chrono::duration<double>(Clock::now() - start).count()) / calls;
        char text[64];
        std::snprintf(text, sizeof text, "%.1f us", raw * 1e6);
        blocking = text;
      }
#endif
      if (comm.rank() == 0)
        std::printf("| %.0f | %.1f us | %.2f | %.2f | %d | %s |\n", bytes, per_call * 1e6, algbw,
                    algbw * 2.0 * (world - 1) / world, calls, blocking.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_allreduce: %s\n", e.what());
    return 1;
  }
}

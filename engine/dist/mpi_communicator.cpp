#include "engine/dist/mpi_communicator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>

namespace autospace::dist {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStuckTag = 7;

MPI_Datatype mpi_type(DType d) {
  switch (d) {
    case DType::f32: return MPI_FLOAT;
    case DType::i32: return MPI_INT32_T;
    case DType::i64: return MPI_INT64_T;
    case DType::u8: return MPI_UINT8_T;
    case DType::bf16: return MPI_UINT16_T;  // summed by bf16_sum below
  }
  AUTOSPACE_THROW("MPI: no datatype for ", dtype_name(d));
}

// MPI has no bf16: each pair is added in float and rounded back, as NCCL does.
void bf16_sum(void* in, void* inout, int* length, MPI_Datatype*) {
  const auto* a = static_cast<const std::uint16_t*>(in);
  auto* b = static_cast<std::uint16_t*>(inout);
  for (int i = 0; i < *length; ++i) b[i] = float_to_bf16(bf16_to_float(a[i]) + bf16_to_float(b[i]));
}

std::string mpi_error_text(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

std::string describe(const char* name, const Tensor& t) {
  return detail::concat(name, " (", dtype_name(t.dtype()), " ", shape_str(t.shape()), ")");
}

int check_count(const Tensor& t, const char* what) {
  AUTOSPACE_CHECK(t.numel() <= std::numeric_limits<int>::max(), what, ": ", t.numel(),
                  " elements exceed MPI's int count");
  return static_cast<int>(t.numel());
}

void divide(const Tensor& t, int world) {
  const float inv = 1.f / static_cast<float>(world);
  if (t.dtype() == DType::bf16) {
    auto* p = static_cast<std::uint16_t*>(t.raw_data());
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = float_to_bf16(bf16_to_float(p[i]) * inv);
    return;
  }
  float* p = t.data<float>();
  for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] *= inv;
}

class MpiPending final : public PendingCollective {
 public:
  MpiPending(MpiCommunicator& comm, MPI_Request request, Tensor t, bool average, std::string what,
             std::int64_t sequence)
      : comm_(comm), request_(request), t_(std::move(t)), average_(average), what_(std::move(what)),
        sequence_(sequence) {}
  bool test() override {
    if (done_) return true;
    int flag = 0;
    if (MPI_Test(&request_, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) wait();  // wait() names the failure
    if (flag) complete();
    return done_;
  }
  void wait() override {
    if (done_) return;
    comm_.finish(request_, what_, sequence_);
    complete();
  }

 private:
  void complete() {
    if (average_) divide(t_, comm_.world());
    done_ = true;
  }
  MpiCommunicator& comm_;
  MPI_Request request_;
  Tensor t_;
  bool average_;
  std::string what_;
  std::int64_t sequence_;
  bool done_ = false;
};

}  // namespace

MpiCommunicator::MpiCommunicator() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      AUTOSPACE_THROW("MPI_Init_thread failed");
    owns_mpi_ = true;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  MPI_Comm_dup(MPI_COMM_WORLD, &control_);
  // Errors come back as return codes, so that a failure is reported with its context
  // rather than by MPI's default handler killing the process.
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(control_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &world_);
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_size(node, &local_world_);
  MPI_Comm_free(&node);
  MPI_Op_create(&bf16_sum, 1, &bf16_sum_);
}

MpiCommunicator::~MpiCommunicator() {
  if (failed_) {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Op_free(&bf16_sum_);
  MPI_Comm_free(&control_);
  MPI_Comm_free(&comm_);
  if (owns_mpi_) MPI_Finalize();
}

void MpiCommunicator::set_timeout(double seconds) {
  AUTOSPACE_CHECK(seconds > 0, "communicator timeout must be positive, got ", seconds);
  timeout_s_ = seconds;
}

void MpiCommunicator::check_started(int rc, const std::string& what, std::int64_t sequence) {
  if (rc != MPI_SUCCESS) fail(what, sequence, "MPI could not start it: " + mpi_error_text(rc));
}

void MpiCommunicator::finish(MPI_Request& request, const std::string& what, std::int64_t sequence) {
  AUTOSPACE_CHECK(!failed_, what, ": the communicator failed earlier");
  const Clock::time_point start = Clock::now();
  const auto limit = std::chrono::duration<double>(timeout_s_);
  for (std::int64_t polls = 0;; ++polls) {
    int flag = 0;
    const int rc = MPI_Test(&request, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) fail(what, sequence, "MPI error: " + mpi_error_text(rc));
    if (flag) return;
    const auto waited = Clock::now() - start;
    if (waited > limit)
      fail(what, sequence, detail::concat("no completion within the ", timeout_s_, " s timeout"));
    // Spin briefly (a step's collectives finish in microseconds when the ranks are in
    // step), then yield the core to the ranks and threads still computing.
    if (waited > std::chrono::milliseconds(1)) std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

void MpiCommunicator::fail(const std::string& what, std::int64_t sequence, const std::string& cause) {
  failed_ = true;
  // Tell every other rank where this one is stuck, then listen for a grace period: a rank
  // that is alive and waiting in a collective reports the same way.
  stuck_report_.assign(static_cast<std::size_t>(world_), sequence);
  std::vector<MPI_Request> sends;
  for (int r = 0; r < world_; ++r) {
    if (r == rank_) continue;
    MPI_Request req;
    if (MPI_Isend(&stuck_report_[static_cast<std::size_t>(r)], 1, MPI_INT64_T, r, kStuckTag, control_, &req) ==
        MPI_SUCCESS)
      sends.push_back(req);
  }
  std::vector<bool> heard(static_cast<std::size_t>(world_), false);
  heard[static_cast<std::size_t>(rank_)] = true;
  const auto grace = std::chrono::duration<double>(std::clamp(timeout_s_ / 4, 0.5, 5.0));
  const Clock::time_point start = Clock::now();
  while (Clock::now() - start < grace && std::count(heard.begin(), heard.end(), false) > 0) {
    int flag = 0;
    MPI_Status status;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kStuckTag, control_, &flag, &status) != MPI_SUCCESS) break;
    if (flag) {
      std::int64_t their_sequence = 0;
      MPI_Recv(&their_sequence, 1, MPI_INT64_T, status.MPI_SOURCE, kStuckTag, control_, MPI_STATUS_IGNORE);
      heard[static_cast<std::size_t>(status.MPI_SOURCE)] = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::string missing;
  for (int r = 0; r < world_; ++r)
    if (!heard[static_cast<std::size_t>(r)]) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
  const std::string who = missing.empty()
                              ? "every rank reported waiting too (a mismatch of collectives, or the network)"
                              : "rank" + std::string(missing.find(',') == std::string::npos ? " " : "s ") + missing +
                                    " did not arrive (dead, hung, or running other code)";
  throw CommunicatorError(detail::concat("MPI ", what, ", collective #", sequence, ", on rank ", rank_, " of ",
                                         world_, ": ", cause, "; ", who));
}

void MpiCommunicator::all_reduce(const Tensor& t, ReduceOp op) { all_reduce_async(t, op)->wait(); }

std::unique_ptr<PendingCollective> MpiCommunicator::all_reduce_async(const Tensor& t, ReduceOp op) {
  check_collective_tensor(t, "all_reduce", true, {false, true});
  check_reduce_op(t, op);
  AUTOSPACE_CHECK(!failed_, "all_reduce: the communicator failed earlier");
  const std::int64_t sequence = ++sequence_;
  const std::string what = describe("all_reduce", t);
  MPI_Request request;
  check_started(MPI_Iallreduce(MPI_IN_PLACE, t.raw_data(), check_count(t, "all_reduce"), mpi_type(t.dtype()),
                               t.dtype() == DType::bf16 ? bf16_sum_ : MPI_SUM, comm_, &request),
                what, sequence);
  return std::make_unique<MpiPending>(*this, request, t, op == ReduceOp::average, what, sequence);
}

void MpiCommunicator::broadcast(const Tensor& t, int root) {
  check_collective_tensor(t, "broadcast", false, {false, true});
  AUTOSPACE_CHECK(root >= 0 && root < world_, "broadcast: root ", root, " outside a world of ", world_);
  AUTOSPACE_CHECK(!failed_, "broadcast: the communicator failed earlier");
  const std::int64_t sequence = ++sequence_;
  const std::string what = describe("broadcast", t);
  MPI_Request request;
  check_started(MPI_Ibcast(t.raw_data(), check_count(t, "broadcast"), mpi_type(t.dtype()), root, comm_, &request),
                what, sequence);
  finish(request, what, sequence);
}

Tensor MpiCommunicator::all_gather(const Tensor& t) {
  check_collective_tensor(t, "all_gather", false, {false, true});
  AUTOSPACE_CHECK(!failed_, "all_gather: the communicator failed earlier");
  Shape shape{world_};
  shape.insert(shape.end(), t.shape().begin(), t.shape().end());
  Tensor out = Tensor::empty(shape, t.dtype());
  const std::int64_t sequence = ++sequence_;
  const std::string what = describe("all_gather", t);
  const int count = check_count(t, "all_gather");
  MPI_Request request;
  check_started(
      MPI_Iallgather(t.raw_data(), count, mpi_type(t.dtype()), out.raw_data(), count, mpi_type(t.dtype()), comm_, &request),
      what, sequence);
  finish(request, what, sequence);
  return out;
}

void MpiCommunicator::barrier() {
  AUTOSPACE_CHECK(!failed_, "barrier: the communicator failed earlier");
  const std::int64_t sequence = ++sequence_;
  MPI_Request request;
  check_started(MPI_Ibarrier(comm_, &request), "barrier", sequence);
  finish(request, "barrier", sequence);
}

}  // namespace autospace::dist

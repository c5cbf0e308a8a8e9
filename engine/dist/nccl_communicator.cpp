#include "engine/dist/nccl_communicator.h"

#include <cstring>

namespace autospace::dist {

namespace kc = kernels::cuda;

namespace {

kc::NcclType nccl_type(DType d) {
  switch (d) {
    case DType::f32: return kc::NcclType::f32;
    case DType::i32: return kc::NcclType::i32;
    case DType::i64: return kc::NcclType::i64;
    case DType::u8: return kc::NcclType::u8;
    case DType::bf16: return kc::NcclType::bf16;
  }
  AUTOSPACE_THROW("NCCL: no data type for ", dtype_name(d));
}

}  // namespace

// A GPU all-reduce in flight; it keeps its tensor alive until the transfer is done.
class NcclPending final : public PendingCollective {
 public:
  NcclPending(NcclCommunicator& comm, kc::NcclOp op, Tensor t, std::string what, std::int64_t sequence)
      : comm_(comm), op_(std::move(op)), t_(std::move(t)), what_(std::move(what)), sequence_(sequence) {}
  bool test() override {
    return comm_.guarded(what_, sequence_, [&] { return comm_.nccl_->done(op_, what_); });
  }
  void wait() override {
    comm_.guarded(what_, sequence_, [&] { comm_.nccl_->wait(op_, what_); });
  }

 private:
  NcclCommunicator& comm_;
  kc::NcclOp op_;
  Tensor t_;
  std::string what_;
  std::int64_t sequence_;
};

NcclCommunicator::NcclCommunicator(std::unique_ptr<Communicator> host)
    : host_(std::move(host)), backend_(std::string("nccl+") + host_->backend()) {}

// The NCCL communicator goes first: its finalisation may still need the peers, which the
// host communicator's own end (MPI_Finalize, or the job's abort after a failure) ends.
NcclCommunicator::~NcclCommunicator() { nccl_.reset(); }

void NcclCommunicator::set_timeout(double seconds) {
  host_->set_timeout(seconds);
  timeout_s_ = seconds;
  if (nccl_) nccl_->set_timeout(seconds);
}

void NcclCommunicator::fail(const std::string& what, std::int64_t sequence, const std::string& cause) {
  host_->fail("NCCL " + what, sequence, cause);
  __builtin_unreachable();  // every fail() throws; GCC does not carry [[noreturn]] through a virtual call
}

kc::NcclComm& NcclCommunicator::nccl_for(Device device, const std::string& what) {
  if (nccl_) {
    AUTOSPACE_CHECK(nccl_->device() == device.index, what, ": this process's NCCL communicator is on cuda:",
                    nccl_->device(), " (one GPU per process)");
    return *nccl_;
  }
  // Every rank reaches its first GPU collective at the same point, so the id's broadcast
  // is matched on every rank like any other host collective.
  Tensor id = Tensor::empty({static_cast<std::int64_t>(std::tuple_size_v<kc::NcclId>)}, DType::u8);
  if (rank() == 0) {
    const kc::NcclId made = kc::nccl_unique_id();
    std::memcpy(id.raw_data(), made.data(), made.size());
  }
  if (world() > 1) host_->broadcast(id, 0);
  kc::NcclId joined;
  std::memcpy(joined.data(), id.raw_data(), joined.size());
  const std::int64_t sequence = device_collectives_;
  guarded("communicator set-up", sequence, [&] { nccl_.emplace(joined, rank(), world(), device.index, timeout_s_); });
  return *nccl_;
}

std::string NcclCommunicator::start(const Tensor& t, const char* name, bool reduction) {
  check_collective_tensor(t, name, reduction, {true, true});
  ++device_collectives_;
  return detail::concat(name, " (", dtype_name(t.dtype()), " ", shape_str(t.shape()), ") on ", t.device().str());
}

void NcclCommunicator::all_reduce(const Tensor& t, ReduceOp op) { all_reduce_async(t, op)->wait(); }

std::unique_ptr<PendingCollective> NcclCommunicator::all_reduce_async(const Tensor& t, ReduceOp op) {
  if (t.device().is_cpu()) return host_->all_reduce_async(t, op);
  check_reduce_op(t, op);
  const std::string what = start(t, "all_reduce", true);
  kc::NcclComm& nccl = nccl_for(t.device(), what);
  const std::int64_t sequence = device_collectives_;
  kc::NcclOp pending = guarded(what, sequence, [&] {
    return nccl.all_reduce(t.raw_data(), static_cast<std::size_t>(t.numel()), nccl_type(t.dtype()),
                           op == ReduceOp::sum ? kc::NcclReduce::sum : kc::NcclReduce::average, what);
  });
  return std::make_unique<NcclPending>(*this, std::move(pending), t, what, sequence);
}

void NcclCommunicator::broadcast(const Tensor& t, int root) {
  if (t.device().is_cpu()) return host_->broadcast(t, root);
  AUTOSPACE_CHECK(root >= 0 && root < world(), "broadcast: root ", root, " outside a world of ", world());
  const std::string what = start(t, "broadcast", false);
  kc::NcclComm& nccl = nccl_for(t.device(), what);
  const std::int64_t sequence = device_collectives_;
  guarded(what, sequence, [&] {
    kc::NcclOp op = nccl.broadcast(t.raw_data(), static_cast<std::size_t>(t.numel()), nccl_type(t.dtype()), root, what);
    nccl.wait(op, what);
  });
}

Tensor NcclCommunicator::all_gather(const Tensor& t) {
  if (t.device().is_cpu()) return host_->all_gather(t);
  const std::string what = start(t, "all_gather", false);
  kc::NcclComm& nccl = nccl_for(t.device(), what);
  const std::int64_t sequence = device_collectives_;
  Shape shape{world()};
  shape.insert(shape.end(), t.shape().begin(), t.shape().end());
  Tensor out = Tensor::empty(shape, t.dtype(), t.device());
  guarded(what, sequence, [&] {
    kc::NcclOp op =
        nccl.all_gather(t.raw_data(), out.raw_data(), static_cast<std::size_t>(t.numel()), nccl_type(t.dtype()), what);
    nccl.wait(op, what);
  });
  return out;
}

}  // namespace autospace::dist

#include "engine/dist/single_communicator.h"

namespace autospace::dist {

namespace {
struct Finished final : PendingCollective {
  bool test() override { return true; }
  void wait() override {}
};
}  // namespace

void SingleCommunicator::all_reduce(const Tensor& t, ReduceOp op) {
  check_collective_tensor(t, "all_reduce", true, {true, true});
  check_reduce_op(t, op);
  ++count_;
}

std::unique_ptr<PendingCollective> SingleCommunicator::all_reduce_async(const Tensor& t, ReduceOp op) {
  all_reduce(t, op);
  return std::make_unique<Finished>();
}

void SingleCommunicator::broadcast(const Tensor& t, int root) {
  check_collective_tensor(t, "broadcast", false, {true, true});
  AUTOSPACE_CHECK(root == 0, "broadcast: root ", root, " outside a world of 1");
  ++count_;
}

Tensor SingleCommunicator::all_gather(const Tensor& t) {
  check_collective_tensor(t, "all_gather", false, {true, true});
  ++count_;
  Shape shape{1};
  shape.insert(shape.end(), t.shape().begin(), t.shape().end());
  return t.clone().view(shape);
}

void SingleCommunicator::fail(const std::string& what, std::int64_t sequence, const std::string& cause) {
  throw CommunicatorError(detail::concat(what, ", collective #", sequence, ": ", cause));
}

}  // namespace autospace::dist

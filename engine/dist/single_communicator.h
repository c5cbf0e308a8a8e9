#pragma once
#include "engine/dist/communicator.h"

namespace autospace::dist {

// A one-process communicator: reductions leave the data as they are (the average of one
// value is itself), all_gather adds a leading dimension of 1; on any device.
class SingleCommunicator final : public Communicator {
 public:
  const char* backend() const override { return "single"; }
  int rank() const override { return 0; }
  int world() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_world() const override { return 1; }
  void all_reduce(const Tensor& t, ReduceOp op) override;
  std::unique_ptr<PendingCollective> all_reduce_async(const Tensor& t, ReduceOp op) override;
  void broadcast(const Tensor& t, int root) override;
  Tensor all_gather(const Tensor& t) override;
  void barrier() override { ++count_; }
  std::int64_t collectives() const override { return count_; }
  void set_timeout(double) override {}
  bool moves_device_tensors() const override { return true; }
  bool reduces_bf16(Device) const override { return true; }
  [[noreturn]] void fail(const std::string& what, std::int64_t sequence, const std::string& cause) override;

 private:
  std::int64_t count_ = 0;
};

}  // namespace autospace::dist

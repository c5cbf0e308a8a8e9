#include "nas/supernet/data_parallel.h"

namespace autospace::nas {

void DataParallel::backward(const Tensor& loss, const std::vector<NamedTensor>& params) const {
  if (!comm_) return loss.backward();
  dist::GradientReducer(*comm_, params, bucket_bytes_, compress_bf16_).backward(loss);
}

void DataParallel::average_gradients(const std::vector<NamedTensor>& params) const {
  if (comm_) dist::GradientReducer(*comm_, params, bucket_bytes_, compress_bf16_).reduce();
}

double DataParallel::mean(double local) const {
  if (!comm_) return local;
  const Tensor t = Tensor::from_vector({static_cast<float>(local)}, {1});
  comm_->all_reduce(t, dist::ReduceOp::average);
  return t.item();
}

std::int64_t DataParallel::sum(std::int64_t local) const {
  if (!comm_) return local;
  const Tensor t = Tensor::from_int64({local}, {1});
  comm_->all_reduce(t, dist::ReduceOp::sum);
  return t.data<std::int64_t>()[0];
}

void DataParallel::sum_in_place(const Tensor& t) const {
  if (comm_) dist::all_reduce_where_it_lies(*comm_, t, dist::ReduceOp::sum);
}

std::optional<ops::SyncBatchNorm> DataParallel::batch_norm_scope() const {
  if (comm_ && sync_bn_) return std::optional<ops::SyncBatchNorm>(std::in_place, *comm_);
  return std::nullopt;
}

std::uint32_t DataParallel::mask_step(std::int64_t step) const {
  return static_cast<std::uint32_t>(comm_ ? step * comm_->world() + comm_->rank() : step);
}

}  // namespace autospace::nas

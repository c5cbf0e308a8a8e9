#include "engine/dist/gradient_reducer.h"

#include <algorithm>

#include "engine/autograd/node.h"
#include "engine/ops/concat.h"

namespace autospace::dist {

namespace {

std::string rank_list(const Tensor& gathered, std::size_t index, bool value) {
  std::string out;
  const float* f = gathered.data<float>();
  const std::size_t per_rank = static_cast<std::size_t>(gathered.dim(1));
  for (std::int64_t r = 0; r < gathered.dim(0); ++r)
    if ((f[static_cast<std::size_t>(r) * per_rank + index] > 0.5f) == value)
      out += (out.empty() ? "" : ", ") + std::to_string(r);
  return out.empty() ? "none" : out;
}

}  // namespace

GradientReducer::GradientReducer(Communicator& comm, std::vector<NamedTensor> parameters, std::int64_t bucket_bytes,
                                 bool compress_bf16)
    : comm_(comm), parameters_(std::move(parameters)), bucket_bytes_(bucket_bytes), compress_bf16_(compress_bf16) {
  AUTOSPACE_CHECK(bucket_bytes_ > 0, "gradient buckets need a positive size, got ", bucket_bytes_);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor& p = parameters_[i].second;
    AUTOSPACE_CHECK(p.dtype() == DType::f32, "gradient averaging: parameter ", parameters_[i].first, " is ",
                    dtype_name(p.dtype()), ", only f32 parameters are supported");
    AUTOSPACE_CHECK(index_.emplace(p.impl(), i).second, "gradient averaging: parameter ", parameters_[i].first,
                    " is listed twice");
  }
  // On the gradients' device when the backend moves GPU tensors as they are; else in host
  // memory, where the backend takes them (copy_from stages each gradient).
  if (!parameters_.empty() && comm_.moves_device_tensors()) bucket_device_ = parameters_.front().second.device();
  if (compress_bf16_ && !comm_.reduces_bf16(bucket_device_))
    AUTOSPACE_THROW("distributed.gradient_compression: bf16 needs a backend that sums bf16 there (NCCL, for GPU "
                    "runs); this run's is ", comm_.backend(), " with its buckets on ", bucket_device_.str());
}

void GradientReducer::begin(const std::vector<bool>& touched) {
  buckets_.clear();
  next_launch_ = 0;
  agreement_checked_ = false;
  stats_ = {};
  bucket_of_.assign(parameters_.size(), -1);
  touched_flags_ = Tensor::zeros({static_cast<std::int64_t>(parameters_.size())});
  float* flags = touched_flags_.data<float>();
  std::int64_t filled = 0;
  for (std::size_t k = parameters_.size(); k-- > 0;) {
    if (!touched[k]) continue;
    flags[k] = 1.f;
    const std::int64_t bytes = parameters_[k].second.numel() * 4;
    const std::int64_t cap = buckets_.size() == 1 ? std::min(kFirstBucketBytes, bucket_bytes_) : bucket_bytes_;
    if (buckets_.empty() || (filled > 0 && filled + bytes > cap)) {
      buckets_.emplace_back();
      filled = 0;
    }
    buckets_.back().members.push_back(k);
    bucket_of_[k] = static_cast<int>(buckets_.size() - 1);
    filled += bytes;
  }
  slot_of_.assign(parameters_.size(), Tensor());
  for (Bucket& b : buckets_) {
    std::int64_t elements = 0;
    for (std::size_t k : b.members) elements += parameters_[k].second.numel();
    b.buffer = Tensor::empty({elements + static_cast<std::int64_t>(b.members.size())}, DType::f32, bucket_device_);
    stats_.bytes += elements * (compress_bf16_ ? 2 : 4);
    std::int64_t offset = 0;
    for (std::size_t k : b.members) {
      const Tensor& param = parameters_[k].second;
      const std::int64_t n = param.numel();
      if (param.device() == bucket_device_) {
        slot_of_[k] = b.buffer.narrow0(offset, offset + n).view(param.shape());
        // A gradient from an earlier pass (accumulation) moves into the slot, which the
        // pass then adds to in place.
        if (param.grad().defined()) {
          slot_of_[k].copy_from(param.grad());
          param.set_grad(slot_of_[k]);
        }
      }
      offset += n;
    }
  }
  stats_.buckets = static_cast<std::int64_t>(buckets_.size());
  // Started now, waited for before the first bucket: bucket sizes follow from the touched
  // set, and an all-reduce whose sizes differ between ranks would not even fail cleanly.
  touched_pending_ = comm_.all_reduce_async(touched_flags_, ReduceOp::sum);
}

void GradientReducer::check_touched_agreement() {
  if (agreement_checked_) return;
  agreement_checked_ = true;
  const Tensor local = Tensor::zeros(touched_flags_.shape());
  {
    // The local flags, rebuilt from the buckets: the all-reduce overwrote the tensor.
    float* f = local.data<float>();
    for (std::size_t k = 0; k < parameters_.size(); ++k) f[k] = bucket_of_[k] >= 0 ? 1.f : 0.f;
  }
  touched_pending_->wait();
  touched_pending_.reset();
  const float* sums = touched_flags_.data<float>();
  const float world = static_cast<float>(comm_.world());
  for (std::size_t k = 0; k < parameters_.size(); ++k) {
    if (sums[k] == 0.f || sums[k] == world) continue;
    // Every rank sees the same sums, so every rank takes this branch and the gather matches.
    const Tensor gathered = comm_.all_gather(local);
    AUTOSPACE_THROW("gradient averaging: the ranks touched different parameters in this step; first: ",
                    parameters_[k].first, " has a gradient on ranks ", rank_list(gathered, k, true),
                    " and none on ranks ", rank_list(gathered, k, false),
                    " (every rank must sample the same paths, from the shared seed)");
  }
}

bool GradientReducer::in_slot(std::size_t index) const {
  const Tensor& grad = parameters_[index].second.grad();
  return slot_of_[index].defined() && grad.defined() && grad.data<float>() == slot_of_[index].data<float>();
}

void GradientReducer::gradient_final(std::size_t index) {
  const int b = bucket_of_[index];
  if (b < 0) return;
  ++buckets_[static_cast<std::size_t>(b)].final_count;
  launch_ready_buckets();
}

void GradientReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].final_count == buckets_[next_launch_].members.size()) {
    check_touched_agreement();
    Bucket& b = buckets_[next_launch_++];
    // One flag per member after the gradients, 1 where the member has a gradient. Filled
    // on the buffer's device, not copied from the host: on a GPU a copy from pageable
    // memory would make the host wait here for the queued backward pass, in the middle of
    // it, stalling the overlap the buckets exist for.
    const auto members = static_cast<std::int64_t>(b.members.size());
    const std::int64_t flags_at = b.buffer.numel() - members;
    b.buffer.narrow0(flags_at, b.buffer.numel()).fill(1.f);
    std::int64_t offset = 0;
    for (std::int64_t m = 0; m < members; ++m) {
      const std::size_t k = b.members[static_cast<std::size_t>(m)];
      const Tensor& grad = parameters_[k].second.grad();
      const std::int64_t n = parameters_[k].second.numel();
      const Tensor slot = b.buffer.narrow0(offset, offset + n);
      if (!grad.defined()) {
        slot.fill(0.f);
        b.buffer.narrow0(flags_at + m, flags_at + m + 1).fill(0.f);
      } else if (!in_slot(k)) {
        slot.copy_from(grad.view({n}));
      }
      offset += n;
    }
    // Averaged as a whole: each flag arrives as the fraction of ranks that sent a gradient.
    b.wire = compress_bf16_ ? b.buffer.to(DType::bf16) : b.buffer;
    b.pending = comm_.all_reduce_async(b.wire, ReduceOp::average);
  }
  // Lets the transfers already started progress while the pass goes on.
  for (std::size_t i = 0; i < next_launch_; ++i) buckets_[i].pending->test();
}

void GradientReducer::finish() {
  launch_ready_buckets();
  AUTOSPACE_CHECK(next_launch_ == buckets_.size(), "gradient averaging: bucket ", next_launch_,
                  " never became complete");
  check_touched_agreement();  // also when nothing was touched, so the collectives match
  const int world = comm_.world();
  // Every bucket's averaged flags read in one copy (one wait for the device, not one per
  // bucket).
  std::vector<Tensor> flag_parts;
  for (Bucket& b : buckets_) {
    b.pending->wait();
    if (compress_bf16_) b.buffer.copy_from(b.wire.to(DType::f32));
    const auto members = static_cast<std::int64_t>(b.members.size());
    flag_parts.push_back(b.buffer.narrow0(b.buffer.numel() - members, b.buffer.numel()));
  }
  const std::vector<std::vector<float>> bucket_flags = ops::values_on_host(flag_parts);
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    Bucket& b = buckets_[i];
    const std::vector<float>& flags = bucket_flags[i];
    std::int64_t offset = 0;
    for (std::size_t m = 0; m < b.members.size(); ++m) {
      const auto& [name, param] = parameters_[b.members[m]];
      const std::int64_t n = param.numel();
      const int delivered = static_cast<int>(flags[m] * static_cast<float>(world) + 0.5f);
      if (delivered != 0 && delivered != world)
        AUTOSPACE_THROW("gradient averaging: ", name, " was reached by the backward pass on every rank but got a ",
                        "gradient on only ", delivered, " of ", world, " ranks");
      if (delivered == world) {
        if (slot_of_[b.members[m]].defined()) {
          stats_.in_place += in_slot(b.members[m]);
          param.set_grad(slot_of_[b.members[m]]);
        } else {
          if (!param.grad().defined()) param.set_grad(Tensor::empty(param.shape(), DType::f32, param.device()));
          param.grad().copy_from(b.buffer.narrow0(offset, offset + n).view(param.shape()));
        }
        ++stats_.parameters;
      }
      offset += n;
    }
    b.pending.reset();
  }
}

void GradientReducer::backward(const Tensor& loss) {
  BackwardHooks hooks;
  hooks.on_start = [this](const std::vector<Tensor>& leaves) {
    std::vector<bool> touched(parameters_.size(), false);
    for (const Tensor& leaf : leaves)
      if (auto it = index_.find(leaf.impl()); it != index_.end()) touched[it->second] = true;
    begin(touched);
  };
  hooks.on_leaf_final = [this](const Tensor& leaf) {
    if (auto it = index_.find(leaf.impl()); it != index_.end()) gradient_final(it->second);
  };
  hooks.gradient_slot = [this](const Tensor& leaf) {
    const auto it = index_.find(leaf.impl());
    return it == index_.end() ? Tensor() : slot_of_[it->second];
  };
  loss.backward();
  finish();
}

void GradientReducer::reduce() {
  std::vector<bool> touched(parameters_.size(), false);
  for (std::size_t k = 0; k < parameters_.size(); ++k) touched[k] = parameters_[k].second.grad().defined();
  begin(touched);
  for (std::size_t k = 0; k < parameters_.size(); ++k)
    if (touched[k]) gradient_final(k);
  finish();
}

}  // namespace autospace::dist

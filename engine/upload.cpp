#include "engine/upload.h"

#include "kernels/common/check.h"
#include "kernels/cuda/runtime.h"

namespace autospace {

AsyncUpload::AsyncUpload(Tensor host, Device device) : host_(std::move(host)) {
  AUTOSPACE_CHECK(host_.device().is_cpu() && !device.is_cpu(), "AsyncUpload: from ", host_.device().str(), " to ",
                  device.str(), "; it copies a CPU tensor to a GPU");
#ifdef AUTOSPACE_WITH_CUDA
  kernels::cuda::set_device(device.index);
  device_ = Tensor::empty(host_.shape(), host_.dtype(), device);
  if (host_.nbytes() == 0) return;
  // The compute work queued before this point may still use the block device_ got.
  copy_.reset(new kernels::cuda::CopyStreamUpload(device_.raw_data(), host_.raw_data(), host_.nbytes()));
#else
  AUTOSPACE_THROW("AsyncUpload to ", device.str(), ": this build has no CUDA backend");
#endif
}

void AsyncUpload::CopyDeleter::operator()(kernels::cuda::CopyStreamUpload* copy) const {
#ifdef AUTOSPACE_WITH_CUDA
  delete copy;  // waits for the copy
#else
  (void)copy;
#endif
}

AsyncUpload::~AsyncUpload() = default;

Tensor AsyncUpload::take() const {
#ifdef AUTOSPACE_WITH_CUDA
  if (copy_) copy_->compute_wait();
#endif
  return device_;
}

}  // namespace autospace

#pragma once
// A host tensor copied to a GPU beside the compute: the copy runs on the device's copy
// stream (kernels::cuda::CopyStreamUpload), so a training step's input for the next step
// travels while this step's kernels run, and events order it with the compute stream, so
// nothing waits on the host. The loader's batches are pinned (Tensor::empty_pinned) for it.
#include <memory>

#include "engine/tensor.h"

namespace autospace::kernels::cuda {
class CopyStreamUpload;
}

namespace autospace {

class AsyncUpload {
 public:
  // Starts copying `host` (a CPU tensor, best pinned) to a new tensor on `device` (a GPU).
  AsyncUpload(Tensor host, Device device);
  // Waits for the copy on the host (normally long finished), so that `host`'s memory may be
  // reused once this is gone.
  ~AsyncUpload();
  AsyncUpload(const AsyncUpload&) = delete;
  AsyncUpload& operator=(const AsyncUpload&) = delete;

  // The device tensor, for work queued from now on: the compute stream waits (on the
  // device) for the copy before that work.
  Tensor take() const;

 private:
  // Deletes on a CUDA build only (a build without CUDA never makes one), so that such a
  // build needs none of the copy's symbols.
  struct CopyDeleter {
    void operator()(kernels::cuda::CopyStreamUpload* copy) const;
  };
  Tensor host_, device_;  // declared before copy_: they outlive the copy's wait
  std::unique_ptr<kernels::cuda::CopyStreamUpload, CopyDeleter> copy_;
};

}  // namespace autospace

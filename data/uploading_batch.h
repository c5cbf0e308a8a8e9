#pragma once
// A batch on its way to a GPU (engine/upload.h): its images and labels are copied on the
// copy stream while the work queued before keeps computing, and its host tensors (pinned
// loader buffers) stay alive and untouched until the copies finished. The batch streams
// (batch_stream.h) and the evaluation loop (nas::evaluate) start the next batch's upload
// before they queue the current batch's work.
#include <memory>

#include "data/loader.h"
#include "engine/upload.h"

namespace autospace::data {

class UploadingBatch {
 public:
  UploadingBatch(Batch batch, Device device);  // starts the copies
  // The batch with images and labels on the device, for work queued from now on.
  Batch take() const;

 private:
  Batch host_;
  std::unique_ptr<AsyncUpload> images_, labels_;  // destroyed first: they wait for their copies
};

}  // namespace autospace::data

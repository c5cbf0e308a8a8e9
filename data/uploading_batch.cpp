#include "data/uploading_batch.h"

namespace autospace::data {

UploadingBatch::UploadingBatch(Batch batch, Device device)
    : host_(std::move(batch)),
      images_(std::make_unique<AsyncUpload>(host_.images, device)),
      labels_(std::make_unique<AsyncUpload>(host_.labels, device)) {}

Batch UploadingBatch::take() const {
  Batch out = host_;
  out.images = images_->take();
  out.labels = labels_->take();
  return out;
}

}  // namespace autospace::data

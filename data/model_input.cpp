#include "data/model_input.h"

#include "engine/ops/normalize.h"

namespace autospace::data {

Tensor model_input(const Batch& batch, const Normalization& normalization, Device device) {
  return ops::normalize_image(batch.images.to(device), normalization.mean, normalization.stddev);
}

}  // namespace autospace::data

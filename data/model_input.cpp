#include "data/model_input.h"

#include "engine/core/precision.h"
#include "engine/ops/cast.h"
#include "engine/ops/normalize.h"

namespace autospace::data {

Tensor model_input(const Batch& batch, const Normalization& normalization, Device device) {
  const Tensor x = ops::normalize_image(batch.images.to(device), normalization.mean, normalization.stddev);
  return ops::cast(x, activation_dtype());
}

}  // namespace autospace::data

#include "engine/nn/accuracy.h"

#include <algorithm>

#include "engine/ops/classification.h"
#include "kernels/common/check.h"

namespace autospace::nn {

std::int64_t count_topk_correct(const Tensor& logits, const Tensor& labels, int k) {
  AUTOSPACE_CHECK(logits.ndim() == 2 && labels.ndim() == 1 && labels.dim(0) == logits.dim(0),
                  "count_topk_correct: logits ", shape_str(logits.shape()), ", labels ", shape_str(labels.shape()));
  AUTOSPACE_CHECK(k >= 1, "count_topk_correct: k = ", k, ", expected at least 1");
  const Device device = logits.device();
  const Tensor loss_sum = Tensor::zeros({2}, DType::f32, device), counts = Tensor::zeros({3}, DType::i64, device);
  ops::accumulate_classification(logits, labels, static_cast<int>(std::min<std::int64_t>(k, logits.dim(1))), Tensor(),
                                 loss_sum, counts);
  return counts.to(Device::cpu()).data<std::int64_t>()[1];  // the one read
}

ClassificationTotals::ClassificationTotals(Device device, int k)
    : k_(k), loss_sum_(Tensor::zeros({2}, DType::f32, device)), counts_(Tensor::zeros({3}, DType::i64, device)) {
  AUTOSPACE_CHECK(k >= 1, "ClassificationTotals: k = ", k, ", expected at least 1");
}

void ClassificationTotals::add(const Tensor& logits, const Tensor& labels, const Tensor& mean_loss) {
  AUTOSPACE_CHECK(logits.ndim() == 2, "ClassificationTotals: logits ", shape_str(logits.shape()));
  const int k = static_cast<int>(std::min<std::int64_t>(k_, logits.dim(1)));
  ops::accumulate_classification(logits, labels, k, mean_loss, loss_sum_, counts_);
}

ClassificationTotals::Sums ClassificationTotals::sums() const {
  const Tensor counts = counts_.to(Device::cpu());
  const std::vector<float> loss = loss_sum_.to_vector();
  const std::int64_t* c = counts.data<std::int64_t>();
  // The compensation holds minus what the sum lost.
  return {static_cast<double>(loss[0]) - static_cast<double>(loss[1]), c[0], c[1], c[2]};
}

}  // namespace autospace::nn

#include "apps/common/evaluate.h"

#include <algorithm>

#include "engine/autograd/node.h"
#include "engine/ops/cross_entropy.h"
#include "kernels/common/check.h"

namespace autospace::apps {

std::int64_t count_topk_correct(const Tensor& logits, const Tensor& labels, int k) {
  AUTOSPACE_CHECK(logits.ndim() == 2 && labels.ndim() == 1 && labels.dim(0) == logits.dim(0),
                  "count_topk_correct: logits ", shape_str(logits.shape()), ", labels ", shape_str(labels.shape()));
  const std::vector<float> v = logits.to_vector();
  const Tensor l = labels.to(Device::cpu()).to(DType::i64);
  const std::int64_t n = logits.dim(0), classes = logits.dim(1);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = v.data() + i * classes;
    const float target = row[l.data<std::int64_t>()[i]];
    // Rank of the label: entries strictly larger, plus equal ones before it (a stable order).
    std::int64_t above = 0;
    for (std::int64_t c = 0; c < classes; ++c)
      above += row[c] > target || (row[c] == target && c < l.data<std::int64_t>()[i]);
    correct += above < k;
  }
  return correct;
}

Evaluation evaluate(nn::Module& model, data::Loader& loader, const DataSettings& settings, Device device) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  Evaluation e;
  double loss_sum = 0;
  std::int64_t top1 = 0, top5 = 0;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    if (batch->size() == 0) continue;
    const Tensor logits = model.forward(input_tensor(*batch, settings, device));
    loss_sum += ops::softmax_cross_entropy(logits, batch->labels.to(device)).item() * static_cast<double>(batch->size());
    top1 += count_topk_correct(logits, batch->labels, 1);
    top5 += count_topk_correct(logits, batch->labels, std::min<int>(5, static_cast<int>(logits.dim(1))));
    e.images += batch->size();
  }
  model.train(was_training);
  if (e.images > 0) {
    e.top1 = static_cast<double>(top1) / e.images;
    e.top5 = static_cast<double>(top5) / e.images;
    e.loss = loss_sum / e.images;
  }
  return e;
}

}  // namespace autospace::apps

#pragma once
// Classification accuracy of logits (what every phase reports), counted where the logits
// lie (ops::accumulate_classification).
#include <cstdint>

#include "engine/tensor.h"

namespace autospace::nn {

// How many rows of logits [N, K] have their label among the k largest entries (ties
// broken by class index, a stable order). A row with a non-finite entry is never correct:
// a diverged network's NaN logits compare false everywhere, which a rank count would
// otherwise read as the label being on top. One read of the count (a synchronisation on
// a GPU); loops over batches sum ClassificationTotals instead.
std::int64_t count_topk_correct(const Tensor& logits, const Tensor& labels, int k);

// Loss, top-1, top-k and non-finite rows summed over batches on one device: add() only
// queues kernels, sums() reads them back once. The loss sum is kept in float with a
// Kahan compensation, close to a double sum however many batches.
class ClassificationTotals {
 public:
  explicit ClassificationTotals(Device device, int k = 5);

  struct Sums {
    double loss = 0;  // batch-mean losses weighted by the batches' sizes
    std::int64_t top1 = 0, topk = 0, nonfinite = 0;
  };

  // Adds a batch: logits [N, K] on the device, labels [N] anywhere, and its mean loss (one
  // element on the device) unless undefined. k is capped at K.
  void add(const Tensor& logits, const Tensor& labels, const Tensor& mean_loss = Tensor());
  Sums sums() const;

 private:
  int k_;
  Tensor loss_sum_, counts_;
};

}  // namespace autospace::nn

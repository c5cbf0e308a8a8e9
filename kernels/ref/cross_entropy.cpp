#include "kernels/ref/cross_entropy.h"

#include <algorithm>
#include <cmath>

namespace autospace::kernels::ref {

template <class T>
T softmax_cross_entropy(std::int64_t rows, std::int64_t classes, const T* logits, const std::int64_t* labels,
                        double smoothing) {
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* z = logits + r * classes;
    double max = static_cast<double>(z[0]);
    for (std::int64_t k = 1; k < classes; ++k) max = std::max(max, static_cast<double>(z[k]));
    double sum = 0;
    for (std::int64_t k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(z[k]) - max);
    const double log_sum_exp = max + std::log(sum);
    for (std::int64_t k = 0; k < classes; ++k) {
      const double target = smoothing / static_cast<double>(classes) + (k == labels[r] ? 1.0 - smoothing : 0.0);
      total += target * (log_sum_exp - static_cast<double>(z[k]));
    }
  }
  return static_cast<T>(total / static_cast<double>(rows));
}

template float softmax_cross_entropy<float>(std::int64_t, std::int64_t, const float*, const std::int64_t*, double);
template double softmax_cross_entropy<double>(std::int64_t, std::int64_t, const double*, const std::int64_t*,
                                              double);

}  // namespace autospace::kernels::ref

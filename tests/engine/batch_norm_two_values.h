#pragma once
// With two values per channel (x0, x1; d = x0 - x1, s = sqrt(d^2 / 4 + eps)) the three terms
// of batch norm's training input gradient nearly cancel: exactly,
//   dx0 = -dx1 = gamma / s * (dy0 - dy1) / 2 * eps / s^2,
// which is zero but for eps. A relative comparison of two implementations is then a
// comparison of rounding noise; instead each device is checked against this closed form,
// its error measured against the size of the terms that cancel, |gamma| * |dy| / s.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/ops/batch_norm.h"
#include "tests/support/test_support.h"

namespace autospace::test {

inline void check_two_value_batch_norm_gradient(Device device, std::uint64_t seed) {
  const Shape s{1, 1, 2, 5};
  const Tensor x = random_tensor(s, seed, 3.f, 5.f), gamma = random_tensor({5}, seed + 1),
               beta = random_tensor({5}, seed + 2), dy = random_tensor(s, seed + 3);
  const auto xv = x.to_vector(), gv = gamma.to_vector(), dyv = dy.to_vector();
  Tensor xd = x.to(device);
  xd.set_requires_grad(true);
  ops::BatchNormOptions o;
  o.training = true;
  Tensor mean = Tensor::zeros({5}, DType::f32, device), var = Tensor::full({5}, 1.f, device);
  ops::batch_norm(xd, gamma.to(device), beta.to(device), mean, var, o).backward(dy.to(device));
  const auto dx = xd.grad().to_vector();
  for (int c = 0; c < 5; ++c) {
    const double d = xv[c] - xv[5 + c], sigma = std::sqrt(d * d / 4 + o.eps);
    const double terms = std::abs(gv[c]) * std::max(std::abs(dyv[c]), std::abs(dyv[5 + c])) / sigma;
    const double exact = gv[c] / sigma * (dyv[c] - dyv[5 + c]) / 2 * o.eps / (sigma * sigma);
    const double error = std::max(std::abs(dx[c] - exact), std::abs(dx[5 + c] + exact)) / terms;
    std::printf("parity: batch_norm two-value dx on %s, channel %d: %.3e of the cancelling terms (bound 1e-5)\n",
                device.str().c_str(), c, error);
    CHECK(error <= 1e-5);
  }
}

}  // namespace autospace::test

#include <catch2/catch.hpp>

#include "engine/ops/linear.h"
#include "kernels/ref/linear.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

struct Case {
  std::int64_t n, k, o;
  bool bias;
};

const std::vector<Case> kCases = {{1, 1, 1, true}, {3, 13, 5, true}, {4, 7, 10, false}, {2, 1280, 10, true},
                                  {5, 64, 24, false}};

std::vector<double> ref_forward(const Case& c, const std::vector<std::vector<double>>& in) {
  std::vector<double> y(static_cast<std::size_t>(c.n * c.o));
  kernels::ref::linear_forward<double>(c.n, c.k, c.o, in[0].data(), in[1].data(),
                                       in.size() > 2 ? in[2].data() : nullptr, y.data());
  return y;
}

}  // namespace

TEST_CASE("linear matches the reference and finite differences", "[ops][linear]") {
  for (const Case& c : kCases) {
    INFO("N " << c.n << " K " << c.k << " O " << c.o << (c.bias ? " bias" : ""));
    std::vector<Tensor> inputs{test::random_tensor({c.n, c.k}, 1).set_requires_grad(true),
                               test::random_tensor({c.o, c.k}, 2).set_requires_grad(true)};
    if (c.bias) inputs.push_back(test::random_tensor({c.o}, 3).set_requires_grad(true));
    test::check_op(
        inputs,
        [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t.size() > 2 ? t[2] : Tensor()); },
        [&](const std::vector<std::vector<double>>& t) { return ref_forward(c, t); });
  }
}

TEST_CASE("linear gradients match the reference backward kernels", "[ops][linear]") {
  for (const Case& c : kCases) {
    INFO("N " << c.n << " K " << c.k << " O " << c.o << (c.bias ? " bias" : ""));
    Tensor x = test::random_tensor({c.n, c.k}, 4).set_requires_grad(true);
    Tensor w = test::random_tensor({c.o, c.k}, 5).set_requires_grad(true);
    Tensor b = c.bias ? test::random_tensor({c.o}, 6).set_requires_grad(true) : Tensor();
    Tensor dy = test::random_tensor({c.n, c.o}, 7);
    ops::linear(x, w, b).backward(dy);
    const auto xd = test::to_double(x), wd = test::to_double(w), g = test::to_double(dy);
    std::vector<double> dx(xd.size()), dw(wd.size()), db(static_cast<std::size_t>(c.o));
    kernels::ref::linear_backward_data<double>(c.n, c.k, c.o, g.data(), wd.data(), dx.data());
    kernels::ref::linear_backward_weights<double>(c.n, c.k, c.o, xd.data(), g.data(), dw.data(), db.data());
    CHECK(test::relative_l2(test::to_double(x.grad()), dx) < 1e-5);
    CHECK(test::relative_l2(test::to_double(w.grad()), dw) < 1e-5);
    if (c.bias) CHECK(test::relative_l2(test::to_double(b.grad()), db) < 1e-5);
  }
}

TEST_CASE("linear leaves frozen inputs without a gradient", "[ops][linear]") {
  const Case c{3, 13, 5, true};
  Tensor x = test::random_tensor({c.n, c.k}, 8);
  Tensor w = test::random_tensor({c.o, c.k}, 9);
  Tensor b = test::random_tensor({c.o}, 10).set_requires_grad(true);
  test::check_op(
      {x, w, b}, [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2]); },
      [&](const std::vector<std::vector<double>>& t) { return ref_forward(c, t); });
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("linear rejects bad shapes with a message naming them", "[ops][linear]") {
  const Tensor x = Tensor::zeros({2, 3});
  REQUIRE_NOTHROW(ops::linear(x, Tensor::zeros({4, 3}), Tensor::zeros({4})));
  REQUIRE_THROWS_WITH(ops::linear(x, Tensor::zeros({4, 5}), Tensor()),
                      Catch::Contains("linear: x [2, 3] has K = 3 features but weight [4, 5] expects 5"));
  REQUIRE_THROWS_WITH(ops::linear(x, Tensor::zeros({4, 3}), Tensor::zeros({3})),
                      Catch::Contains("linear: bias [3] for weight [4, 3] must have O = 4 elements"));
  REQUIRE_THROWS_WITH(ops::linear(Tensor::zeros({2, 1, 1, 3}), Tensor::zeros({4, 3}), Tensor()),
                      Catch::Contains("linear: x [N, K] must have 2 dimensions, got [2, 1, 1, 3]"));
}

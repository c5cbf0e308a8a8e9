// nn::GraphedForward and DeviceGraph on the CPU, where a "graph" runs its recorded function
// again: the bookkeeping around a recording (the warm-up call, the key, the graph's own
// input, the copy handed out) is the same code on every device. Whether a GPU replay
// computes what the eager forward does is the [cuda] case "graph replays of an evaluation
// forward" (tests/engine/test_cuda_parity.cpp).
#include <catch2/catch.hpp>
#include <vector>

#include "bench/common/mobilenet_v2.h"
#include "engine/autograd/node.h"
#include "engine/core/device_graph.h"
#include "engine/core/precision.h"
#include "engine/nn/graphed_forward.h"
#include "engine/ops/conv_bn_fold.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("device graph: recording runs nothing and each replay runs the work", "[graph]") {
  DeviceGraph graph(Device::cpu());
  int runs = 0;
  CHECK_FALSE(graph.recorded());
  CHECK_THROWS_WITH(graph.replay(), Catch::Contains("replay before record"));
  graph.record([&] { ++runs; });
  CHECK(graph.recorded());
  CHECK(runs == 0);
  graph.replay();
  graph.replay();
  CHECK(runs == 2);
  CHECK_THROWS_WITH(graph.record([] {}), Catch::Contains("already recorded"));
}

TEST_CASE("graphed forward: the eager forward's values, recorded once per key, following in-place weight changes",
          "[graph]") {
  auto net = bench::make_mobilenet_v2({10, 1, 0.2f});
  net->initialize(3);
  net->eval();
  const NoGradGuard no_grad;
  nn::GraphedForward forward(*net, true);
  const Tensor a = test::random_tensor({2, 32, 32, 3}, 1), b = test::random_tensor({2, 32, 32, 3}, 2);

  const std::vector<double> eager_a = test::to_double(net->forward(a)), eager_b = test::to_double(net->forward(b));
  CHECK(test::to_double(forward(a)) == eager_a);  // the warm-up: eager
  CHECK(forward.recordings() == 0);
  const Tensor first = forward(a);  // recorded, then replayed
  CHECK(forward.recordings() == 1);
  CHECK(test::to_double(first) == eager_a);
  CHECK(test::to_double(forward(b)) == eager_b);  // the input is copied in: b's values, not a's
  CHECK(test::to_double(first) == eager_a);       // what was handed out is the caller's copy
  CHECK(forward.recordings() == 1);

  // A training step changes the weights in place: the replay reads them where they are.
  for (const Tensor& p : net->parameters()) {
    const Tensor scaled = p.clone();
    float* d = scaled.data<float>();
    for (std::int64_t i = 0; i < scaled.numel(); ++i) d[i] *= 0.9f;
    p.copy_from(scaled);
  }
  const std::vector<double> changed = test::to_double(net->forward(a));
  REQUIRE(changed != eager_a);
  CHECK(test::to_double(forward(a)) == changed);
  CHECK(forward.recordings() == 1);

  // Another input shape is another key: eager once, then a new recording.
  const Tensor c = test::random_tensor({3, 32, 32, 3}, 4);
  const std::vector<double> eager_c = test::to_double(net->forward(c));
  CHECK(test::to_double(forward(c)) == eager_c);
  CHECK(forward.recordings() == 1);
  CHECK(test::to_double(forward(c)) == eager_c);
  CHECK(forward.recordings() == 2);

  // So is another precision (its kernels differ). (Parameters moved to another storage are
  // too: the [cuda] case moves the network off the GPU and back.)
  set_matmul_precision(MatmulPrecision::bf16);
  const Tensor c16 = c.to(DType::bf16);
  const std::vector<double> eager_c16 = test::to_double(net->forward(c16));
  CHECK(test::to_double(forward(c16)) == eager_c16);
  CHECK(test::to_double(forward(c16)) == eager_c16);
  set_matmul_precision(MatmulPrecision::fp32);
  CHECK(forward.recordings() == 3);
  // And so is BN folding switched off: the forward runs other kernels.
  {
    const ops::ConvBatchNormFolding unfolded(false);
    const std::vector<double> eager_unfolded = test::to_double(net->forward(c));
    CHECK(test::to_double(forward(c)) == eager_unfolded);
    CHECK(forward.recordings() == 3);
    CHECK(test::to_double(forward(c)) == eager_unfolded);
    CHECK(forward.recordings() == 4);
  }
}

TEST_CASE("graphed forward: refuses training mode and gradients, and disabled it is the plain forward", "[graph]") {
  auto net = bench::make_mobilenet_v2({10, 1, 0.2f});
  net->initialize(5);
  const Tensor x = test::random_tensor({1, 32, 32, 3}, 6);
  nn::GraphedForward forward(*net, true);
  net->eval();
  CHECK_THROWS_WITH(forward(x), Catch::Contains("gradients are on"));
  const NoGradGuard no_grad;
  net->train();
  CHECK_THROWS_WITH(forward(x), Catch::Contains("training mode"));
  net->eval();
  nn::GraphedForward off(*net, false);
  const std::vector<double> eager = test::to_double(net->forward(x));
  for (int i = 0; i < 3; ++i) CHECK(test::to_double(off(x)) == eager);
  CHECK(off.recordings() == 0);
}

// engine/dist in one process: the single-process communicator, the backward hooks the
// gradient reducer relies on, the reducer's bookkeeping and synchronised batch-norm
// degenerating to plain batch-norm. The same code under `mpirun -np 2` is checked by
// tests/dist/dist_check.cpp.
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <random>

#include "engine/autograd/node.h"
#include "engine/dist/gradient_reducer.h"
#include "engine/dist/single_communicator.h"
#if AUTOSPACE_WITH_NCCL
#include "engine/dist/nccl_communicator.h"
#endif
#include "engine/ops/add.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/linear.h"
#include "engine/ops/reshape.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("the single-process communicator: collectives are the identity", "[dist]") {
  dist::SingleCommunicator comm;
  CHECK(comm.world() == 1);
  CHECK(comm.rank() == 0);
  const Tensor t = Tensor::from_vector({1.5f, -2.f}, {2});
  comm.all_reduce(t, dist::ReduceOp::sum);
  comm.all_reduce(t, dist::ReduceOp::average);
  CHECK(t.to_vector() == std::vector<float>{1.5f, -2.f});
  CHECK(comm.all_reduce_async(t, dist::ReduceOp::sum)->test());
  const Tensor gathered = comm.all_gather(Tensor::from_int64({4, 5, 6}, {3}));
  CHECK(gathered.shape() == Shape{1, 3});
  CHECK(gathered.data<std::int64_t>()[2] == 6);
  comm.broadcast(Tensor::zeros({2}, DType::u8), 0);
  comm.barrier();
  CHECK(comm.collectives() == 6);
  CHECK_FALSE(dist::data_parallel(comm));  // one process trains as one
  CHECK_THROWS_WITH(comm.broadcast(t, 1), Catch::Contains("root 1 outside a world of 1"));
  CHECK_THROWS_WITH(comm.all_reduce(Tensor::zeros({2}, DType::u8), dist::ReduceOp::sum),
                    Catch::Contains("unsupported dtype u8"));
  CHECK_THROWS_WITH(comm.all_reduce(Tensor::from_int64({1}, {1}), dist::ReduceOp::average),
                    Catch::Contains("average needs f32"));
}

TEST_CASE("without an MPI launcher the process communicator is the single one", "[dist]") {
  if (dist::launched_by_mpi()) AUTOSPACE_SKIP_TEST("started by an MPI launcher");
  CHECK(std::string(dist::world_communicator().backend()) == "single");
}

TEST_CASE("backward hooks: reachable leaves, each reported once its gradient is final", "[dist][autograd]") {
  Tensor a = Tensor::from_vector({1, 2}, {2}).set_requires_grad(true);
  Tensor b = Tensor::from_vector({3, 4}, {2}).set_requires_grad(true);
  Tensor unused = Tensor::from_vector({0, 0}, {2}).set_requires_grad(true);
  // b is used early and late in the graph: it is final only after the last use ran.
  const Tensor h = ops::add(a, b);
  const Tensor y = ops::add(ops::add(h, h), b);
  std::vector<std::string> started, finals;
  std::vector<std::vector<float>> grads_when_final;
  {
    BackwardHooks hooks;
    hooks.on_start = [&](const std::vector<Tensor>& leaves) {
      for (const Tensor& leaf : leaves) started.push_back(leaf.is_same(a) ? "a" : leaf.is_same(b) ? "b" : "?");
    };
    hooks.on_leaf_final = [&](const Tensor& leaf) {
      finals.push_back(leaf.is_same(a) ? "a" : leaf.is_same(b) ? "b" : "?");
      grads_when_final.push_back(leaf.grad().to_vector());
    };
    y.backward(Tensor::from_vector({1, 1}, {2}));
  }
  std::sort(started.begin(), started.end());
  CHECK(started == std::vector<std::string>{"a", "b"});
  REQUIRE(finals.size() == 2);
  CHECK(grads_when_final[0] == (finals[0] == "a" ? a : b).grad().to_vector());
  CHECK(grads_when_final[1] == (finals[1] == "a" ? a : b).grad().to_vector());
  CHECK(b.grad().to_vector() == std::vector<float>{3, 3});
  CHECK_FALSE(unused.grad().defined());
  // Without hooks nothing is reported.
  finals.clear();
  ops::add(a, b).backward(Tensor::from_vector({1, 1}, {2}));
  CHECK(finals.empty());
}

TEST_CASE("gradient reducer in one process: gradients unchanged, untouched stay undefined", "[dist]") {
  dist::SingleCommunicator comm;
  const Tensor w = test::random_tensor({3, 4}, 1).set_requires_grad(true);
  const Tensor bias = test::random_tensor({3}, 2).set_requires_grad(true);
  const Tensor idle = test::random_tensor({5}, 3).set_requires_grad(true);
  const Tensor x = test::random_tensor({2, 4}, 4);
  const Tensor labels = Tensor::from_int64({0, 2}, {2});
  const auto loss = [&] { return ops::softmax_cross_entropy(ops::linear(x, w, bias), labels); };
  loss().backward();
  const auto want_w = w.grad().to_vector(), want_b = bias.grad().to_vector();

  for (const std::int64_t bucket_bytes : {std::int64_t(8), dist::kDefaultBucketBytes}) {
    dist::GradientReducer reducer(comm, {{"w", w}, {"bias", bias}, {"idle", idle}}, bucket_bytes);
    w.clear_grad();
    bias.clear_grad();
    reducer.backward(loss());
    CHECK(w.grad().to_vector() == want_w);
    CHECK(bias.grad().to_vector() == want_b);
    CHECK_FALSE(idle.grad().defined());
    CHECK(reducer.last_stats().parameters == 2);
    CHECK(reducer.last_stats().bytes == (12 + 3) * 4);
    CHECK(reducer.last_stats().buckets == (bucket_bytes == 8 ? 2 : 1));
    reducer.reduce();  // the gradients as they are now
    CHECK(w.grad().to_vector() == want_w);
    CHECK_FALSE(idle.grad().defined());
  }
  CHECK_THROWS_WITH(dist::GradientReducer(comm, {{"w", w}, {"again", w}}), Catch::Contains("again is listed twice"));
}

TEST_CASE("gradient reducer: the first bucket is small, the others fill up to the cap", "[dist]") {
  dist::SingleCommunicator comm;
  // Three 800 KB parameters: the first bucket (the last one, final first) cannot take a
  // second under its 1 MiB; the second bucket takes the other two under the 25 MiB cap.
  std::vector<NamedTensor> params;
  for (int i = 0; i < 3; ++i) {
    std::string name = "p";  // appended, not "p" + ...: GCC 12's -Wrestrict misfires on that (its bug 105329)
    name += std::to_string(i);
    params.emplace_back(name, test::random_tensor({200000}, 10 + i).set_requires_grad(true));
  }
  const auto loss = [&] { return ops::add(ops::add(params[0].second, params[1].second), params[2].second); };
  dist::GradientReducer reducer(comm, params);
  reducer.backward(ops::softmax_cross_entropy(ops::reshape(loss(), {2000, 100}), Tensor::zeros({2000}, DType::i64)));
  CHECK(reducer.last_stats().parameters == 3);
  CHECK(reducer.last_stats().buckets == 2);
  // A cap below the first bucket's size caps the first too.
  dist::GradientReducer small(comm, params, 4);
  small.reduce();
  CHECK(small.last_stats().buckets == 3);
}

namespace {

// A single-process communicator that reports every non-blocking all-reduce as it starts.
class WatchedCommunicator final : public dist::Communicator {
 public:
  std::function<void()> on_async;
  const char* backend() const override { return "watched"; }
  int rank() const override { return 0; }
  int world() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_world() const override { return 1; }
  void all_reduce(const Tensor& t, dist::ReduceOp op) override { inner_.all_reduce(t, op); }
  std::unique_ptr<dist::PendingCollective> all_reduce_async(const Tensor& t, dist::ReduceOp op) override {
    if (on_async) on_async();
    return inner_.all_reduce_async(t, op);
  }
  void broadcast(const Tensor& t, int root) override { inner_.broadcast(t, root); }
  Tensor all_gather(const Tensor& t) override { return inner_.all_gather(t); }
  void barrier() override { inner_.barrier(); }
  std::int64_t collectives() const override { return inner_.collectives(); }
  void set_timeout(double) override {}
  bool moves_device_tensors() const override { return false; }  // stages GPU gradients, as MPI does
  bool reduces_bf16(Device) const override { return false; }
  [[noreturn]] void fail(const std::string& what, std::int64_t sequence, const std::string& cause) override {
    inner_.fail(what, sequence, cause);
  }

 private:
  dist::SingleCommunicator inner_;
};

}  // namespace

TEST_CASE("gradient reducer with bf16 compression: each gradient comes back rounded to bf16", "[dist]") {
  dist::SingleCommunicator comm;  // its sum is the identity, so the result is the rounding alone
  const Tensor w = test::random_tensor({3, 4}, 1).set_requires_grad(true);
  const Tensor bias = test::random_tensor({3}, 2).set_requires_grad(true);
  const Tensor x = test::random_tensor({2, 4}, 4);
  const Tensor labels = Tensor::from_int64({0, 2}, {2});
  const auto loss = [&] { return ops::softmax_cross_entropy(ops::linear(x, w, bias), labels); };
  loss().backward();
  const auto rounded = [](const Tensor& g) { return g.to(DType::bf16).to(DType::f32).to_vector(); };
  const auto want_w = rounded(w.grad()), want_b = rounded(bias.grad());
  REQUIRE(want_w != w.grad().to_vector());  // the rounding is visible in these values
  w.clear_grad();
  bias.clear_grad();
  dist::GradientReducer reducer(comm, {{"w", w}, {"bias", bias}}, 8, true);
  reducer.backward(loss());
  CHECK(w.grad().to_vector() == want_w);
  CHECK(bias.grad().to_vector() == want_b);
  CHECK(reducer.last_stats().bytes == (12 + 3) * 2);
  // A backend without a bf16 sum refuses it by the setting's name.
  WatchedCommunicator staged;
  CHECK_THROWS_WITH(dist::GradientReducer(staged, {{"w", w}}, 8, true),
                    Catch::StartsWith("distributed.gradient_compression: bf16 needs a backend that sums bf16"));
}

TEST_CASE("gradient reducer overlaps: a bucket starts before the pass reaches earlier layers", "[dist]") {
  const Tensor w1 = test::random_tensor({5, 4}, 1).set_requires_grad(true);
  const Tensor w2 = test::random_tensor({3, 5}, 2).set_requires_grad(true);
  const Tensor x = test::random_tensor({2, 4}, 3);
  const Tensor loss =
      ops::softmax_cross_entropy(ops::linear(ops::linear(x, w1, Tensor()), w2, Tensor()), Tensor::from_int64({0, 2}, {2}));
  WatchedCommunicator comm;
  std::vector<bool> first_layer_done;  // at each bucket start (after the flags' all-reduce)
  comm.on_async = [&] { first_layer_done.push_back(w1.grad().defined()); };
  dist::GradientReducer(comm, {{"w1", w1}, {"w2", w2}}, 4).backward(loss);
  // The touched flags, then w2's bucket while w1 still has no gradient, then w1's.
  CHECK(first_layer_done == std::vector<bool>{false, false, true});
}

TEST_CASE("gradient reducer: gradients are views into their bucket, accumulated in place", "[dist]") {
  const Tensor w = test::random_tensor({3, 4}, 1).set_requires_grad(true);
  const Tensor bias = test::random_tensor({3}, 2).set_requires_grad(true);
  const Tensor x = test::random_tensor({2, 4}, 4);
  const Tensor labels = Tensor::from_int64({0, 2}, {2});
  // w is used twice, so its gradient has two contributions: the second is added in place.
  const auto loss = [&] {
    return ops::softmax_cross_entropy(ops::add(ops::linear(x, w, bias), ops::linear(x, w, Tensor())), labels);
  };
  loss().backward();
  const auto want_w = w.grad().to_vector(), want_b = bias.grad().to_vector();
  const auto twice = [](std::vector<float> v) {
    for (float& e : v) e *= 2.f;
    return Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
  };
  dist::SingleCommunicator device_buckets;  // buckets on the gradients' device
  WatchedCommunicator host_buckets;         // host buckets, as MPI: CPU gradients are views all the same
  for (dist::Communicator* comm : {static_cast<dist::Communicator*>(&device_buckets),
                                   static_cast<dist::Communicator*>(&host_buckets)}) {
    INFO("communicator " << comm->backend());
    dist::GradientReducer reducer(*comm, {{"w", w}, {"bias", bias}});
    w.clear_grad();
    bias.clear_grad();
    reducer.backward(loss());
    CHECK(w.grad().to_vector() == want_w);
    CHECK(bias.grad().to_vector() == want_b);
    CHECK(reducer.last_stats().in_place == 2);
    // One bucket in reverse registration order: bias, then w, back to back.
    CHECK(bias.grad().data<float>() + 3 == w.grad().data<float>());
    // A second pass without zero_grad accumulates: the earlier gradient moves into the new
    // bucket and the pass adds to it there.
    reducer.backward(loss());  // (G + a) + b rather than G + (a + b): equal up to rounding
    CHECK(test::relative_l2(test::to_double(w.grad()), test::to_double(twice(want_w))) < 1e-6);
    CHECK(test::relative_l2(test::to_double(bias.grad()), test::to_double(twice(want_b))) < 1e-6);
    CHECK(bias.grad().data<float>() + 3 == w.grad().data<float>());
    CHECK(reducer.last_stats().in_place == 2);
  }
}

TEST_CASE("synchronised batch-norm over one rank is plain batch-norm", "[dist]") {
  // With a fused activation too: the sums then run over the gradient through it.
  const ops::Activation activation = GENERATE(ops::Activation::identity, ops::Activation::hswish);
  INFO(ops::activation_name(activation));
  dist::SingleCommunicator comm;
  const Tensor x = test::random_tensor({3, 4, 5, 6}, 7, -2.f, 3.f).set_requires_grad(true);
  const Tensor gamma = test::random_tensor({6}, 8, 0.5f, 1.5f).set_requires_grad(true);
  const Tensor beta = test::random_tensor({6}, 9).set_requires_grad(true);
  const Tensor dy = test::random_tensor({3, 4, 5, 6}, 10);
  struct Result {
    std::vector<double> y, dx, dgamma, dbeta, running_mean, running_var;
  };
  const auto run = [&](bool sync) {
    const Tensor mean = Tensor::zeros({6}), var = Tensor::ones({6});
    std::optional<ops::SyncBatchNorm> scope;
    if (sync) scope.emplace(comm);
    x.clear_grad();
    gamma.clear_grad();
    beta.clear_grad();
    ops::BatchNormOptions o;
    o.activation = activation;
    const Tensor y = ops::batch_norm(x, gamma, beta, mean, var, o);
    y.backward(dy);
    return Result{test::to_double(y),     test::to_double(x.grad()), test::to_double(gamma.grad()),
                  test::to_double(beta.grad()), test::to_double(mean), test::to_double(var)};
  };
  const Result plain = run(false), synced = run(true);
  CHECK(test::relative_l2(synced.y, plain.y) < 1e-6);
  CHECK(test::relative_l2(synced.dx, plain.dx) < 1e-6);
  CHECK(test::relative_l2(synced.dgamma, plain.dgamma) < 1e-6);
  CHECK(test::relative_l2(synced.dbeta, plain.dbeta) < 1e-6);
  CHECK(test::relative_l2(synced.running_mean, plain.running_mean) < 1e-6);
  CHECK(test::relative_l2(synced.running_var, plain.running_var) < 1e-6);
  CHECK(comm.collectives() == 2);  // one all-gather forward, one all-reduce backward
}

namespace {

// The reducer over `comm` gives a GPU linear layer's gradients back on the GPU, equal to a
// plain backward pass (one rank: the average is the gradient itself).
void check_gpu_reduction(dist::Communicator& comm, std::int64_t in_place) {
  const Device gpu = Device::cuda();
  const Tensor w = test::random_tensor({3, 4}, 1).to(gpu).set_requires_grad(true);
  const Tensor bias = test::random_tensor({3}, 2).to(gpu).set_requires_grad(true);
  const Tensor x = test::random_tensor({2, 4}, 4).to(gpu);
  const Tensor labels = Tensor::from_int64({0, 2}, {2}).to(gpu);
  const auto loss = [&] { return ops::softmax_cross_entropy(ops::linear(x, w, bias), labels); };
  loss().backward();
  const auto want_w = w.grad().to_vector(), want_b = bias.grad().to_vector();
  w.clear_grad();
  bias.clear_grad();
  dist::GradientReducer reducer(comm, {{"w", w}, {"bias", bias}}, 8);
  reducer.backward(loss());
  CHECK(reducer.last_stats().in_place == in_place);
  CHECK(w.grad().device() == gpu);
  CHECK(w.grad().to_vector() == want_w);
  CHECK(bias.grad().to_vector() == want_b);
}

}  // namespace

TEST_CASE("gradient reducer: CUDA gradients in device buckets, or staged through the host", "[dist][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  dist::SingleCommunicator comm;  // moves GPU tensors as they are
  check_gpu_reduction(comm, 2);  // views into GPU buckets
  WatchedCommunicator staged;     // CPU tensors only, as MPI
  check_gpu_reduction(staged, 0);  // copied through host buckets
}

// Synchronised batch-norm on the GPU (built from the device's batch-norm kernels, the sums
// through the host) against the CPU's, over one rank: outputs, every gradient and the
// running statistics.
TEST_CASE("synchronised batch-norm on the GPU equals the CPU's", "[dist][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  const ops::Activation activation = GENERATE(ops::Activation::identity, ops::Activation::swish);
  dist::SingleCommunicator comm;
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed << ", activation " << ops::activation_name(activation));
    const Tensor x = test::random_tensor({3, 4, 5, 6}, seed, -2.f, 3.f), dy = test::random_tensor({3, 4, 5, 6}, seed + 1);
  const Tensor gamma = test::random_tensor({6}, seed + 2, 0.5f, 1.5f), beta = test::random_tensor({6}, seed + 3);
  const auto run = [&](Device device) {
    const Tensor xd = x.to(device).set_requires_grad(true), gd = gamma.to(device).set_requires_grad(true);
    const Tensor bd = beta.to(device).set_requires_grad(true);
    const Tensor mean = Tensor::zeros({6}).to(device), var = Tensor::ones({6}).to(device);
    const ops::SyncBatchNorm scope(comm);
    ops::BatchNormOptions o;
    o.activation = activation;
    const Tensor y = ops::batch_norm(xd, gd, bd, mean, var, o);
    y.backward(dy.to(device));
    return std::vector<Tensor>{y, xd.grad(), gd.grad(), bd.grad(), mean, var};
  };
  const auto cpu = run(Device::cpu()), gpu = run(Device::cuda());
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    INFO("output " << i << " (y, dx, dgamma, dbeta, running mean, running var)");
    CHECK(gpu[i].device() == Device::cuda());
    CHECK(test::relative_l2(test::to_double(gpu[i]), test::to_double(cpu[i])) < 1e-5);
  }
}

#if AUTOSPACE_WITH_NCCL
// NCCL over one rank (the lent machines have one GPU): every collective on GPU tensors
// runs through a real NCCL communicator, host tensors through the wrapped one, and the
// reducer keeps its buckets on the GPU.
TEST_CASE("NCCL communicator on one GPU: collectives, host tensors, the gradient reducer", "[dist][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  dist::NcclCommunicator comm(std::make_unique<dist::SingleCommunicator>());
  CHECK(std::string(comm.backend()) == "nccl+single");
  CHECK(dist::data_parallel(comm));  // a world of one on NCCL takes the data-parallel path
  const Device gpu = Device::cuda();
  const Tensor t = test::random_tensor({1000}, 7);
  const Tensor on_gpu = t.to(gpu);
  comm.all_reduce(on_gpu, dist::ReduceOp::average);
  CHECK(on_gpu.to_vector() == t.to_vector());
  auto pending = comm.all_reduce_async(on_gpu, dist::ReduceOp::sum);
  pending->wait();
  CHECK(on_gpu.to_vector() == t.to_vector());
  const Tensor ids = Tensor::from_int64({3, -4, 5}, {3}).to(gpu);
  comm.broadcast(ids, 0);
  CHECK(ids.to(Device::cpu()).data<std::int64_t>()[1] == -4);
  const Tensor gathered = comm.all_gather(on_gpu);
  CHECK(gathered.shape() == Shape{1, 1000});
  CHECK(gathered.device() == gpu);
  CHECK(gathered.to_vector() == t.to_vector());
  const Tensor host = Tensor::full({4}, 2.f);
  comm.all_reduce(host, dist::ReduceOp::sum);  // the wrapped communicator's
  CHECK(host.to_vector() == std::vector<float>(4, 2.f));
  CHECK(comm.collectives() == 5);  // four on the GPU, one on the host
  check_gpu_reduction(comm, 2);  // views into GPU buckets
}
#endif

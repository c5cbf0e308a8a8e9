// Checks of engine/dist under a real MPI launcher: ctest runs it as
// `mpirun -np 2 dist_check <mode>` (tests/CMakeLists.txt). Each mode prints "ok" on rank
// 0 and exits 0 when every check holds; a failed check names itself and the rank.
//   collectives  values of every collective, sum and average (f32, i64, bf16), async completion
//   reducer      bucketed gradient averaging equals the hand-computed average (each gradient
//                a view into its bucket), and with bf16 compression the hand-computed bf16
//                one; untouched parameters stay undefined; ranks touching different
//                parameters fail identically, naming the parameter and the ranks
//   sync_bn      training on 2 ranks x batch B with synchronised batch-norm equals one
//                process on batch 2B (each rank computes that reference itself)
//   dea          DEA on 2 ranks (each feeding half of every batch): the populations agree
//                at every regeneration and at the end; ranks that decide differently
//                (another Eq. 5 momentum on rank 1) stop with the layer and rank named
//   hang, die    fault runs for tests/dist/fault.sh: rank 1 stops joining collectives
//                (sleeps, or kills itself); rank 0 must fail with a message naming it
//   compare A B TOL   (one process) every tensor of safetensors files A and B agrees:
//                max |a - b| / max(1, max |b|) below TOL (tests/dist/train_equality.sh)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "engine/autograd/node.h"
#include "engine/dist/communicator.h"
#include "engine/dist/gradient_reducer.h"
#include "engine/io/safetensors.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/sequential.h"
#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "engine/optim/optimizer.h"
#include "engine/rng/rng.h"
#include "nas/dea/evolution.h"
#include "tests/nas/tiny_dea.h"

using namespace autospace;

namespace {

dist::Communicator* comm = nullptr;

#define EXPECT(cond, ...)                                                                          \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      AUTOSPACE_THROW("rank ", comm->rank(), ": ", #cond, " failed at line ", __LINE__, ": " __VA_OPT__(, ) \
                      __VA_ARGS__);                                                                \
  } while (0)

void check_collectives() {
  const int r = comm->rank(), w = comm->world();
  EXPECT(w == 2, "run with -np 2");
  EXPECT(comm->local_rank() == r && comm->local_world() == w, "one node: local rank = rank");

  Tensor f = Tensor::from_vector({float(r + 1), float(10 * (r + 1))}, {2});
  comm->all_reduce(f, dist::ReduceOp::sum);
  EXPECT(f.to_vector() == std::vector<float>({3.f, 30.f}));
  comm->all_reduce(f, dist::ReduceOp::average);
  EXPECT(f.to_vector() == std::vector<float>({3.f, 30.f}), "the average of equal values is the value");

  Tensor g = Tensor::from_vector({float(r)}, {1});
  auto pending = comm->all_reduce_async(g, dist::ReduceOp::average);
  while (!pending->test()) {
  }
  pending->wait();
  EXPECT(g.item() == 0.5f);

  Tensor i = Tensor::from_int64({std::int64_t(1) << (40 + r)}, {1});
  comm->all_reduce(i, dist::ReduceOp::sum);
  EXPECT(i.data<std::int64_t>()[0] == (std::int64_t(3) << 40), "i64 sums are exact");

  Tensor bytes = Tensor::zeros({3}, DType::u8);
  if (r == 1) std::memcpy(bytes.raw_data(), "abc", 3);
  comm->broadcast(bytes, 1);
  EXPECT(std::memcmp(bytes.raw_data(), "abc", 3) == 0);

  const Tensor gathered = comm->all_gather(Tensor::from_int64({r, 7 * r}, {2}));
  EXPECT((gathered.shape() == Shape{2, 2}));
  const std::int64_t* gd = gathered.data<std::int64_t>();
  EXPECT(gd[0] == 0 && gd[1] == 0 && gd[2] == 1 && gd[3] == 7);
  // bf16: summed in float and rounded back; 1.5 + 2.25 and their mean are exact in bf16.
  const Tensor h = Tensor::from_vector({r == 0 ? 1.5f : 2.25f, 1.f + float(r) / 128}, {2}).to(DType::bf16);
  const Tensor h_mean = h.clone();
  comm->all_reduce(h, dist::ReduceOp::sum);
  EXPECT(h.to(DType::f32).to_vector() == std::vector<float>({3.75f, 2.f}), "bf16 sum, the tie 2 + 1/128 rounding to even");
  comm->all_reduce(h_mean, dist::ReduceOp::average);
  EXPECT(h_mean.to(DType::f32).to_vector()[0] == 1.875f, "bf16 average");
  comm->barrier();
  EXPECT(comm->collectives() == 9, "every collective is counted, got ", comm->collectives());
}

void clear_grads(nn::Module& m) {
  for (const Tensor& p : m.parameters()) p.clear_grad();
}

// logits = x W^T + b; each rank feeds its own rows.
Tensor linear_loss(nn::Linear& layer, int rank) {
  std::vector<float> xs;
  for (int k = 0; k < 6; ++k) xs.push_back(std::sin(float(k + 1) * float(rank + 2)));
  const Tensor x = Tensor::from_vector(xs, {2, 3});
  return ops::softmax_cross_entropy(layer.forward(x), Tensor::from_int64({rank, 1}, {2}));
}

void check_reducer() {
  const int r = comm->rank();
  auto used = std::make_shared<nn::Linear>(3, 2);
  auto unused = std::make_shared<nn::Linear>(3, 2);
  auto extra = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential model;
  model.append("used", used);
  model.append("unused", unused);
  model.append("extra", extra);
  model.initialize(5);

  // The expected average, from both ranks' losses computed here.
  std::vector<std::vector<float>> expected;
  for (const Tensor& p : used->parameters()) expected.emplace_back(p.numel(), 0.f);
  for (int rank = 0; rank < 2; ++rank) {
    clear_grads(model);
    linear_loss(*used, rank).backward();
    const auto params = used->parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
      const auto g = params[k].grad().to_vector();
      for (std::size_t i = 0; i < g.size(); ++i) expected[k][i] += g[i];
    }
  }
  for (auto& e : expected)
    for (float& v : e) v *= 0.5f;

  // Bucket sizes below one parameter: every parameter is a bucket of its own.
  for (std::int64_t bucket_bytes : {std::int64_t(4), dist::kDefaultBucketBytes}) {
    for (bool overlap : {true, false}) {
      dist::GradientReducer reducer(*comm, model.named_parameters(), bucket_bytes);
      clear_grads(model);
      const Tensor loss = linear_loss(*used, r);
      if (overlap) {
        reducer.backward(loss);
      } else {
        loss.backward();
        reducer.reduce();
      }
      const auto params = used->parameters();
      for (std::size_t k = 0; k < params.size(); ++k)
        EXPECT(params[k].grad().to_vector() == expected[k], "averaged gradient ", k, " (bucket bytes ", bucket_bytes,
               ", overlap ", overlap, ")");
      for (const Tensor& p : unused->parameters()) EXPECT(!p.grad().defined(), "an untouched parameter stays so");
      EXPECT(reducer.last_stats().parameters == 2);
      EXPECT(reducer.last_stats().in_place == 2, "CPU gradients are averaged as views into their buckets");
      EXPECT(reducer.last_stats().buckets == (bucket_bytes == 4 ? 2 : 1));
    }
  }

  // Compressed: each rank's gradients rounded to bf16, summed in float and rounded again,
  // halved (exact in bf16), back to f32 — what the MPI backend's bf16 sum computes.
  {
    std::vector<std::vector<float>> local[2];
    for (int rank = 0; rank < 2; ++rank) {
      clear_grads(model);
      linear_loss(*used, rank).backward();
      for (const Tensor& p : used->parameters()) local[rank].push_back(p.grad().to_vector());
    }
    const auto round = [](float v) { return bf16_to_float(float_to_bf16(v)); };
    dist::GradientReducer reducer(*comm, model.named_parameters(), dist::kDefaultBucketBytes, true);
    clear_grads(model);
    reducer.backward(linear_loss(*used, r));
    const auto params = used->parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
      const auto got = params[k].grad().to_vector();
      for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT(got[i] == round(0.5f * round(round(local[0][k][i]) + round(local[1][k][i]))), "compressed gradient ",
               k, "[", i, "]: ", got[i]);
    }
    EXPECT(reducer.last_stats().bytes == (6 + 2) * 2, "bf16 halves the bytes");
  }

  // Rank 1 also runs `extra`: both ranks must stop with the same message.
  dist::GradientReducer reducer(*comm, model.named_parameters());
  clear_grads(model);
  Tensor loss = linear_loss(*used, r);
  if (r == 1) {
    const Tensor y = extra->forward(Tensor::from_vector({1.f, 2.f}, {1, 2}));
    loss = ops::add(loss, ops::softmax_cross_entropy(y, Tensor::from_int64({0}, {1})));
  }
  std::string message;
  try {
    reducer.backward(loss);
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT(message.find("extra.") != std::string::npos && message.find("on ranks 1 and none on ranks 0") != std::string::npos,
         "mismatch message: '", message, "'");
  comm->barrier();  // the collectives stayed matched: the communicator still works
}

std::shared_ptr<nn::Sequential> small_net() {
  auto net = std::make_shared<nn::Sequential>();
  net->append(std::make_shared<nn::Conv2d>(3, 8, 3, 1));
  net->append(std::make_shared<nn::BatchNorm2d>(8));
  net->append(std::make_shared<nn::Lambda>([](const Tensor& x) { return ops::relu(x); }));
  net->append(std::make_shared<nn::Conv2d>(8, 8, 3, 2));
  net->append(std::make_shared<nn::BatchNorm2d>(8));
  net->append(std::make_shared<nn::Lambda>([](const Tensor& x) { return ops::relu(x); }));
  net->append(std::make_shared<nn::Lambda>(
      [](const Tensor& x) { return ops::reshape(ops::global_avg_pool(x), {x.dim(0), x.dim(3)}); }));
  net->append(std::make_shared<nn::Linear>(8, 4));
  net->initialize(11);
  return net;
}

struct Batch {
  Tensor x, labels;
};

// Rows [begin, end) of global batch `step` (7x7x3 images): the same values whichever
// process computes them.
Batch global_batch(int step, std::int64_t begin, std::int64_t end) {
  std::vector<float> xs;
  std::vector<std::int64_t> ys;
  for (std::int64_t n = begin; n < end; ++n) {
    for (int k = 0; k < 7 * 7 * 3; ++k)
      xs.push_back(std::sin(0.37f * float(k) + 1.3f * float(n) + 0.71f * float(step)) + 0.1f * float(n % 3));
    ys.push_back((n + step) % 4);
  }
  return {Tensor::from_vector(xs, {end - begin, 7, 7, 3}), Tensor::from_int64(ys, {end - begin})};
}

// Worst relative L2 difference over every parameter and buffer.
double max_difference(nn::Module& a, nn::Module& b, std::string& worst) {
  const auto sa = nn::state_of(a), sb = nn::state_of(b);
  double max = 0;
  for (std::size_t k = 0; k < sa.size(); ++k) {
    const auto va = sa[k].second.to_vector(), vb = sb[k].second.to_vector();
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < va.size(); ++i) {
      diff += (double(va[i]) - vb[i]) * (double(va[i]) - vb[i]);
      norm += double(vb[i]) * vb[i];
    }
    const double rel = std::sqrt(diff / std::max(norm, 1e-30));
    if (rel > max) {
      max = rel;
      worst = sa[k].first;
    }
  }
  return max;
}

// Trains `steps` SGD steps on rows [begin, end) of each global batch.
void train(nn::Sequential& net, int steps, std::int64_t begin, std::int64_t end, bool distributed) {
  const nn::DecayGroups groups = nn::split_weight_decay(net.named_parameters());
  optim::SGD sgd({{groups.decay, 1e-3f, 1.f}, {groups.no_decay, 0.f, 1.f}}, {0.9f, true});
  dist::GradientReducer reducer(*comm, net.named_parameters(), 2048);  // several buckets
  for (int step = 0; step < steps; ++step) {
    const Batch batch = global_batch(step, begin, end);
    sgd.zero_grad();
    const Tensor loss = ops::softmax_cross_entropy(net.forward(batch.x), batch.labels, 0.1f);
    if (distributed) reducer.backward(loss);
    else loss.backward();
    sgd.step(0.2f);
  }
}

void check_sync_bn() {
  const int r = comm->rank();
  constexpr std::int64_t B = 4;
  constexpr int kSteps = 4;
  auto reference = small_net();
  train(*reference, kSteps, 0, 2 * B, false);

  auto synced = small_net();
  {
    ops::SyncBatchNorm sync(*comm);
    train(*synced, kSteps, r * B, (r + 1) * B, true);
  }
  std::string worst;
  const double diff = max_difference(*synced, *reference, worst);
  // fp32 rounding: the ranks sum their halves of each reduction separately (batch sums in
  // convolution and linear gradients, BN statistics combined from per-rank moments), so
  // results differ from one process in the last bits, amplified by a few steps.
  EXPECT(diff < 2e-5, "2 ranks x B with synchronised BN vs 1 x 2B: ", worst, " differs by ", diff);

  auto unsynced = small_net();
  train(*unsynced, kSteps, r * B, (r + 1) * B, true);
  std::string unsynced_worst;
  const double unsynced_diff = max_difference(*unsynced, *reference, unsynced_worst);
  EXPECT(unsynced_diff > 1e-3, "per-rank BN statistics should differ visibly, got ", unsynced_diff);
  if (r == 0)
    std::printf("sync_bn: worst relative L2 difference %.3g (%s); without synchronisation %.3g (%s)\n", diff,
                worst.c_str(), unsynced_diff, unsynced_worst.c_str());
}

// This rank's half of global batch k (8 images) of the training or held-out data.
Batch dea_batch(std::uint32_t k, bool holdout) {
  const Tensor all = random_normal({8, 8, 8, 3}, {holdout ? 2u : 1u, RngPurpose::test, 0, k});
  std::vector<std::int64_t> labels;
  for (std::int64_t n = 0; n < 8; ++n) labels.push_back((k + static_cast<std::uint32_t>(n)) % 3);
  const std::int64_t begin = 4 * comm->rank();
  return {all.narrow0(begin, begin + 4).clone(),
          Tensor::from_int64(std::vector<std::int64_t>(labels.begin() + begin, labels.begin() + begin + 4), {4})};
}

void run_dea(nas::Evolution& evo, std::int64_t until) {
  while (evo.step() < until) {
    if (evo.regeneration_due()) evo.regenerate();
    const auto k = static_cast<std::uint32_t>(evo.step());
    const Batch train = dea_batch(k, false);
    evo.weight_step(train.x, train.labels, 0.05f);
    if (evo.step() % 2 == 0) {
      const Batch held = dea_batch(k, true);
      evo.score_step(held.x, held.labels);
    }
  }
}

void check_dea() {
  nas::Evolution evo(test::tiny_dea_backbone(), test::tiny_dea_settings(), 5, 12);
  evo.distribute(nas::DataParallel(*comm, true));
  run_dea(evo, 12);  // regenerations at steps 3, 6, 9, each checked across ranks
  evo.finish();
  EXPECT(evo.round() == 3);
  const std::string state = evo.state().dump();
  const Tensor hash = Tensor::from_int64({static_cast<std::int64_t>(std::hash<std::string>{}(state))}, {1});
  const Tensor all = comm->all_gather(hash);
  EXPECT(all.data<std::int64_t>()[0] == all.data<std::int64_t>()[1], "final DEA states differ between ranks");

  nas::DeaSettings different = test::tiny_dea_settings();
  if (comm->rank() == 1) different.momentum = 0.25;
  nas::Evolution diverging(test::tiny_dea_backbone(), different, 5, 12);
  diverging.distribute(nas::DataParallel(*comm, false));
  std::string message;
  try {
    run_dea(diverging, 12);
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT(message.find("round 1 the population of layer 0 on rank 1 differs") != std::string::npos,
         "disagreement message: '", message, "'");
}

int run_fault(bool die) {
  comm->set_timeout(2.0);
  Tensor t = Tensor::ones({16});
  for (int step = 0;; ++step) {
    if (comm->rank() == 1 && step == 3) {
      std::fflush(stdout);
      if (die) std::raise(SIGKILL);
      std::this_thread::sleep_for(std::chrono::seconds(120));
    }
    try {
      comm->all_reduce(t, dist::ReduceOp::average);
    } catch (const dist::CommunicatorError& e) {
      std::fprintf(stderr, "dist_check: %s\n", e.what());
      return 3;
    }
  }
}

// max |a - b| / max(1, max |b|): relative for large values, absolute near zero, where
// tensors such as a running mean of centred activations are rounding noise themselves.
double scaled_difference(const Tensor& a, const Tensor& b) {
  const auto va = (a.dtype() == DType::f32 ? a : a.to(DType::f32)).to_vector();
  const auto vb = (b.dtype() == DType::f32 ? b : b.to(DType::f32)).to_vector();
  double diff = 0, scale = 1;
  for (std::size_t i = 0; i < va.size(); ++i) {
    diff = std::max(diff, std::abs(double(va[i]) - vb[i]));
    scale = std::max(scale, std::abs(double(vb[i])));
  }
  return diff / scale;
}

int compare_files(const std::string& a, const std::string& b, double tolerance) {
  const io::SafetensorsContents ca = io::read_safetensors(a), cb = io::read_safetensors(b);
  AUTOSPACE_CHECK(ca.tensors.size() == cb.tensors.size(), a, " and ", b, " hold different tensor counts");
  double worst = 0;
  std::string worst_name;
  for (std::size_t k = 0; k < ca.tensors.size(); ++k) {
    const auto& [name, ta] = ca.tensors[k];
    const auto& [name_b, tb] = cb.tensors[k];
    AUTOSPACE_CHECK(name == name_b && ta.shape() == tb.shape(), "tensor ", k, ": ", name, " vs ", name_b);
    const double d = scaled_difference(ta, tb);
    if (d >= tolerance) std::printf("compare: %s differs by %.3g\n", name.c_str(), d);
    if (d >= worst) {
      worst = d;
      worst_name = name;
    }
  }
  std::printf("compare: %zu tensors, worst scaled difference %.3g (%s), tolerance %.3g\n", ca.tensors.size(),
              worst, worst_name.c_str(), tolerance);
  return worst < tolerance ? 0 : 1;
}

// The validation results of two runs — per epoch of autospace-train (metrics.jsonl) or of
// autospace-eval (eval.json): the same images, top-1 and top-5, and the loss to
// `tolerance` (relative).
int compare_evaluations(const std::string& a, const std::string& b, double tolerance) {
  const auto read = [](const std::string& file) {
    std::vector<nas::Json> out;
    std::ifstream in(file);
    AUTOSPACE_CHECK(in, file, ": cannot open for reading");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nas::Json whole = nas::Json::parse(text, nullptr, false);
    if (whole.is_object() && whole.value("format", "") == "autospace.eval/1") return std::vector<nas::Json>{whole};
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      const nas::Json r = nas::Json::parse(line);
      if (r.value("kind", "") == "epoch" && r.contains("val")) out.push_back(r["val"]);
    }
    return out;
  };
  const std::vector<nas::Json> one = read(a), two = read(b);
  AUTOSPACE_CHECK(!one.empty() && one.size() == two.size(), a, " has ", one.size(), " evaluations, ", b, " ", two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    const nas::Json &x = one[i], &y = two[i];
    const double lx = x["loss"].get<double>(), ly = y["loss"].get<double>();
    if (x["images"] != y["images"] || x["top1"] != y["top1"] || x["top5"] != y["top5"] ||
        std::abs(lx - ly) > tolerance * std::abs(lx)) {
      std::printf("compare-eval: evaluation %zu differs: %s vs %s\n", i + 1, x.dump().c_str(), y.dump().c_str());
      return 1;
    }
  }
  const nas::Json& last = one.back();
  std::printf("compare-eval: %zu evaluations agree; last: %s images, top-1 %s, top-5 %s, loss %s\n", one.size(),
              last["images"].dump().c_str(), last["top1"].dump().c_str(), last["top5"].dump().c_str(),
              last["loss"].dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "compare" && argc == 5) return compare_files(argv[2], argv[3], std::stod(argv[4]));
    if (mode == "compare-eval" && argc == 5) return compare_evaluations(argv[2], argv[3], std::stod(argv[4]));
    comm = &dist::world_communicator();
    if (mode == "hang" || mode == "die") return run_fault(mode == "die");
    if (mode == "collectives") check_collectives();
    else if (mode == "reducer") check_reducer();
    else if (mode == "sync_bn") check_sync_bn();
    else if (mode == "dea") check_dea();
    else AUTOSPACE_THROW("usage: dist_check collectives|reducer|sync_bn|dea|hang|die, or dist_check compare A B TOL, or dist_check compare-eval A.jsonl B.jsonl TOL");
    comm->barrier();
    if (comm->rank() == 0) std::printf("ok\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dist_check %s: %s\n", mode.c_str(), e.what());
    return 1;
  }
}

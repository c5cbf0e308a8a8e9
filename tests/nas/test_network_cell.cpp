// A cell's forward and gradients against an independent composition of the double-precision
// reference kernels (kernels/ref), read straight from the cell's definition (DESIGN 4.1)
// and the bank's slot names (docs/formats.md, "Parameter names").
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "engine/core/device.h"
#include "engine/nn/dropout.h"
#include "engine/ops/cast.h"
#include "engine/rng/rng.h"
#include "kernels/ref/activation.h"
#include "kernels/ref/conv2d.h"
#include "kernels/ref/pool.h"
#include "nas/cell_choices.h"
#include "nas/cell_sampling.h"
#include "nas/arch_json.h"
#include "nas/network/build_network.h"
#include "nas/network/cell.h"
#include "tests/nas/nas_test_helpers.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

using Vec = std::vector<double>;

struct Map {  // an NHWC feature map in double
  std::int64_t n = 0, h = 0, w = 0, c = 0;
  Vec v;
};

struct RefTensor {
  Shape shape;
  Vec v;
};
using RefBank = std::map<std::string, RefTensor>;

RefBank ref_bank(const WeightBank& bank) {
  RefBank out;
  for (const auto& [name, t] : nn::state_of(bank)) out[name] = {t.shape(), test::to_double(t)};
  return out;
}

// The leading [out, k, k, in] of an OHWI bank weight.
Vec cut(const RefTensor& t, std::int64_t out, std::int64_t in) {
  const std::int64_t k1 = t.shape[1], k2 = t.shape[2], full_in = t.shape[3];
  Vec r;
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t a = 0; a < k1 * k2; ++a)
      for (std::int64_t i = 0; i < in; ++i) r.push_back(t.v[(o * k1 * k2 + a) * full_in + i]);
  return r;
}

Map conv(const Map& x, const Vec& w, std::int64_t out, int k, int stride, bool depthwise, const Vec* bias = nullptr) {
  const kernels::Conv2dShape s{x.n, x.h, x.w, x.c, out, k, k, stride, k / 2, depthwise ? x.c : 1};
  Map y{x.n, s.out_h(), s.out_w(), out, Vec(static_cast<std::size_t>(x.n * s.out_h() * s.out_w() * out))};
  kernels::ref::conv2d_forward<double>(s, x.v.data(), w.data(), bias ? bias->data() : nullptr, y.v.data());
  return y;
}

Map batch_norm_train(Map x, const RefBank& b, const std::string& slot, double eps) {
  const Vec& gamma = b.at(slot + ".weight").v;
  const Vec& beta = b.at(slot + ".bias").v;
  const std::int64_t rows = x.n * x.h * x.w;
  for (std::int64_t c = 0; c < x.c; ++c) {
    double mean = 0, var = 0;
    for (std::int64_t r = 0; r < rows; ++r) mean += x.v[r * x.c + c];
    mean /= rows;
    for (std::int64_t r = 0; r < rows; ++r) var += (x.v[r * x.c + c] - mean) * (x.v[r * x.c + c] - mean);
    var /= rows;
    for (std::int64_t r = 0; r < rows; ++r)
      x.v[r * x.c + c] = gamma[c] * (x.v[r * x.c + c] - mean) / std::sqrt(var + eps) + beta[c];
  }
  return x;
}

Map activate(Map x, kernels::ActivationKind kind) {
  kernels::ref::activation<double>(kind, static_cast<std::int64_t>(x.v.size()), x.v.data(), x.v.data());
  return x;
}

kernels::ActivationKind kind_of(Activation a) {
  switch (a) {
    case Activation::relu: return kernels::ActivationKind::relu;
    case Activation::relu6: return kernels::ActivationKind::relu6;
    case Activation::swish: return kernels::ActivationKind::swish;
    case Activation::hswish: return kernels::ActivationKind::hswish;
  }
  return kernels::ActivationKind::identity;
}

Map add(Map a, const Map& b) {
  for (std::size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  return a;
}

Map concat(const std::vector<Map>& xs) {
  Map y = xs[0];
  y.c = 0;
  for (const Map& x : xs) y.c += x.c;
  y.v.clear();
  for (std::int64_t r = 0; r < y.n * y.h * y.w; ++r)
    for (const Map& x : xs) y.v.insert(y.v.end(), x.v.begin() + r * x.c, x.v.begin() + (r + 1) * x.c);
  return y;
}

// The whole cell, BN in training mode.
Map ref_cell(const Genotype& genotype, const LayerPosition& p, const CellSettings& s, const RefBank& b, const Map& x) {
  const Genotype g = canonical(genotype);
  const std::int64_t cm = static_cast<std::int64_t>(p.in_channels) * g.expansion;
  const double eps = s.batch_norm.eps;
  const auto act = kind_of(s.activation);
  auto conv_bn = [&](const Map& in, const std::string& slot, std::int64_t out, int k, int stride, bool dw) {
    return batch_norm_train(conv(in, cut(b.at(slot + ".conv.weight"), out, dw ? 1 : in.c), out, k, stride, dw), b,
                            slot + ".bn", eps);
  };
  std::vector<Map> nodes(4);
  nodes[0] = g.expansion == 1 ? x : activate(conv_bn(x, "input", cm, 1, 1, false), act);
  for (int j = 1; j < 4; ++j) {
    std::vector<Map> inputs;
    std::vector<int> sources;
    for (int e = 0; e < kEdgeCount; ++e) {
      const Op& op = g.edges[e];
      if (kEdges[e].to != j || op.kind == OpKind::zero) continue;
      const int i = kEdges[e].from;
      const int stride = i == 0 ? p.stride : 1;
      const std::string slot = "edge" + std::to_string(i) + std::to_string(j) + "." + to_string(op);
      const Map& in = nodes[i];
      if (op.kind == OpKind::identity && stride == 1) {
        inputs.push_back(in);
      } else if (op.kind == OpKind::identity) {
        const kernels::Pool2dShape ps{in.n, in.h, in.w, in.c, 2, 2, in.h % 2};
        Map y{in.n, ps.out_h(), ps.out_w(), in.c, Vec(static_cast<std::size_t>(in.n * ps.out_h() * ps.out_w() * in.c))};
        kernels::ref::avg_pool2d_forward<double>(ps, in.v.data(), y.v.data());
        inputs.push_back(y);
      } else {
        inputs.push_back(activate(conv_bn(in, slot, cm, op.kernel, stride, op.kind == OpKind::dwconv), act));
      }
      sources.push_back(i);
    }
    if (inputs.empty()) continue;
    if (inputs.size() == 1) {
      nodes[j] = inputs[0];
    } else if (g.mix == Mix::sum) {
      nodes[j] = inputs[0];
      for (std::size_t k = 1; k < inputs.size(); ++k) nodes[j] = add(nodes[j], inputs[k]);
    } else {
      Vec w;  // [cm, 1, 1, inputs * cm]: row o is the blocks' rows o side by side
      for (std::int64_t o = 0; o < cm; ++o)
        for (int i : sources) {
          const Vec block = cut(b.at("mix" + std::to_string(j) + ".from" + std::to_string(i) + ".weight"), cm, cm);
          w.insert(w.end(), block.begin() + o * cm, block.begin() + (o + 1) * cm);
        }
      nodes[j] = batch_norm_train(conv(concat(inputs), w, cm, 1, 1, false), b, "mix" + std::to_string(j) + ".bn", eps);
    }
  }
  Map y = nodes[3];
  if (s.se_ratio > 0) {
    const std::int64_t sq = squeeze_channels(p.in_channels, s.se_ratio);
    Map pooled{y.n, 1, 1, y.c, Vec(static_cast<std::size_t>(y.n * y.c))};
    kernels::ref::global_avg_pool_forward<double>(y.n, y.h * y.w, y.c, y.v.data(), pooled.v.data());
    const Vec b1 = b.at("se.fc1.bias").v;
    const Vec b2(b.at("se.fc2.bias").v.begin(), b.at("se.fc2.bias").v.begin() + cm);
    Map gate = activate(conv(pooled, cut(b.at("se.fc1.weight"), sq, cm), sq, 1, 1, false, &b1), act);
    gate = activate(conv(gate, cut(b.at("se.fc2.weight"), cm, sq), cm, 1, 1, false, &b2),
                    kernels::ActivationKind::sigmoid);
    for (std::int64_t r = 0; r < y.n * y.h * y.w; ++r)
      for (std::int64_t c = 0; c < cm; ++c) y.v[r * cm + c] *= gate.v[(r / (y.h * y.w)) * cm + c];
  }
  y = conv_bn(y, "output", p.out_channels, 1, 1, false);
  return s.residual && p.skippable() ? add(y, x) : y;
}

// Every bank parameter random (BN scales near 1), so slicing mistakes show.
void randomise(const WeightBank& bank, std::uint64_t seed) {
  for (const auto& [name, t] : bank.named_parameters()) {
    const bool scale = name.ends_with("bn.weight");
    t.copy_from(test::random_tensor(t.shape(), seed++, scale ? 0.5f : -1.f, scale ? 1.5f : 1.f));
  }
}

struct Case {
  std::string genotype;
  LayerPosition position;
  CellSettings settings;
};

CellSettings with(Activation a, double se_ratio = 0) {
  CellSettings s;
  s.activation = a;
  s.se_ratio = se_ratio;
  return s;
}

void check_forward(const Case& c, int max_expansion, std::uint64_t seed) {
  INFO(c.genotype << " stride " << c.position.stride << " " << c.position.in_channels << "->" << c.position.out_channels
                  << " at " << c.position.height);
  auto bank = std::make_shared<WeightBank>("", seed, c.position.in_channels, c.position.out_channels, max_expansion);
  const Genotype g = parse_genotype(c.genotype);
  Cell cell(g, c.position, c.settings, bank, BankUse::shared);
  randomise(*bank, seed);
  const Tensor x = test::random_tensor({2, c.position.height, c.position.width, c.position.in_channels}, seed + 99);
  const Tensor y = cell(x);
  const FeatureShape out = c.position.output();
  REQUIRE(y.shape() == Shape{2, out.height, out.width, out.channels});
  const Map want = ref_cell(g, c.position, c.settings, ref_bank(*bank),
                            {x.dim(0), x.dim(1), x.dim(2), x.dim(3), test::to_double(x)});
  CHECK(test::relative_l2(test::to_double(y), want.v) < 1e-5);
}

}  // namespace

TEST_CASE("network: cell forward equals the reference composition", "[network]") {
  const Case cases[] = {
      // the MBConv e6 k3 shape, residual
      {"e6:sum:dw3|zero,id|zero,zero,id", {8, 8, 1, 6, 6}, with(Activation::relu6)},
      // concat mixes of two and three inputs, narrower than the bank
      {"e3:concat:c3|id,dw3|c1,id,dw3", {4, 4, 1, 5, 5}, with(Activation::relu)},
      // sum of three inputs, no residual (Cin != Cout)
      {"e3:sum:dw5|c1,id|id,dw3,c3", {4, 6, 1, 5, 5}, with(Activation::hswish)},
      // stride 2 with identity edges from n0: 2x2 average pools on even and odd sizes
      {"e3:sum:id|dw3,c1|id,zero,c3", {4, 8, 2, 8, 8}, with(Activation::relu6)},
      {"e3:concat:id|dw3,c1|id,zero,c3", {4, 8, 2, 7, 7}, with(Activation::swish)},
      // e = 1: n0 is the input itself, also with a strided identity
      {"e1:concat:c3|id,id|zero,dw5,id", {6, 6, 1, 5, 5}, with(Activation::relu6)},
      {"e1:sum:id|zero,dw3|zero,zero,id", {6, 4, 2, 6, 6}, with(Activation::relu)},
      // squeeze-excite on n3
      {"e6:sum:dw3|zero,id|zero,zero,id", {4, 4, 1, 5, 5}, with(Activation::swish, 0.25)},
      {"e3:concat:c3|id,dw3|zero,id,id", {8, 4, 2, 6, 6}, with(Activation::relu, 0.5)},
  };
  std::uint64_t seed = 1;
  for (const Case& c : cases) check_forward(c, 6, seed++);
}

TEST_CASE("network: random cells' forward equals the reference composition", "[network]") {
  CellChoices choices;
  choices.ops = {op_zero(), op_identity(), op_conv(1), op_conv(3), op_dwconv(3), op_dwconv(5)};
  Rng rng({7, RngPurpose::test, 0, 0});
  for (int i = 0; i < 12; ++i) {
    const Genotype g = sample_cell(choices, rng);
    const int in = 3 + static_cast<int>(rng.below(3));
    const int out = rng.below(2) ? in : in + 2;
    const int stride = 1 + static_cast<int>(rng.below(2));
    const int size = 4 + static_cast<int>(rng.below(3));
    const double se = rng.below(3) == 0 ? 0.25 : 0;
    check_forward({to_string(g), {in, out, stride, size, size}, with(Activation::relu6, se)}, 6, 100 + i);
  }
}

TEST_CASE("network: cell gradients match finite differences of the reference", "[network]") {
  // Swish keeps the cell smooth, so central differences are exact to O(step^2); the bank
  // tensors probed are wider than the cell, so probes outside the slice check that their
  // gradient is zero.
  const Case cases[] = {
      {"e3:concat:c3|id,dw3|c1,id,dw3", {3, 3, 1, 4, 4}, with(Activation::swish)},
      {"e3:sum:id|dw3,c1|id,zero,c3", {3, 4, 2, 5, 5}, with(Activation::swish, 0.5)},
  };
  const std::vector<std::string> probed[] = {
      {"edge03.c1.conv.weight", "edge12.dw3.bn.bias", "mix3.from1.weight", "output.bn.weight"},
      {"edge02.dw3.conv.weight", "se.fc2.weight", "input.conv.weight"},
  };
  for (int k = 0; k < 2; ++k) {
    const Case& c = cases[k];
    INFO(c.genotype);
    auto bank = std::make_shared<WeightBank>("", 5, c.position.in_channels, c.position.out_channels, 6);
    const Genotype g = parse_genotype(c.genotype);
    Cell cell(g, c.position, c.settings, bank, BankUse::shared);
    randomise(*bank, 40);
    const auto named = bank->named_parameters();
    const std::map<std::string, Tensor> params(named.begin(), named.end());
    std::vector<Tensor> inputs{
        test::random_tensor({2, c.position.height, c.position.width, c.position.in_channels}, 3)};
    inputs[0].set_requires_grad(true);
    for (const std::string& name : probed[k]) inputs.push_back(params.at(name));
    const RefBank base = ref_bank(*bank);
    test::check_op(
        inputs, [&](const std::vector<Tensor>& in) { return cell(in[0]); },
        [&](const std::vector<Vec>& in) {
          RefBank b = base;
          for (std::size_t i = 0; i < probed[k].size(); ++i) b[probed[k][i]].v = in[i + 1];
          const Map x{2, c.position.height, c.position.width, c.position.in_channels, in[0]};
          return ref_cell(g, c.position, c.settings, b, x).v;
        });
  }
}

// bf16 activations through every kind of edge, mix and squeeze-excite: the cell's output
// stays within a few bf16 roundings of the f32 cell's (3e-2 relative), the gradients of its
// input and of its (f32) bank weights within 5e-2 (measured: at most 1.7%, with oneDNN's
// bf16 convolutions and with the f32 copies of an AVX2 CPU), each gradient's error taken
// relative to its norm or a tenth of the largest gradient's, whichever is larger: the
// rounding noise is the same size in every tensor, so small gradients (a BN bias before
// another training-mode BN has exactly zero in exact arithmetic) would otherwise be all
// noise. Smooth activations (swish, and hswish away from its two kinks): a rounding that
// moves a value across a ReLU6 kink changes its gradient outright (up to 11% here).
TEST_CASE("network: a cell on bf16 activations follows its f32 forward and gradients", "[network][bf16]") {
  const Case cases[] = {
      {"e3:concat:c3|id,dw3|c1,id,dw3", {4, 4, 1, 6, 6}, with(Activation::swish)},
      {"e3:sum:id|dw3,c1|id,zero,c3", {4, 6, 2, 7, 7}, with(Activation::hswish, 0.5)},
      {"e6:sum:dw5|zero,id|zero,zero,id", {6, 6, 1, 5, 5}, with(Activation::swish, 0.25)},
  };
  for (const Case& c : cases) {
    INFO(c.genotype);
    auto bank = std::make_shared<WeightBank>("", 5, c.position.in_channels, c.position.out_channels, 6);
    Cell cell(parse_genotype(c.genotype), c.position, c.settings, bank, BankUse::shared);
    randomise(*bank, 41);
    Tensor x = test::random_tensor({4, c.position.height, c.position.width, c.position.in_channels}, 4);
    x.set_requires_grad(true);
    const Tensor seed = test::random_tensor(cell(x).shape(), 6);
    const auto run = [&](DType activations) {
      x.clear_grad();
      for (const auto& [name, t] : bank->named_parameters()) t.clear_grad();
      const Tensor y = ops::cast(cell(ops::cast(x, activations)), DType::f32);
      y.backward(seed);
      std::map<std::string, std::vector<double>> out{{"output", test::to_double(y)}, {"d/x", test::to_double(x.grad())}};
      for (const auto& [name, t] : bank->named_parameters())
        if (t.grad().defined()) out[name] = test::to_double(t.grad());
      return out;
    };
    const auto want = run(DType::f32);
    const auto got = run(DType::bf16);
    REQUIRE(got.size() == want.size());
    const auto norm = [](const std::vector<double>& v) {
      double sum = 0;
      for (double e : v) sum += e * e;
      return std::sqrt(sum);
    };
    double largest = 0;
    for (const auto& [name, values] : want)
      if (name != "output") largest = std::max(largest, norm(values));
    for (const auto& [name, values] : want) {
      INFO(name);
      REQUIRE(got.count(name) == 1);
      if (name == "output") CHECK(test::relative_l2(got.at(name), values) < 3e-2);
      else CHECK(test::relative_l2(got.at(name), values, 0.1 * largest) < 5e-2);
    }
  }
}

// Stochastic depth's per-sample mask is made on the block's device: a GPU network with
// drop-path trains (autospace-train accepts device cuda) and draws the CPU's masks.
TEST_CASE("drop-path on the GPU draws the CPU's masks", "[cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  Arch arch = load_arch(test::arch_config("mobilenet_v2_cifar.json"));
  arch.net.stochastic_depth = 0.5;
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  const auto cpu_net = build_network(arch, seed), gpu_net = build_network(arch, seed);
  gpu_net->to(Device::cuda(0));
  const Tensor x = random_uniform(Shape{4, 3, arch.net.resolution, arch.net.resolution}, RngKey{seed, RngPurpose::test}, -1.f, 1.f);
  for (const auto& net : {cpu_net, gpu_net}) {
    net->train();
    nn::set_rng_step(*net, 0, 7);
  }
  const std::vector<float> on_cpu = cpu_net->forward(x).to_vector();
  const std::vector<float> on_gpu = gpu_net->forward(x.to(Device::cuda(0))).to_vector();
  REQUIRE(on_cpu.size() == on_gpu.size());
  for (std::size_t i = 0; i < on_cpu.size(); ++i) CHECK(on_gpu[i] == Approx(on_cpu[i]).margin(1e-3).epsilon(1e-3));
}

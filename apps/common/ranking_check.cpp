#include "apps/common/ranking_check.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "apps/common/batch_stream.h"
#include "apps/common/evaluate.h"
#include "apps/common/progress.h"
#include "apps/common/run_directory.h"
#include "apps/common/svg_plot.h"
#include "engine/core/device.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/residual_block.h"
#include "engine/nn/sequential.h"
#include "engine/ops/activation.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "engine/optim/schedule.h"
#include "kernels/common/check.h"
#include "nas/supernet/gated_layer.h"

namespace autospace::apps {

std::shared_ptr<nn::Module> build_resnet(const ResNetDescription& d, int classes) {
  AUTOSPACE_CHECK(!d.stages.empty(), "network ", d.name, ": no stages");
  auto net = std::make_shared<nn::Sequential>();
  net->append("stem_conv", std::make_shared<nn::Conv2d>(3, d.stem, 3));
  net->append("stem_bn", std::make_shared<nn::BatchNorm2d>(d.stem));
  net->append("stem_relu", std::make_shared<nn::Lambda>([](const Tensor& x) { return ops::relu(x); }));
  int channels = d.stem;
  for (std::size_t s = 0; s < d.stages.size(); ++s)
    for (int b = 0; b < d.stages[s].blocks; ++b) {
      const int stride = b == 0 ? d.stages[s].stride : 1;
      net->append("stage" + std::to_string(s) + "_" + std::to_string(b),
                  std::make_shared<nn::ResidualBlock>(channels, d.stages[s].width, stride));
      channels = d.stages[s].width;
    }
  net->append("pool", std::make_shared<nn::Lambda>([](const Tensor& x) {
    return ops::reshape(ops::global_avg_pool(x), {x.dim(0), x.dim(3)});
  }));
  net->append("classifier", std::make_shared<nn::Linear>(channels, classes));
  return net;
}

namespace {

ResNetDescription parse_candidate(const nas::Json& value, const std::string& path) {
  const nas::ObjectReader r(value, path, {"name", "stem", "stages"});
  ResNetDescription d;
  d.name = r.string("name");
  d.stem = static_cast<int>(r.integer("stem", 1, 4096));
  const nas::Json& stages = r.array("stages");
  if (stages.empty()) nas::json_fail(r.path_of("stages"), "needs at least one stage");
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const nas::ObjectReader st(stages[i], nas::json_index(r.path_of("stages"), i), {"width", "blocks", "stride"});
    d.stages.push_back({static_cast<int>(st.integer("width", 1, 4096)), static_cast<int>(st.integer_or("blocks", 1, 1, 64)),
                        static_cast<int>(st.integer_or("stride", 1, 1, 2))});
  }
  return d;
}

nas::Json candidate_to_json(const ResNetDescription& d) {
  nas::Json stages = nas::Json::array();
  for (const auto& s : d.stages) stages.push_back({{"width", s.width}, {"blocks", s.blocks}, {"stride", s.stride}});
  return {{"name", d.name}, {"stem", d.stem}, {"stages", stages}};
}

// Indices of the candidates from best to worst.
std::vector<int> order_by(const std::vector<double>& value) {
  std::vector<int> order(value.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return value[a] > value[b]; });
  return order;
}

struct Trainer {
  const RankingSettings& s;
  Device device;
  BatchStream& train;
  std::int64_t total_steps;
  optim::CosineSchedule schedule;

  std::unique_ptr<optim::SGD> sgd_for(nn::Module& model) const {
    const auto groups = nn::split_weight_decay(model.named_parameters());
    return std::make_unique<optim::SGD>(
        std::vector<optim::ParamGroup>{{groups.decay, s.weight_decay, 1.f}, {groups.no_decay, 0.f, 1.f}},
        optim::SgdOptions{s.momentum, true});
  }

  double weight_step(nn::Module& model, optim::SGD& sgd, std::int64_t step) {
    const data::Batch batch = train.at(step);
    Tensor loss = ops::softmax_cross_entropy(model.forward(input_tensor(batch, s.data, device)), batch.labels);
    loss.backward();
    sgd.step(schedule.lr(step));
    sgd.zero_grad();
    return loss.item();
  }
};

// Part 1: one candidate trained alone, then evaluated.
std::filesystem::path standalone_weights(const RunDirectory& run, const ResNetDescription& d) {
  return run.file("standalone-" + d.name + ".safetensors");
}

nas::Json train_standalone(Trainer& t, const ResNetDescription& d, int classes, data::Loader& val,
                           const RunDirectory& run) {
  auto net = build_resnet(d, classes);
  net->initialize(t.s.seed);
  net->train();
  auto sgd = t.sgd_for(*net);
  Progress progress("rankcheck " + d.name, t.total_steps);
  for (std::int64_t step = 0; step < t.total_steps; ++step) {
    char details[64];
    std::snprintf(details, sizeof details, "loss %.3f", t.weight_step(*net, *sgd, step));
    progress.step(step, t.s.batch_size, details);
  }
  const Evaluation e = evaluate(*net, val, t.s.data, t.device);
  io::write_safetensors(standalone_weights(run, d), nn::state_of(*net), {{"network", d.name}});
  std::int64_t params = 0;
  for (const auto& [name, p] : net->named_parameters()) params += p.numel();
  std::printf("[rankcheck] %s alone: top-1 %.2f%%\n", d.name.c_str(), 100 * e.top1);
  return {{"name", d.name}, {"top1", e.top1}, {"top5", e.top5}, {"loss", e.loss}, {"params", params},
          {"seconds", progress.elapsed_seconds()}};
}

// Part 2: the candidates behind one gated choice, scores starting from `init`.
nas::Json train_gated(Trainer& t, BatchStream& holdout, int classes, const std::vector<float>& init,
                      std::size_t init_index, const std::vector<int>& true_order, RunDirectory& run) {
  std::vector<std::shared_ptr<nn::Module>> candidates;
  for (const auto& d : t.s.candidates) {
    candidates.push_back(build_resnet(d, classes));
    if (t.s.pretrained) {
      const auto file = standalone_weights(run, d);
      nn::load_state(*candidates.back(), io::read_safetensors(file).tensors, file.string());
    } else {
      candidates.back()->initialize(t.s.seed);  // each starts as its standalone twin did
    }
  }
  nas::GatedLayer gate(candidates, false, init);
  gate.train();
  auto sgd = t.sgd_for(gate);
  optim::Adam adam({{{{"logits", gate.logits()}}, 0.f, 1.f}}, {t.s.score_beta1, t.s.score_beta2});
  const nas::GateUpdate update{t.s.compensation, t.s.compensation_max};
  const std::uint64_t seed = t.s.seed + 1000 * (init_index + 1);

  nas::Json epochs = nas::Json::array();
  const std::int64_t per_epoch = t.train.steps_per_epoch();
  Progress progress("rankcheck init " + std::to_string(init_index), t.total_steps);
  // Mean losses over the epoch so far: weight steps (training split), score steps (held out).
  struct Tally {
    double sum = 0;
    std::int64_t count = 0;
    nas::Json mean() const { return count ? nas::Json(sum / static_cast<double>(count)) : nas::Json(nullptr); }
  } train_loss, holdout_loss;
  std::int64_t score_steps = 0;
  for (std::int64_t step = 0; step < t.total_steps; ++step) {
    if (!t.s.pretrained) {  // fixed weights: only the score steps of this interval run
      Rng weight_rng({seed, RngPurpose::architecture_sampling, 0, static_cast<std::uint32_t>(step)});
      gate.sample(weight_rng, nas::GatePaths::active_only);
      train_loss.sum += t.weight_step(gate, *sgd, step);
      ++train_loss.count;
    }
    if ((step + 1) % t.s.score_every == 0) {
      Rng score_rng({seed, RngPurpose::architecture_sampling, 1, static_cast<std::uint32_t>(score_steps)});
      gate.sample(score_rng, nas::GatePaths::both);
      const data::Batch held = holdout.at(score_steps++);
      Tensor loss = ops::softmax_cross_entropy(gate.forward(input_tensor(held, t.s.data, t.device)), held.labels);
      holdout_loss.sum += loss.item();
      ++holdout_loss.count;
      loss.backward();
      sgd->zero_grad();  // weights learn on the training split only
      nas::step_gate_logits({&gate}, adam, t.s.score_lr, update);
      adam.zero_grad();
    }
    progress.step(step, t.s.batch_size, "held-out loss " + holdout_loss.mean().dump());
    if ((step + 1) % per_epoch == 0 || step + 1 == t.total_steps) {
      const std::vector<float> a = gate.logits().to_vector();
      const std::vector<int> order = order_by(std::vector<double>(a.begin(), a.end()));
      const double epoch = static_cast<double>(step + 1) / static_cast<double>(per_epoch);
      epochs.push_back({{"epoch", epoch}, {"logits", a}, {"order", order}, {"true_order", order == true_order}});
      run.log({{"part", "gated"}, {"init", init_index}, {"epoch", epoch}, {"logits", a}, {"order", order},
               {"train_loss", train_loss.mean()}, {"holdout_loss", holdout_loss.mean()}});
      train_loss = {};
      holdout_loss = {};
    }
  }
  // The first epoch from which the order is the true one until the end.
  nas::Json needed = nullptr;
  for (std::size_t e = epochs.size(); e-- > 0 && epochs[e]["true_order"].get<bool>();) needed = epochs[e]["epoch"];
  std::vector<std::int64_t> sampled;
  for (int k = 0; k < gate.candidates(); ++k) sampled.push_back(gate.sampled_count(k));
  return {{"init", init}, {"epochs", epochs}, {"final_order", epochs.back()["order"]},
          {"true_order_reached", epochs.back()["true_order"]}, {"epochs_needed", needed},
          {"sampled_in_pair", sampled}, {"seconds", progress.elapsed_seconds()}};
}

void write_logit_plots(const RunDirectory& run, const RankingSettings& s, const nas::Json& gated) {
  for (std::size_t i = 0; i < gated.size(); ++i) {
    std::vector<PlotSeries> series(s.candidates.size());
    for (std::size_t c = 0; c < s.candidates.size(); ++c) {
      series[c].name = s.candidates[c].name;
      series[c].x.push_back(0);
      series[c].y.push_back(s.inits[i][c]);
      for (const auto& e : gated[i]["epochs"]) {
        series[c].x.push_back(e["epoch"].get<double>());
        series[c].y.push_back(e["logits"][c].get<double>());
      }
    }
    io::write_file_atomically(run.file("scores-init" + std::to_string(i) + ".svg"),
                              svg_line_plot("Learned scores, initialisation " + std::to_string(i), "epoch", "logit",
                                            series));
  }
}

}  // namespace

RankingSettings parse_ranking_settings(const nas::Json& description) {
  const nas::ObjectReader top(description, "", {"run_dir", "seed", "device", "threads", "data", "candidates", "train", "scores"});
  RankingSettings s;
  parse_run_basics(top, std::filesystem::path("runs/ranking-check"), s);
  const nas::Json& candidates = top.array("candidates");
  if (candidates.size() < 2) nas::json_fail(top.path_of("candidates"), "needs at least two networks");
  for (std::size_t i = 0; i < candidates.size(); ++i)
    s.candidates.push_back(parse_candidate(candidates[i], nas::json_index(top.path_of("candidates"), i)));

  const nas::Json empty = nas::Json::object();
  const nas::ObjectReader t(top.has("train") ? top.at("train") : empty, top.path_of("train"),
                            {"epochs", "batch_size", "lr", "final_lr", "momentum", "weight_decay"});
  s.epochs = static_cast<int>(t.integer_or("epochs", s.epochs, 1, 10000));
  s.batch_size = t.integer_or("batch_size", s.batch_size, 2, 1 << 20);
  s.lr = static_cast<float>(t.number_or("lr", s.lr, {0, 100, true, false}));
  s.final_lr = static_cast<float>(t.number_or("final_lr", s.final_lr, {0, 100}));
  s.momentum = static_cast<float>(t.number_or("momentum", s.momentum, {0, 1, false, true}));
  s.weight_decay = static_cast<float>(t.number_or("weight_decay", s.weight_decay, {0, 1}));

  const nas::ObjectReader sc(top.has("scores") ? top.at("scores") : empty, top.path_of("scores"),
                             {"weights", "every", "batch_size", "lr", "beta1", "beta2", "compensation", "compensation_max",
                              "inits"});
  if (sc.has("weights")) s.pretrained = sc.choice("weights", {"joint", "pretrained"}) == 1;
  s.score_every = static_cast<int>(sc.integer_or("every", s.score_every, 1, 1 << 20));
  s.score_batch_size = sc.integer_or("batch_size", s.score_batch_size, 2, 1 << 20);
  s.score_lr = static_cast<float>(sc.number_or("lr", s.score_lr, {0, 100, true, false}));
  s.score_beta1 = static_cast<float>(sc.number_or("beta1", s.score_beta1, {0, 1, false, true}));
  s.score_beta2 = static_cast<float>(sc.number_or("beta2", s.score_beta2, {0, 1, false, true}));
  s.compensation = sc.boolean_or("compensation", s.compensation);
  s.compensation_max = static_cast<float>(sc.number_or("compensation_max", s.compensation_max, {1, 1e6}));
  const nas::Json& inits = sc.array("inits");
  if (inits.empty()) nas::json_fail(sc.path_of("inits"), "needs at least one initialisation");
  for (std::size_t i = 0; i < inits.size(); ++i) {
    const std::string path = nas::json_index(sc.path_of("inits"), i);
    const nas::Json& init = nas::json_array(inits[i], path);
    if (init.size() != s.candidates.size())
      nas::json_fail(path, std::to_string(init.size()) + " logits for " + std::to_string(s.candidates.size()) +
                               " candidates");
    std::vector<float> logits;
    for (std::size_t c = 0; c < init.size(); ++c)
      logits.push_back(static_cast<float>(nas::json_number(init[c], nas::json_index(path, c), {-100, 100})));
    s.inits.push_back(logits);
  }
  return s;
}

nas::Json to_json(const RankingSettings& s) {
  nas::Json j;
  write_run_basics(s, j);
  j["candidates"] = nas::Json::array();
  for (const auto& c : s.candidates) j["candidates"].push_back(candidate_to_json(c));
  j["train"] = {{"epochs", s.epochs},       {"batch_size", s.batch_size}, {"lr", s.lr},
                {"final_lr", s.final_lr},   {"momentum", s.momentum},     {"weight_decay", s.weight_decay}};
  j["scores"] = {{"weights", s.pretrained ? "pretrained" : "joint"},
                 {"every", s.score_every},  {"batch_size", s.score_batch_size},
                 {"lr", s.score_lr},        {"beta1", s.score_beta1},
                 {"beta2", s.score_beta2},  {"compensation", s.compensation},
                 {"compensation_max", s.compensation_max}, {"inits", s.inits}};
  return j;
}

nas::Json run_ranking_check(const RankingSettings& s) {
  RunDirectory run(s.run_dir, to_json(s));
  if (s.threads > 0) set_num_threads(s.threads);
  const Device device = parse_device(s.device);
  AUTOSPACE_CHECK(device.is_cpu(), "autospace-rankcheck: device ", device.str(), " is not supported yet (CPU only)");
  const Datasets sets = open_datasets(s.data);
  const TrainHoldout split = split_holdout(sets, s.data, s.seed);
  BatchStream train(make_loader(split.train, s.data, s.batch_size, true, s.seed));
  BatchStream holdout(make_loader(split.holdout, s.data, s.score_batch_size, true, s.seed + 1));
  auto val = make_loader(sets.val, s.data, 256, false, s.seed);
  const std::int64_t total = static_cast<std::int64_t>(s.epochs) * train.steps_per_epoch();
  Trainer trainer{s, device, train, total, optim::CosineSchedule(s.lr, total, 0, s.final_lr)};

  auto part = [&](const std::string& name, const auto& compute) {
    const auto file = run.file(name);
    if (std::filesystem::exists(file)) return nas::read_json_file(file);
    nas::Json result = compute();
    nas::write_json_file(file, result);
    return result;
  };

  nas::Json standalone = nas::Json::array();
  std::vector<double> accuracy;
  for (const auto& d : s.candidates) {
    standalone.push_back(
        part("standalone-" + d.name + ".json", [&] { return train_standalone(trainer, d, sets.classes, *val, run); }));
    accuracy.push_back(standalone.back()["top1"].get<double>());
  }
  const std::vector<int> true_order = order_by(accuracy);

  nas::Json gated = nas::Json::array();
  int reproduced = 0;
  for (std::size_t i = 0; i < s.inits.size(); ++i) {
    gated.push_back(part("gated-" + std::to_string(i) + ".json", [&] {
      return train_gated(trainer, holdout, sets.classes, s.inits[i], i, true_order, run);
    }));
    reproduced += gated.back()["true_order_reached"].get<bool>();
  }
  write_logit_plots(run, s, gated);
  const nas::Json result = {{"true_order", true_order},
                            {"standalone", standalone},
                            {"gated", gated},
                            {"initialisations", s.inits.size()},
                            {"reproduced", reproduced}};
  nas::write_json_file(run.file("ranking.json"), result);
  std::printf("[rankcheck] the learned scores end in the true order from %d of %zu initialisations (%s)\n",
              reproduced, s.inits.size(), run.file("ranking.json").c_str());
  return result;
}

}  // namespace autospace::apps

#include "apps/phases/search/search_settings.h"

#include <algorithm>
#include <map>

#include "nas/search/budget_export.h"
#include "nas/search/space_table.h"
#include "nas/space_json.h"

namespace autospace::apps {

namespace {

const std::vector<std::string> kMethods = {"proxyless-g", "proxyless-rl", "spos", "random"};
const std::vector<std::string> kMaddsLosses = {"mul#log", "add#linear"};

// Which methods each method-specific key belongs to.
const std::map<std::string, std::vector<SearchMethod>>& method_keys() {
  using M = SearchMethod;
  static const std::map<std::string, std::vector<M>> keys = {
      {"arch_warmup_epochs", {M::proxyless_g, M::proxyless_rl}}, {"arch_every", {M::proxyless_g, M::proxyless_rl}},
      {"arch_batch_size", {M::proxyless_g, M::proxyless_rl}},    {"arch_lr", {M::proxyless_g, M::proxyless_rl}},
      {"arch_beta1", {M::proxyless_g, M::proxyless_rl}},         {"arch_beta2", {M::proxyless_g, M::proxyless_rl}},
      {"adaptive_budget", {M::proxyless_g, M::proxyless_rl}},    {"budget_gains", {M::proxyless_g, M::proxyless_rl}},
      {"madds_loss", {M::proxyless_g}},                          {"beta", {M::proxyless_g}},
      {"lambda", {M::proxyless_g}},                              {"reward_exponent", {M::proxyless_rl}},
      {"baseline_decay", {M::proxyless_rl}},                     {"population", {M::spos, M::random}},
      {"generations", {M::spos, M::random}},                     {"parents", {M::spos}},
      {"mutations", {M::spos}},                                  {"crossovers", {M::spos}},
      {"mutation_probability", {M::spos}},                       {"recalibration_batches", {M::spos, M::random}},
      {"eval_batches", {M::spos, M::random}},
  };
  return keys;
}

void check_method_keys(const nas::ObjectReader& r, SearchMethod method) {
  for (const auto& [key, methods] : method_keys()) {
    if (!r.has(key) || std::find(methods.begin(), methods.end(), method) != methods.end()) continue;
    std::string owners;
    for (SearchMethod m : methods) owners += (owners.empty() ? "" : " and ") + to_string(m);
    nas::json_fail(r.path_of(key), "only for method " + owners + " (this search uses " + to_string(method) + ")");
  }
}

const std::vector<std::string> kBudgetKeys = {"target_madds", "target_params", "target_latency_ms"};

// One of the budget keys, and budget_band.
nas::Budget parse_budget(const nas::ObjectReader& r) {
  std::vector<std::string> given;
  for (const std::string& key : kBudgetKeys)
    if (r.has(key)) given.push_back(key);
  if (given.empty())
    nas::json_fail(r.path_of("target_madds"), "missing (or target_params, or target_latency_ms): the search's budget");
  if (given.size() > 1)
    nas::json_fail(r.path_of(given[1]), "give one budget, not both " + given[0] + " and " + given[1]);
  nas::Budget b;
  const std::string& key = given[0];
  if (key == "target_latency_ms") {
    b.kind = nas::CostKind::latency;
    b.target = r.number(key, {0, 1e9, true, false}) * 1e6;  // nanoseconds
  } else {
    b.kind = key == "target_params" ? nas::CostKind::params : nas::CostKind::madds;
    b.target = static_cast<double>(r.integer(key, 2, INT64_MAX));
  }
  if (r.has("budget_band")) {
    const nas::Json& band = r.array("budget_band");
    const std::string path = r.path_of("budget_band");
    if (band.size() != 2) nas::json_fail(path, "expected [low, high], fractions of the target");
    b.low = nas::json_number(band[0], nas::json_index(path, 0), {0, 100});
    b.high = nas::json_number(band[1], nas::json_index(path, 1), {b.low, 100, b.low == 0, false});
  }
  return b;
}

}  // namespace

std::string to_string(SearchMethod method) { return kMethods.at(static_cast<std::size_t>(method)); }

std::string budget_key(const SearchSettings& s) {
  return "search." + kBudgetKeys.at(static_cast<std::size_t>(s.budget.kind));
}

void check_budget_reachable(const SearchSettings& s, const nas::SpaceTable& table) {
  const nas::Budget& b = s.budget;
  const auto cheapest = static_cast<double>(table.min_cost(b.kind)),
             costliest = static_cast<double>(table.max_cost(b.kind));
  const std::string band = b.band();
  if (b.upper() < cheapest || b.lower() > costliest)
    nas::json_fail(budget_key(s), "the budget band " + band + " lies outside what " + s.space_origin() +
                                      " can reach: its networks cost " + b.describe(cheapest) + " to " +
                                      b.describe(costliest));
  if (!s.gated_method()) return;
  std::vector<std::vector<double>> uniform;
  for (std::size_t l = 0; l < table.layers(); ++l) uniform.emplace_back(table.size(l), 1.0 / table.size(l));
  if (!nas::most_probable_within(uniform, table, b))
    nas::json_fail(budget_key(s), "no network of " + s.space_origin() + " lies in the budget band " + band +
                                      ": it falls between the networks' costs; widen search.budget_band");
}

std::string SearchSettings::space_origin() const { return space_file.empty() ? "the inline space" : space_file.string(); }

SearchSettings parse_search_settings(const nas::Json& description, InputFile space) {
  const nas::ObjectReader top(description, "", with_run_basics_keys({"space", "search", "distributed"}));
  SearchSettings s;
  parse_run_basics(top, std::filesystem::path("runs/search"), s);

  if (!top.has("space")) nas::json_fail(top.path_of("space"), "missing: a space.json path or an inline space object");
  if (top.at("space").is_object()) {
    s.space_json = top.at("space");
    // An inline space's network takes the data's input size unless it says otherwise.
    if (!s.space_json.contains("backbone")) s.space_json["backbone"] = nas::Json::object();
    if (s.space_json["backbone"].is_object() && !s.space_json["backbone"].contains("resolution"))
      s.space_json["backbone"]["resolution"] = s.data.resolution;
    s.space = nas::parse_nested(top.path_of("space"), [&] { return nas::space_from_json(s.space_json); });
  } else {
    s.space_file = top.string("space");
    if (space == InputFile::read) {
      s.space_json = nas::read_json_file(s.space_file);
      s.space = nas::load_space(s.space_file);
    }
  }
  if (s.space && s.space->backbone().net.resolution != s.data.resolution)
    nas::json_fail(top.path_of("space"), s.space_origin() + " is for " + std::to_string(s.space->backbone().net.resolution) +
                                             "x" + std::to_string(s.space->backbone().net.resolution) +
                                             " inputs but data.resolution is " + std::to_string(s.data.resolution));

  const nas::Json empty = nas::Json::object();
  std::vector<std::string> keys = {"method",       "target_madds", "target_params",    "target_latency_ms",
                                   "latency",      "budget_band",  "epochs",           "batch_size",
                                   "lr",           "final_lr",     "warmup_epochs",    "momentum",
                                   "weight_decay", "grad_clip",    "checkpoint_every", "log_every"};
  for (const auto& [key, methods] : method_keys()) keys.push_back(key);
  const nas::ObjectReader r(top.has("search") ? top.at("search") : empty, top.path_of("search"), keys);
  if (!r.has("method")) nas::json_fail(r.path_of("method"), "missing (one of \"proxyless-g\", \"proxyless-rl\", \"spos\", \"random\")");
  s.method = static_cast<SearchMethod>(r.choice("method", kMethods));
  check_method_keys(r, s.method);
  if (s.gated_method() && s.space && s.space->kind() == nas::SpaceKind::open)
    nas::json_fail(r.path_of("method"), to_string(s.method) + " keeps every candidate of a layer in its supernet, and the open "
                                        "space offers tens of thousands per layer: search it with spos or random (the "
                                        "paper's evolution-on-the-open-space baseline), or give a learned or irb space");
  s.budget = parse_budget(r);
  if (s.budget.kind == nas::CostKind::latency) {
    if (!r.has("latency"))
      nas::json_fail(r.path_of("latency"),
                     "missing: target_latency_ms needs the latency table's section, e.g. "
                     "{\"table\": \"latency-table.json\", \"threads\": 1}");
    s.latency = parse_latency_settings(r, "latency");
  } else if (r.has("latency")) {
    nas::json_fail(r.path_of("latency"), "only with target_latency_ms (this search's budget is " + budget_key(s) + ")");
  }
  if (s.space && s.budget.kind != nas::CostKind::latency) {
    s.table = std::make_shared<const nas::SpaceTable>(*s.space);
    check_budget_reachable(s, *s.table);
  }
  // random at 0 epochs scores untrained weights, so its answer is a uniform draw inside
  // the band: with population 1, the random-architecture baseline of a NAS comparison.
  s.epochs = static_cast<int>(r.integer_or("epochs", s.epochs, s.method == SearchMethod::random ? 0 : 1, 100000));
  s.batch_size = r.integer_or("batch_size", s.batch_size, 2, 1 << 20);
  s.lr = static_cast<float>(r.number_or("lr", s.lr, {0, 100, true, false}));
  s.final_lr = static_cast<float>(r.number_or("final_lr", s.final_lr, {0, 100}));
  s.warmup_epochs = r.number_or("warmup_epochs", s.warmup_epochs, {0, 1000});
  s.momentum = static_cast<float>(r.number_or("momentum", s.momentum, {0, 1, false, true}));
  s.weight_decay = static_cast<float>(r.number_or("weight_decay", s.weight_decay, {0, 1}));
  s.grad_clip = r.number_or("grad_clip", s.grad_clip, {0, 1e9});
  s.checkpoint_every = r.integer_or("checkpoint_every", s.checkpoint_every, 1, INT64_MAX);
  s.log_every = r.integer_or("log_every", s.log_every, 1, INT64_MAX);

  nas::GatedSearchSettings& g = s.gated;
  g.method = s.method == SearchMethod::proxyless_rl ? nas::GatedMethod::reinforce : nas::GatedMethod::gradient;
  g.budget = s.budget;
  g.momentum = s.momentum;
  g.weight_decay = s.weight_decay;
  g.grad_clip = s.grad_clip;
  s.arch_warmup_epochs = r.number_or("arch_warmup_epochs", s.arch_warmup_epochs, {0, 100000});
  if (s.gated_method() && s.arch_warmup_epochs >= s.epochs)
    nas::json_fail(r.path_of("arch_warmup_epochs"), "must be less than epochs (" + std::to_string(s.epochs) +
                                                        "), else no architecture step is ever taken");
  s.arch_every = static_cast<int>(r.integer_or("arch_every", s.arch_every, 1, 1 << 20));
  s.arch_batch_size = r.integer_or("arch_batch_size", s.arch_batch_size, 2, 1 << 20);
  g.arch_lr = static_cast<float>(r.number_or("arch_lr", g.arch_lr, {0, 100, true, false}));
  g.arch_beta1 = static_cast<float>(r.number_or("arch_beta1", g.arch_beta1, {0, 1, false, true}));
  g.arch_beta2 = static_cast<float>(r.number_or("arch_beta2", g.arch_beta2, {0, 1, false, true}));
  if (r.has("madds_loss")) g.madds_loss = static_cast<nas::MaddsLoss>(r.choice("madds_loss", kMaddsLosses));
  g.beta = r.number_or("beta", g.beta, {0, 100});
  g.lambda = r.number_or("lambda", g.lambda, {0, 1e6});
  g.reward_exponent = r.number_or("reward_exponent", g.reward_exponent, {0, 100});
  g.baseline_decay = r.number_or("baseline_decay", g.baseline_decay, {0, 1, false, true});
  g.adaptive_budget = r.boolean_or("adaptive_budget", g.adaptive_budget);
  if (r.has("budget_gains")) {
    const nas::Json& gains = r.array("budget_gains");
    const std::string path = r.path_of("budget_gains");
    if (gains.size() != 2) nas::json_fail(path, "expected [proportional, integral] gains of the budget controller");
    g.budget_kp = nas::json_number(gains[0], nas::json_index(path, 0), {0, 1e6});
    g.budget_ki = nas::json_number(gains[1], nas::json_index(path, 1), {0, 1e6});
  }

  nas::ArchEvolutionSettings& e = s.evolution;
  e.random = s.method == SearchMethod::random;
  e.budget = s.budget;
  e.population = static_cast<int>(r.integer_or("population", e.population, 1, 100000));
  e.generations = static_cast<int>(r.integer_or("generations", e.generations, 1, 100000));
  e.parents = static_cast<int>(r.integer_or("parents", e.parents, 1, 100000));
  e.mutations = static_cast<int>(r.integer_or("mutations", e.mutations, 0, 100000));
  e.crossovers = static_cast<int>(r.integer_or("crossovers", e.crossovers, 0, 100000));
  e.mutation_probability = r.number_or("mutation_probability", e.mutation_probability, {0, 1, true, false});
  if (s.method == SearchMethod::spos && e.parents > e.population)
    nas::json_fail(r.path_of("parents"), "at most the population (" + std::to_string(e.population) + ")");
  if (s.method == SearchMethod::spos && e.mutations + e.crossovers == 0)
    nas::json_fail(r.path_of("mutations"), "mutations and crossovers are both 0: evolution would propose nothing");
  s.recalibration_batches = static_cast<int>(r.integer_or("recalibration_batches", s.recalibration_batches, 0, 1000000));
  s.eval_batches = static_cast<int>(r.integer_or("eval_batches", s.eval_batches, 0, 1000000));
  s.distributed = parse_distributed(top.has("distributed") ? top.at("distributed") : empty, top.path_of("distributed"));
  return s;
}

nas::Json to_json(const SearchSettings& s) {
  nas::Json j;
  write_run_basics(s, j);
  j["space"] = s.space_file.empty() ? s.space_json : nas::Json(s.space_file.string());
  nas::Json r = {{"method", to_string(s.method)}};
  const std::string budget = budget_key(s).substr(std::string("search.").size());
  if (s.budget.kind == nas::CostKind::latency) {
    r[budget] = s.budget.target / 1e6;
    r["latency"] = to_json(s.latency);
  } else {
    r[budget] = static_cast<std::int64_t>(s.budget.target);
  }
  r["budget_band"] = {s.budget.low, s.budget.high};
  r["epochs"] = s.epochs;
  r["batch_size"] = s.batch_size;
  r["lr"] = s.lr;
  r["final_lr"] = s.final_lr;
  r["warmup_epochs"] = s.warmup_epochs;
  r["momentum"] = s.momentum;
  r["weight_decay"] = s.weight_decay;
  r["grad_clip"] = s.grad_clip;
  const nas::GatedSearchSettings& g = s.gated;
  if (s.gated_method()) {
    r["arch_warmup_epochs"] = s.arch_warmup_epochs;
    r["arch_every"] = s.arch_every;
    r["arch_batch_size"] = s.arch_batch_size;
    r["arch_lr"] = g.arch_lr;
    r["arch_beta1"] = g.arch_beta1;
    r["arch_beta2"] = g.arch_beta2;
    r["adaptive_budget"] = g.adaptive_budget;
    r["budget_gains"] = {g.budget_kp, g.budget_ki};
  }
  if (s.method == SearchMethod::proxyless_g) {
    r["madds_loss"] = kMaddsLosses.at(static_cast<std::size_t>(g.madds_loss));
    r["beta"] = g.beta;
    r["lambda"] = g.lambda;
  }
  if (s.method == SearchMethod::proxyless_rl) {
    r["reward_exponent"] = g.reward_exponent;
    r["baseline_decay"] = g.baseline_decay;
  }
  if (!s.gated_method()) {
    const nas::ArchEvolutionSettings& e = s.evolution;
    r["population"] = e.population;
    r["generations"] = e.generations;
    if (s.method == SearchMethod::spos) {
      r["parents"] = e.parents;
      r["mutations"] = e.mutations;
      r["crossovers"] = e.crossovers;
      r["mutation_probability"] = e.mutation_probability;
    }
    r["recalibration_batches"] = s.recalibration_batches;
    r["eval_batches"] = s.eval_batches;
  }
  r["checkpoint_every"] = s.checkpoint_every;
  r["log_every"] = s.log_every;
  j["search"] = r;
  j["distributed"] = to_json(s.distributed);
  return j;
}

}  // namespace autospace::apps

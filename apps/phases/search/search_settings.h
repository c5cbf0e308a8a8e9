#pragma once
// The run description of autospace-search (phase 2), read strictly:
//
//   {"run_dir": "runs/search", "seed": 0, "device": "cpu", "threads": 0,
//    "data": {...apps/run/data_setup.h...},
//    "space": "runs/evolve/space.json",        or a space.json object inline (kind open | irb | learned)
//    "search": {"method": "proxyless-g" | "proxyless-rl" | "spos" | "random",
//               "target_madds": 300000000 (or "target_params", or "target_latency_ms" with
//               "latency": {...apps/phases/latency/latency_settings.h...}), "budget_band": [0.9, 1.0],
//               "epochs", "batch_size", "lr", "final_lr", "warmup_epochs", "momentum", "weight_decay", "grad_clip",
//               proxyless-*: "arch_warmup_epochs", "arch_every", "arch_batch_size", "arch_lr", "arch_beta1", "arch_beta2",
//                            "adaptive_budget", "budget_gains",
//               proxyless-g: "madds_loss" ("mul#log" | "add#linear"), "beta", "lambda",
//               proxyless-rl: "reward_exponent", "baseline_decay",
//               spos, random: "population", "generations", "parents", "mutations", "crossovers",
//                             "mutation_probability", "recalibration_batches", "eval_batches",
//               "checkpoint_every", "log_every"},
//    "distributed": {...apps/run/distributed.h...}}
//
// A key of another method is an error naming the methods it belongs to.
// docs/run-descriptions.md lists every key with its default; docs/search.md the methods.
#include <filesystem>
#include <memory>
#include <string>

#include "apps/phases/latency/latency_settings.h"
#include "apps/run/distributed.h"
#include "apps/run/run_basics.h"
#include "nas/search/arch_evolution.h"
#include "nas/search/gated_search.h"
#include "nas/search/space_table.h"
#include "nas/space.h"

namespace autospace::apps {

enum class SearchMethod { proxyless_g, proxyless_rl, spos, random };
std::string to_string(SearchMethod method);

struct SearchSettings : RunBasics {
  std::filesystem::path space_file;  // "space" as a path; empty when inline
  nas::Json space_json;              // the space as read (file contents or the inline object)
  std::shared_ptr<const nas::Space> space;

  // The space's candidates and costs, tabulated once here for the band's check and the
  // searchers; null with a pending space file and for a latency budget, whose table the
  // search phase builds once it has measured the candidates (prepare_search_table).
  std::shared_ptr<const nas::SpaceTable> table;

  SearchMethod method = SearchMethod::proxyless_g;
  nas::Budget budget;       // target_madds, target_params or target_latency_ms, budget_band
  LatencySettings latency;  // search.latency, with target_latency_ms
  int epochs = 10;
  std::int64_t batch_size = 64;
  float lr = 0.05f, final_lr = 0.f;
  double warmup_epochs = 0;
  float momentum = 0.9f, weight_decay = 4e-5f;
  double grad_clip = 5.0;
  // proxyless-g / proxyless-rl
  double arch_warmup_epochs = 0;  // weight-only epochs before architecture steps start
  int arch_every = 1;             // an architecture step after every this many weight steps
  std::int64_t arch_batch_size = 64;
  nas::GatedSearchSettings gated;
  // spos / random
  nas::ArchEvolutionSettings evolution;
  int recalibration_batches = 20;  // training batches re-estimating BN before each evaluation
  int eval_batches = 0;            // held-out batches per evaluation; 0: the whole held-out split
  std::int64_t checkpoint_every = 200, log_every = 10;
  DistributedSettings distributed;  // "distributed" (apps/run/distributed.h)

  bool gated_method() const { return method == SearchMethod::proxyless_g || method == SearchMethod::proxyless_rl; }
  std::string space_origin() const;  // the space file, or "the inline space"
};

// Parses the description (after --set overrides): reads the space file, checks the
// backbone against the data's resolution; errors name the JSON path. With a pending space
// file the settings are for checking only: `space` stays null.
SearchSettings parse_search_settings(const nas::Json& description, InputFile space = InputFile::read);
// Every setting written out, defaults included (stored as the run directory's config.json).
nas::Json to_json(const SearchSettings& settings);

// The budget's key in the description ("search.target_madds", ...), for messages.
std::string budget_key(const SearchSettings& settings);
// Refuses, naming budget_key and the range the space's networks cost, a budget band no
// network of `table` reaches. For the gated methods (spaces of a few candidates per layer)
// the budget export's dynamic programming checks exactly that some network lies in the
// band, which can fall between the networks' costs; over the open space that would cost
// more than the search, and the single-path methods' first draw reports such a band.
void check_budget_reachable(const SearchSettings& settings, const nas::SpaceTable& table);

}  // namespace autospace::apps

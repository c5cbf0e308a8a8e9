#include "apps/phases/evolve/evolve_settings.h"

#include "nas/space_json.h"

namespace autospace::apps {

namespace {

nas::CapRule parse_cap(const nas::ObjectReader& r) {
  nas::CapRule cap;
  static const std::vector<std::string> kinds = {"none", "absolute", "reference"};
  const std::size_t kind = r.has("kind") ? r.choice("kind", kinds) : 0;
  cap.kind = static_cast<nas::CapRule::Kind>(kind);
  if (cap.kind == nas::CapRule::Kind::absolute) cap.madds = r.integer("madds", 1, INT64_MAX);
  else if (r.has("madds")) nas::json_fail(r.path_of("madds"), "only for kind \"absolute\"");
  if (cap.kind == nas::CapRule::Kind::reference) cap.factor = r.number_or("factor", 2.0, {0, 1e6, true, false});
  else if (r.has("factor")) nas::json_fail(r.path_of("factor"), "only for kind \"reference\"");
  return cap;
}

nas::Json cap_to_json(const nas::CapRule& cap) {
  static const char* kinds[] = {"none", "absolute", "reference"};
  nas::Json j = {{"kind", kinds[static_cast<int>(cap.kind)]}};
  if (cap.kind == nas::CapRule::Kind::absolute) j["madds"] = cap.madds;
  if (cap.kind == nas::CapRule::Kind::reference) j["factor"] = cap.factor;
  return j;
}

}  // namespace

EvolveSettings parse_evolve_settings(const nas::Json& description) {
  const nas::ObjectReader top(description, "", with_run_basics_keys({"backbone", "evolve", "distributed"}));
  EvolveSettings s;
  parse_run_basics(top, std::filesystem::path("runs/evolve"), s);
  nas::Json backbone = top.has("backbone") ? top.at("backbone") : nas::Json::object();
  if (!backbone.is_object()) nas::json_fail(top.path_of("backbone"), "expected an object");
  // The network's input is the data's: default the resolution to it, and insist they agree.
  if (!backbone.contains("resolution")) backbone["resolution"] = s.data.resolution;
  s.backbone = nas::backbone_from_json(backbone, top.path_of("backbone"));
  if (s.backbone.net.resolution != s.data.resolution)
    nas::json_fail(nas::json_child(top.path_of("backbone"), "resolution"),
                   std::to_string(s.backbone.net.resolution) + " differs from data.resolution " +
                       std::to_string(s.data.resolution));

  const nas::Json empty = nas::Json::object();
  const nas::ObjectReader e(top.has("evolve") ? top.at("evolve") : empty, top.path_of("evolve"),
                            {"epochs", "batch_size", "lr", "final_lr", "warmup_epochs", "momentum", "weight_decay",
                             "grad_clip", "score_every", "score_batch_size", "score_lr", "score_beta1", "score_beta2",
                             "population", "supernet_cells", "top_k", "period", "tournament", "children", "delta",
                             "reference", "fitness_momentum", "compensation", "compensation_max", "replacement", "cap",
                             "cell", "checkpoint_every", "log_every"});
  nas::DeaSettings& d = s.dea;
  s.epochs = static_cast<int>(e.integer_or("epochs", s.epochs, 1, 100000));
  s.batch_size = e.integer_or("batch_size", s.batch_size, 2, 1 << 20);
  s.lr = static_cast<float>(e.number_or("lr", s.lr, {0, 100, true, false}));
  s.final_lr = static_cast<float>(e.number_or("final_lr", s.final_lr, {0, 100}));
  s.warmup_epochs = e.number_or("warmup_epochs", s.warmup_epochs, {0, 1000});
  d.momentum_sgd = static_cast<float>(e.number_or("momentum", d.momentum_sgd, {0, 1, false, true}));
  d.weight_decay = static_cast<float>(e.number_or("weight_decay", d.weight_decay, {0, 1}));
  d.grad_clip = e.number_or("grad_clip", d.grad_clip, {0, 1e9});
  s.score_every = static_cast<int>(e.integer_or("score_every", s.score_every, 1, 1 << 20));
  s.score_batch_size = e.integer_or("score_batch_size", s.score_batch_size, 2, 1 << 20);
  d.score_lr = static_cast<float>(e.number_or("score_lr", d.score_lr, {0, 100, true, false}));
  d.score_beta1 = static_cast<float>(e.number_or("score_beta1", d.score_beta1, {0, 1, false, true}));
  d.score_beta2 = static_cast<float>(e.number_or("score_beta2", d.score_beta2, {0, 1, false, true}));
  d.population = static_cast<int>(e.integer_or("population", d.population, 2, 100000));
  d.supernet_cells = static_cast<int>(e.integer_or("supernet_cells", d.supernet_cells, 2, 1000));
  d.top_k = static_cast<int>(e.integer_or("top_k", d.top_k, 1, 1000));
  d.period = static_cast<int>(e.integer_or("period", d.period, 1, 1 << 30));
  d.tournament = static_cast<int>(e.integer_or("tournament", d.tournament, 1, 100000));
  d.children = static_cast<int>(e.integer_or("children", d.children, 0, 1000));
  d.delta = static_cast<int>(e.integer_or("delta", d.delta, 0, nas::kEdgeCount + 2));
  d.use_reference = e.boolean_or("reference", d.use_reference);
  d.momentum = e.number_or("fitness_momentum", d.momentum, {0, 1});
  d.compensation = e.boolean_or("compensation", d.compensation);
  d.compensation_max = static_cast<float>(e.number_or("compensation_max", d.compensation_max, {1, 1e6}));
  if (e.has("replacement")) d.replacement = static_cast<nas::Replacement>(e.choice("replacement", {"worst", "oldest"}));
  if (e.has("cap")) d.cap = parse_cap(e.object("cap", {"kind", "madds", "factor"}));
  if (e.has("cell")) d.choices = nas::cell_choices_from_json(e.at("cell"), e.path_of("cell"));
  s.checkpoint_every = e.integer_or("checkpoint_every", s.checkpoint_every, 1, INT64_MAX);
  s.log_every = e.integer_or("log_every", s.log_every, 1, INT64_MAX);
  if (d.supernet_cells > d.population)
    nas::json_fail(e.path_of("supernet_cells"), std::to_string(d.supernet_cells) + " is more than the population (" +
                                                    std::to_string(d.population) + ")");
  if (d.children > d.supernet_cells)
    nas::json_fail(e.path_of("children"), "at most supernet_cells (" + std::to_string(d.supernet_cells) + ")");
  if (d.top_k > d.population) nas::json_fail(e.path_of("top_k"), "at most the population (" + std::to_string(d.population) + ")");
  s.distributed = parse_distributed(top.has("distributed") ? top.at("distributed") : empty, top.path_of("distributed"));
  return s;
}

nas::Json to_json(const EvolveSettings& s) {
  const nas::DeaSettings& d = s.dea;
  nas::Json j;
  write_run_basics(s, j);
  j["backbone"] = nas::backbone_to_json(s.backbone);
  j["evolve"] = {{"epochs", s.epochs},
                 {"batch_size", s.batch_size},
                 {"lr", s.lr},
                 {"final_lr", s.final_lr},
                 {"warmup_epochs", s.warmup_epochs},
                 {"momentum", d.momentum_sgd},
                 {"weight_decay", d.weight_decay},
                 {"grad_clip", d.grad_clip},
                 {"score_every", s.score_every},
                 {"score_batch_size", s.score_batch_size},
                 {"score_lr", d.score_lr},
                 {"score_beta1", d.score_beta1},
                 {"score_beta2", d.score_beta2},
                 {"population", d.population},
                 {"supernet_cells", d.supernet_cells},
                 {"top_k", d.top_k},
                 {"period", d.period},
                 {"tournament", d.tournament},
                 {"children", d.children},
                 {"delta", d.delta},
                 {"reference", d.use_reference},
                 {"fitness_momentum", d.momentum},
                 {"compensation", d.compensation},
                 {"compensation_max", d.compensation_max},
                 {"replacement", nas::to_string(d.replacement)},
                 {"cap", cap_to_json(d.cap)},
                 {"cell", nas::cell_choices_to_json(d.choices)},
                 {"checkpoint_every", s.checkpoint_every},
                 {"log_every", s.log_every}};
  j["distributed"] = to_json(s.distributed);
  return j;
}

}  // namespace autospace::apps

#include "apps/phases/rankcheck/ranking_settings.h"

namespace autospace::apps {

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

}  // namespace

RankingSettings parse_ranking_settings(const nas::Json& description) {
  const nas::ObjectReader top(description, "", with_run_basics_keys({"candidates", "train", "scores"}));
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

}  // namespace autospace::apps

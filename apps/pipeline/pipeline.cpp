#include "apps/pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>

#include "apps/phases/eval/eval_phase.h"
#include "apps/phases/evolve/evolve_phase.h"
#include "apps/report/report_html.h"
#include "apps/run/data_setup.h"
#include "apps/run/run_directory.h"
#include "apps/run/runner.h"
#include "apps/phases/search/search_phase.h"
#include "apps/phases/train/train_phase.h"
#include "kernels/common/check.h"

namespace autospace::apps {

namespace {

const std::vector<std::string> kPhases = {"evolve", "search", "train", "eval"};
const std::vector<std::string> kShared = with_run_basics_keys({});

nas::Json section(const nas::ObjectReader& top, const std::string& name) {
  if (!top.has(name)) return nas::Json::object();
  const nas::Json& s = top.at(name);
  if (!s.is_object()) nas::json_fail(top.path_of(name), "expected an object, got " + nas::json_describe(s));
  for (const auto& key : kShared)
    if (s.contains(key))
      nas::json_fail(nas::json_child(top.path_of(name), key),
                     "is shared by every phase: set it at the top level of the pipeline description");
  return s;
}

// What a phase writes for the next to start from (relative to the pipeline's run_dir):
// evolve's space for the search, the search's arch for training and evaluation.
const std::filesystem::path kEvolvedSpace = std::filesystem::path("evolve") / "space.json";
const std::filesystem::path kFoundArch = std::filesystem::path("search") / "arch.json";

// Evaluation reads and writes the training run's directory.
std::string phase_dir(const std::string& phase) { return phase == "eval" ? "train" : phase; }

nas::Json read_state(const std::filesystem::path& file) {
  return std::filesystem::exists(file) ? nas::read_json_file(file) : nas::Json{{"phases", nas::Json::object()}};
}

}  // namespace

PipelineSettings parse_pipeline_settings(const nas::Json& description) {
  const nas::ObjectReader top(description, "", with_run_basics_keys({"phases", "evolve", "search", "train"}));
  PipelineSettings s;
  s.run_dir = top.string_or("run_dir", "runs/pipeline");
  if (s.run_dir.empty()) nas::json_fail(top.path_of("run_dir"), "must not be empty");
  s.shared = nas::Json::object();
  for (const auto& key : kShared)
    if (top.has(key)) s.shared[key] = top.at(key);
  s.shared["run_dir"] = s.run_dir.string();
  if (top.has("phases")) {
    const nas::Json& phases = top.array("phases");
    if (phases.empty()) nas::json_fail(top.path_of("phases"), "names no phase");
    std::size_t previous = 0;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      const std::string path = nas::json_index(top.path_of("phases"), i);
      const std::size_t k = nas::json_choice(phases[i], path, kPhases);
      if (i > 0 && k <= previous) nas::json_fail(path, "phases run in the order evolve, search, train, eval, each once");
      previous = k;
      s.phases.push_back(kPhases[k]);
    }
  } else {
    s.phases = kPhases;
  }
  s.evolve = section(top, "evolve");
  s.search = section(top, "search");
  s.train = section(top, "train");
  return s;
}

nas::Json phase_description(const PipelineSettings& s, const std::string& phase) {
  const std::string dir = phase_dir(phase);
  nas::Json d = s.shared;
  d["run_dir"] = (s.run_dir / dir).string();
  const nas::Json& own = dir == "evolve" ? s.evolve : dir == "search" ? s.search : s.train;
  for (const auto& [key, value] : own.items()) d[key] = value;
  // Each phase reads what the one before it wrote unless its section says otherwise.
  if (dir == "search" && !d.contains("space")) d["space"] = (s.run_dir / kEvolvedSpace).string();
  if (dir == "train" && !d.contains("arch")) d["arch"] = (s.run_dir / kFoundArch).string();
  return d;
}

namespace {

// What the pipeline knows of a phase: the file it starts from that the phase before it
// writes, how to check its description and how to build it.
struct ChainedPhase {
  std::string input_key;  // "space", "arch"; empty: none
  std::function<void(const nas::Json&, InputFile)> check;
  std::function<std::unique_ptr<Phase>(const nas::Json&)> make;
};

const ChainedPhase& chained(const std::string& phase) {
  static const std::map<std::string, ChainedPhase> phases = {
      {"evolve",
       {"", [](const nas::Json& d, InputFile) { parse_evolve_settings(d); },
        [](const nas::Json& d) { return make_evolve_phase(parse_evolve_settings(d)); }}},
      {"search",
       {"space", [](const nas::Json& d, InputFile space) { parse_search_settings(d, space); },
        [](const nas::Json& d) { return make_search_phase(parse_search_settings(d)); }}},
      {"train",
       {"arch", [](const nas::Json& d, InputFile arch) { parse_run_settings(d, arch); },
        [](const nas::Json& d) { return make_train_phase(parse_run_settings(d)); }}},
      {"eval",
       {"arch", [](const nas::Json& d, InputFile arch) { parse_run_settings(d, arch); },
        [](const nas::Json& d) { return make_eval_phase(parse_run_settings(d)); }}}};
  return phases.at(phase);
}

// Runs `f` with errors prefixed by the phase and its directory.
template <class F>
auto in_phase(const std::string& phase, const nas::Json& description, const F& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    AUTOSPACE_THROW("phase ", phase, " (", description["run_dir"].get<std::string>(), "): ", e.what());
  }
}

// Every phase still to run, checked before any starts. A phase's input file is pending
// when it does not exist yet and a phase before it in this run writes it.
void check_phases(const PipelineSettings& s, const nas::Json& state) {
  if (s.shared.contains("data")) check_data_paths(parse_data_settings(s.shared["data"]));
  std::vector<std::filesystem::path> written;  // by the phases checked so far
  for (const std::string& phase : s.phases) {
    if (state["phases"].value(phase, nas::Json::object()).value("done", false)) continue;
    const nas::Json d = phase_description(s, phase);
    const ChainedPhase& c = chained(phase);
    InputFile input = InputFile::read;
    if (!c.input_key.empty() && d[c.input_key].is_string()) {
      const std::filesystem::path file = d[c.input_key].get<std::string>();
      if (!std::filesystem::exists(file) && std::find(written.begin(), written.end(), file) != written.end())
        input = InputFile::pending;
    }
    in_phase(phase, d, [&] { c.check(d, input); });
    if (phase == "evolve") written.push_back(s.run_dir / kEvolvedSpace);
    if (phase == "search") written.push_back(s.run_dir / kFoundArch);
  }
}

}  // namespace

PipelineOutcome run_pipeline(const PipelineSettings& s) {
  nas::Json resolved = s.shared;
  resolved["phases"] = s.phases;
  resolved["evolve"] = s.evolve;
  resolved["search"] = s.search;
  resolved["train"] = s.train;
  // Checked before the directory records the description: a fixed typo must not find a
  // run directory started with the typo.
  nas::Json state = read_state(s.run_dir / "pipeline-state.json");
  check_phases(s, state);
  RunDirectory run(s.run_dir, resolved);
  const auto state_file = run.file("pipeline-state.json");

  for (const std::string& phase : s.phases) {
    nas::Json& record = state["phases"][phase];
    if (record.is_null()) record = nas::Json::object();
    if (record.value("done", false)) {
      std::printf("[pipeline] %s: done before (%s)\n", phase.c_str(), (s.run_dir / phase_dir(phase)).c_str());
      continue;
    }
    std::printf("[pipeline] %s\n", phase.c_str());
    run.log({{"phase", phase}, {"event", "start"}});
    const auto start = std::chrono::steady_clock::now();
    const nas::Json d = phase_description(s, phase);
    const bool done = in_phase(phase, d, [&] { return run_phase(*chained(phase).make(d)); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record["seconds"] = record.value("seconds", 0.0) + seconds;
    record["done"] = done;
    nas::write_json_file(state_file, state);
    run.log({{"phase", phase}, {"event", done ? "done" : "stopped"}, {"seconds", seconds}});
    if (!done) {
      std::printf("[pipeline] %s stopped; run the same command again to resume\n", phase.c_str());
      return {false, nullptr};
    }
  }

  const nas::Json summary = pipeline_summary(s.run_dir, state);
  nas::write_json_file(run.file("pipeline-summary.json"), summary);
  write_report_html(s.run_dir, summary);
  std::printf("[pipeline] done: %s, %s\n", run.file("pipeline-summary.json").c_str(), run.file("report.html").c_str());
  return {true, summary};
}

}  // namespace autospace::apps

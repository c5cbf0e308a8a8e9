#include "apps/phases/search/search_phase.h"

#include <cstdio>

#include "apps/phases/search/search_report.h"
#include "apps/phases/search/searcher_phase.h"
#include "apps/run/runner.h"
#include "nas/arch_json.h"
#include "nas/latency/latency_key.h"
#include "nas/network/build_network.h"

namespace autospace::apps {

namespace {

// More latency entries than a learned or irb space needs (tens per layer) by far, far
// fewer than the open space's tens of thousands per layer.
constexpr std::size_t kMaxLatencyParts = 20000;

// The entries of `table` that `parts` use, with its calibration.
nas::LatencyTable entries_for(const nas::LatencyTable& table, const std::vector<nas::LatencyPart>& parts,
                              const std::string& origin) {
  nas::LatencyTable used(table.device(), table.protocol());
  used.set_calibration(table.calibration());
  for (const nas::LatencyPart& p : parts) used.add(p.key, table.at(p.key, origin));
  return used;
}

}  // namespace

SearcherPhase::SearcherPhase(const SearchSettings& settings) : s_(settings) {}

// parse_search_settings has tabulated the space and refused a band it cannot reach,
// except for a latency budget: its table is measured here (rank 0 first, the others then
// read it complete), or taken from the checkpoint on resume, and its band checked.
std::shared_ptr<const nas::SpaceTable> SearcherPhase::prepare_table(PhaseContext& c,
                                                                    const std::optional<io::Checkpoint>& resume) {
  if (s_.budget.kind != nas::CostKind::latency)
    return s_.table ? s_.table : std::make_shared<const nas::SpaceTable>(*s_.space);
  if (resume && resume->state.contains("latency_table")) {
    try {
      latency_ = nas::LatencyTable::from_json(resume->state.at("latency_table"));
    } catch (const Error& e) {
      AUTOSPACE_THROW(c.checkpoint_file.string(), ": latency_table: ", e.what());
    }
  } else {
    const std::vector<nas::LatencyPart> parts = nas::space_parts(*s_.space, kMaxLatencyParts);
    rank0_first(c.comm, "measuring the latency table", [&] {
      latency_ = entries_for(prepare_latency_table(s_.latency, parts, "search.latency", c.print), parts,
                             s_.latency.table.string());
    });
  }
  auto table = std::make_shared<const nas::SpaceTable>(*s_.space, &*latency_, s_.latency.table.string());
  check_budget_reachable(s_, *table);
  return table;
}

PhaseSetup SearcherPhase::setup() const {
  PhaseSetup p{"search", &s_, s_.distributed};
  p.resolved = to_json(s_);
  if (!s_.space_file.empty()) p.inputs = {s_.space_file};  // a reordered space would resume to another answer
  p.classes = s_.space->backbone().net.classes;
  p.classes_owner = s_.space_origin();
  return p;
}

void SearcherPhase::build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) {
  table_ = prepare_table(c, resume);
  split_ = split_holdout(c.data, s_.data, s_.seed);
  train_.emplace(c.stream(split_.train, s_.batch_size, s_.seed, "search.batch_size", "training split"));
  const std::int64_t per_epoch = train_->steps_per_epoch();
  total_ = static_cast<std::int64_t>(s_.epochs) * per_epoch;
  if (total_ > 0) schedule_.emplace(s_.lr, total_, static_cast<std::int64_t>(s_.warmup_epochs * per_epoch), s_.final_lr);
  searcher_ = &build_searcher(c);
  steps_log_.emplace(c.device);
  searcher_->distribute(c.parallel);
  if (!resume) return;
  const std::string source = c.checkpoint_file.string();
  searcher_->restore(resume->state.at("searcher"), resume->model, resume->optimizer, source);
  restore_extra(resume->state, source);
}

io::Checkpoint SearcherPhase::checkpoint() const {
  nas::Json state = extra_state();
  state["method"] = to_string(s_.method);
  state["searcher"] = searcher_->state();
  if (latency_) state["latency_table"] = latency_->to_json();
  return {searcher_->tensors(), searcher_->optimizer_tensors(), std::move(state)};
}

SearcherPhase::WeightStep SearcherPhase::weight_step(PhaseContext& c) {
  WeightStep w;
  w.step = searcher_->weight_steps();
  w.batch = train_->at(w.step);
  w.result = searcher_->weight_step(c.input(w.batch), c.labels(w.batch), schedule_->lr(w.step));
  steps_log_->add(w.result);
  w.log_due = (w.step + 1) % s_.log_every == 0 || w.step + 1 == total_;
  if (w.log_due) w.skipped = steps_log_->read(searcher_->skipped_steps());
  return w;
}

nas::Json SearcherPhase::log_record(PhaseContext& c, std::int64_t step) {
  const nn::ClassificationMeter& all = steps_log_->interval();  // over every rank's share already
  return {{"step", step + 1},
          {"lr", schedule_->lr(step)},
          {"loss", all.loss()},
          {"accuracy", all.accuracy()},
          {"images_per_second", c.items_per_second()}};
}

UnitReport SearcherPhase::step_report(const WeightStep& w, std::string details, bool checkpoint) const {
  UnitReport report{.step = true, .items = w.batch.size(), .details = std::move(details), .checkpoint = checkpoint};
  WeightStepLog::report_skipped(w.skipped, report);
  return report;
}

std::string SearcherPhase::step_position() const {
  return "step " + std::to_string(searcher_->weight_steps()) + " of " + std::to_string(total_);
}

void SearcherPhase::finish(PhaseContext& c) {
  const Found f = found(c);
  if (!c.lead()) return;
  const RunDirectory& run = *c.directory;
  const nas::Arch arch = table_->arch(f.choice, "search-" + to_string(s_.method));
  nas::save_arch(run.file("arch.json"), arch);
  const nas::Cost cost = table_->cost(f.choice);
  nas::Json summary = {
      {"format", "autospace.search/1"},
      {"method", to_string(s_.method)},
      {"space", {{"kind", std::string(nas::to_string(s_.space->kind()))}, {"origin", s_.space_origin()}}},
      {"budget",
       {{"kind", std::string(nas::to_string(s_.budget.kind))},
        {"unit", std::string(s_.budget.unit())},
        {"target", s_.budget.in_unit(s_.budget.target)},
        {"band", {s_.budget.in_unit(s_.budget.lower()), s_.budget.in_unit(s_.budget.upper())}}}},
      {"choice", nas::choice_key(f.choice)},
      {"madds", cost.madds},
      {"params", cost.params},
      {"inside_band", s_.budget.contains(cost)},
      {"steps", searcher_->weight_steps()}};
  if (latency_) {
    train_.reset();  // its loader's prefetching threads would share the cores being timed
    summary["latency"] = latency_report(arch, cost);
  }
  summary.update(f.details);
  nas::write_json_file(run.file("search-summary.json"), summary);
  write_training_plot(run, s_.gated_method(), s_.budget);
  std::printf("[search] done: %s (%.2fM MAdds, %.2fM params; budget band [%s, %s]: %s)\n", run.file("arch.json").c_str(),
              static_cast<double>(cost.madds) / 1e6, static_cast<double>(cost.params) / 1e6,
              s_.budget.describe(s_.budget.lower()).c_str(), s_.budget.describe(s_.budget.upper()).c_str(),
              s_.budget.contains(cost) ? "inside" : "OUTSIDE");
  if (summary.contains("latency")) {
    const nas::Json& l = summary["latency"];
    std::printf("[search] latency on %s at batch %lld: predicted %.3f ms", l["device"].get<std::string>().c_str(),
                static_cast<long long>(l["batch"].get<std::int64_t>()), l["predicted_ms"].get<double>());
    if (l["measured_ms"].is_number())
      std::printf(", measured %.3f ms (%+.1f%%)", l["measured_ms"].get<double>(),
                  100 * l["relative_error"].get<double>());
    std::printf("\n");
  }
}

// The found network's predicted latency and, where this machine is the table's device,
// the whole network's measured one: the additive model's error for this very network.
nas::Json SearcherPhase::latency_report(const nas::Arch& arch, const nas::Cost& cost) const {
  nas::Json report = {{"table", s_.latency.table.string()},
                      {"device", latency_->device().describe()},
                      {"batch", latency_->protocol().batch},
                      {"calibration_scale", latency_->calibration().scale},
                      {"predicted_ms", static_cast<double>(cost.latency_ns) / 1e6}};
  const std::optional<Device> device = nas::device_of(*latency_);
  if (!device) {
    report["measured_ms"] = nullptr;
    report["not_measured"] = "the table was timed on another device";
    return report;
  }
  const ThreadCountScope threads(latency_->device().threads);
  const auto model = nas::build_network(arch, s_.seed);
  const double measured = nas::measure_network(*model, arch, *device, latency_->protocol()).median_ms;
  report["measured_ms"] = measured;
  report["relative_error"] = static_cast<double>(cost.latency_ns) / 1e6 / measured - 1;
  return report;
}

std::unique_ptr<Phase> make_search_phase(const SearchSettings& settings) {
  if (settings.gated_method()) return make_gated_phase(settings);
  return make_single_path_phase(settings);
}

SearchOutcome run_search(const SearchSettings& settings, const SearchLimits& limits) {
  const std::unique_ptr<Phase> phase = make_search_phase(settings);
  RunControl control;
  control.stop = [limits](const PhaseCounters& c) {
    return (limits.stop_after_steps >= 0 && c.steps >= limits.stop_after_steps) ||
           (limits.stop_after_evaluations >= 0 && c.evaluations >= limits.stop_after_evaluations);
  };
  const bool complete = run_phase(*phase, control);
  const PhaseCounters c = phase->counters();
  return {complete, c.steps, c.evaluations};
}

}  // namespace autospace::apps

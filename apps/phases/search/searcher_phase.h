#pragma once
// What the search phases of both kinds share (search_phase.h): the settings and space
// table, the training split's batch stream and learning-rate schedule, the supernet's
// weight step with its running meter and log record, the checkpoint, and the outputs
// (arch.json, search-summary.json, search.svg). Each kind adds its own searcher and units.
#include <memory>
#include <optional>

#include "apps/phases/search/search_settings.h"
#include "apps/run/phase.h"
#include "apps/run/weight_step_log.h"
#include "engine/optim/schedule.h"
#include "nas/search/space_table.h"
#include "nas/search/supernet_search.h"

namespace autospace::apps {

class SearcherPhase : public Phase {
 public:
  explicit SearcherPhase(const SearchSettings& settings);

  PhaseSetup setup() const override;
  void build(PhaseContext& context, const std::optional<io::Checkpoint>& resume) override;
  io::Checkpoint checkpoint() const override;
  std::int64_t total_steps() const override { return total_; }
  void finish(PhaseContext& context) override;

 protected:
  // The found architecture and what search-summary.json adds about how it was found.
  struct Found {
    nas::ArchChoice choice;
    nas::Json details;
  };

  // Creates the searcher (and whatever else the kind needs from the context).
  virtual nas::SupernetSearch& build_searcher(PhaseContext& context) = 0;
  // The checkpoint state besides the searcher's own ("searcher") and the method.
  virtual nas::Json extra_state() const = 0;
  virtual void restore_extra(const nas::Json& state, const std::string& source) = 0;
  virtual Found found(PhaseContext& context) = 0;

  // One weight step on the next training batch. Its loss and top-1 stay on the device
  // (steps_log_) until the step of a log line (every log_every steps and the last one)
  // reads them back for log_record() and the progress line.
  struct WeightStep {
    std::int64_t step = 0;  // the step's index
    data::Batch batch;
    nas::StepResult result;
    bool log_due = false;
    std::int64_t skipped = 0;  // at a log line: the steps skipped since the last one
  };
  WeightStep weight_step(PhaseContext& context);
  // step, lr, loss, accuracy and throughput since the last record.
  nas::Json log_record(PhaseContext& context, std::int64_t step);
  UnitReport step_report(const WeightStep& step, std::string details, bool checkpoint) const;
  std::string step_position() const;  // "step 5 of 40"

  // The table is built in build(): a latency budget's first measures the candidates.
  const nas::SpaceTable& table() const { return *table_; }

  const SearchSettings s_;
  TrainHoldout split_;
  std::optional<data::BatchStream> train_;
  std::int64_t total_ = 0;
  std::optional<optim::CosineSchedule> schedule_;
  std::optional<WeightStepLog> steps_log_;

 private:
  std::shared_ptr<const nas::SpaceTable> prepare_table(PhaseContext& context,
                                                       const std::optional<io::Checkpoint>& resume);
  nas::Json latency_report(const nas::Arch& arch, const nas::Cost& cost) const;

  std::shared_ptr<const nas::SpaceTable> table_;
  // A latency budget's entries for this space, as the search uses them: kept in the
  // checkpoint, so that a resumed search prices its candidates as it began, whatever
  // became of the table file.
  std::optional<nas::LatencyTable> latency_;
  nas::SupernetSearch* searcher_ = nullptr;
};

std::unique_ptr<SearcherPhase> make_gated_phase(const SearchSettings& settings);        // proxyless-g, -rl
std::unique_ptr<SearcherPhase> make_single_path_phase(const SearchSettings& settings);  // spos, random

}  // namespace autospace::apps

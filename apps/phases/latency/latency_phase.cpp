#include "apps/phases/latency/latency_phase.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "engine/rng/rng.h"
#include "nas/latency/latency_parts.h"
#include "nas/network/build_network.h"
#include "nas/search/space_table.h"

namespace autospace::apps {

namespace {

// A learned or irb space needs tens of entries per layer; the open space's tens of
// thousands are refused (space_parts says so).
constexpr std::size_t kMaxParts = 20000;

// The fewest checked networks a calibration is taken from (and each network's calibrated
// error from the others').
constexpr int kCalibrationNetworks = 3;

struct CheckedArch {
  std::string network;  // the arch.json file, or the choice key of a random network
  double sum_of_parts_ms = 0, measured_ms = 0;
  double ratio() const { return measured_ms / sum_of_parts_ms; }
};

std::string signed_percent(double x) {
  char text[16];
  std::snprintf(text, sizeof text, "%+.1f%%", 100 * x);
  return text;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Relative errors of the prediction scale x sum of parts: with scale 1 (the plain additive
// model), and with each network's scale the median ratio of the others (leave one out, so
// that no network is predicted from its own measurement).
struct ModelErrors {
  std::vector<double> plain, calibrated;
};

ModelErrors model_errors(const std::vector<CheckedArch>& checked) {
  ModelErrors e;
  for (std::size_t i = 0; i < checked.size(); ++i) {
    e.plain.push_back(checked[i].sum_of_parts_ms / checked[i].measured_ms - 1);
    if (checked.size() < kCalibrationNetworks) continue;
    std::vector<double> others;
    for (std::size_t j = 0; j < checked.size(); ++j)
      if (j != i) others.push_back(checked[j].ratio());
    e.calibrated.push_back(median(others) * checked[i].sum_of_parts_ms / checked[i].measured_ms - 1);
  }
  return e;
}

nas::Json error_summary(const std::vector<double>& errors) {
  if (errors.empty()) return nullptr;
  double sum = 0, worst = 0;
  for (double x : errors) sum += std::abs(x), worst = std::max(worst, std::abs(x));
  return {{"mean_abs", sum / static_cast<double>(errors.size())}, {"max_abs", worst}};
}

class LatencyPhase final : public Phase {
 public:
  explicit LatencyPhase(const LatencyRunSettings& settings) : s_(settings) {}

  PhaseSetup setup() const override {
    PhaseSetup p{"latency", &s_, DistributedSettings{}};
    p.multi_rank = false;  // one process times on an otherwise idle machine
    p.uses_data = false;
    p.resolved = to_json(s_);
    // The checkpoint writes the table file (what it holds is not measured again) and keeps
    // the networks checked so far; it is taken every few parts and when the run stops.
    if (!s_.space_file.empty()) p.inputs = {s_.space_file};
    return p;
  }

  void build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) override {
    device_ = c.device;  // the runner set latency.device and latency.threads as the run's
    parts_ = nas::space_parts(*s_.space, kMaxParts);
    // The named networks' parts too, where the space does not have them.
    std::set<std::string> keys;
    for (const nas::LatencyPart& p : parts_) keys.insert(p.key);
    for (const nas::Arch& arch : s_.check_networks)
      for (nas::LatencyPart& p : nas::network_parts(arch, *nas::build_network(arch, 0)))
        if (keys.insert(p.key).second) parts_.push_back(std::move(p));
    table_.emplace(open_latency_table(s_.latency, "latency"));
    missing_ = nas::missing_parts(*table_, s_.latency.table.string(), parts_, device_);
    space_table_ = std::make_shared<const nas::SpaceTable>(*s_.space);
    if (resume)
      for (const auto& a : resume->state.at("checked"))
        checked_.push_back({a.at("network").get<std::string>(), a.at("sum_of_parts_ms").get<double>(),
                            a.at("measured_ms").get<double>()});
    if (c.print)
      std::printf("[latency] %s: %zu parts, %zu to measure on %s at batch %lld; then %d whole networks checked\n",
                  s_.space_origin().c_str(), parts_.size(), missing_.size(), table_->device().describe().c_str(),
                  static_cast<long long>(s_.latency.protocol.batch), static_cast<int>(networks_to_check()));
  }

  io::Checkpoint checkpoint() const override {
    table_->save(s_.latency.table);
    nas::Json checked = nas::Json::array();
    for (const CheckedArch& a : checked_)
      checked.push_back(
          {{"network", a.network}, {"sum_of_parts_ms", a.sum_of_parts_ms}, {"measured_ms", a.measured_ms}});
    return {{}, {}, {{"checked", checked}}};
  }

  std::size_t networks_to_check() const { return s_.check_networks.size() + static_cast<std::size_t>(s_.check_archs); }
  bool done() const override { return measured_ == missing_.size() && checked_.size() == networks_to_check(); }
  std::int64_t total_steps() const override { return static_cast<std::int64_t>(missing_.size()); }
  PhaseCounters counters() const override {
    return {static_cast<std::int64_t>(measured_), static_cast<std::int64_t>(checked_.size())};
  }
  std::string position() const override {
    return std::to_string(measured_) + " of " + std::to_string(missing_.size()) + " parts measured, " +
           std::to_string(checked_.size()) + " networks checked";
  }

  UnitReport next(PhaseContext&) override {
    if (measured_ < missing_.size()) {
      const nas::LatencyPart& part = *missing_[measured_++];
      table_->add(part.key, nas::measure_part(part, device_, s_.latency.protocol));
      return {.step = true,
              .items = 0,
              .details = part.key.substr(0, part.key.find(" @ ")),
              .checkpoint = measured_ % 10 == 0 || measured_ == missing_.size()};
    }
    check_one();
    return {.checkpoint = true};
  }

  // The calibration (the median ratio measured / sum of parts) goes into the table when
  // asked and there are enough networks; latency-check.json gives every network and the
  // model's errors with and without it.
  void finish(PhaseContext& c) override {
    const ModelErrors errors = model_errors(checked_);
    std::vector<double> ratios;
    for (const CheckedArch& a : checked_) ratios.push_back(a.ratio());
    if (s_.calibrate && checked_.size() >= kCalibrationNetworks) {
      table_->set_calibration({median(ratios), static_cast<int>(checked_.size())});
      table_->save(s_.latency.table);
    }
    const nas::LatencyCalibration& calibration = table_->calibration();
    nas::Json archs = nas::Json::array();
    for (std::size_t i = 0; i < checked_.size(); ++i) {
      const CheckedArch& a = checked_[i];
      archs.push_back(
          {{"network", a.network},
           {"sum_of_parts_ms", a.sum_of_parts_ms},
           {"measured_ms", a.measured_ms},
           {"plain_error", errors.plain[i]},
           {"calibrated_error", errors.calibrated.empty() ? nas::Json() : nas::Json(errors.calibrated[i])}});
    }
    const nas::Json report = {{"format", "autospace.latency-check/1"},
                              {"table", s_.latency.table.string()},
                              {"space", s_.space_origin()},
                              {"device", table_->device().describe()},
                              {"batch", s_.latency.protocol.batch},
                              {"entries", table_->size()},
                              {"measured_now", missing_.size()},
                              {"calibration", {{"scale", calibration.scale}, {"networks", calibration.networks}}},
                              {"archs", archs},
                              {"plain_error", error_summary(errors.plain)},
                              {"calibrated_error", error_summary(errors.calibrated)}};
    const std::filesystem::path out = c.directory->file("latency-check.json");
    nas::write_json_file(out, report);
    if (!c.print) return;
    std::printf("[latency] table %s: %zu entries (%zu measured now), calibration scale %.3f from %d networks\n",
                s_.latency.table.c_str(), table_->size(), missing_.size(), calibration.scale, calibration.networks);
    for (std::size_t i = 0; i < checked_.size(); ++i)
      std::printf("  %-32s sum of parts %8.3f ms  measured %8.3f ms  plain %+6.1f%%%s\n", checked_[i].network.c_str(),
                  checked_[i].sum_of_parts_ms, checked_[i].measured_ms, 100 * errors.plain[i],
                  errors.calibrated.empty() ? "" : ("  calibrated " + signed_percent(errors.calibrated[i])).c_str());
    const auto line = [](const char* what, const nas::Json& e) {
      if (!e.is_null())
        std::printf("[latency] %s: mean |error| %.1f%%, max %.1f%%\n", what, 100 * e["mean_abs"].get<double>(),
                    100 * e["max_abs"].get<double>());
    };
    line("sum of parts", report["plain_error"]);
    line("calibrated (each network from the others' scale)", report["calibrated_error"]);
    std::printf("[latency] -> %s\n", out.c_str());
  }

 private:
  // The named networks first, then uniformly random ones of the space (from the run's
  // seed, the same whichever networks are named), each timed whole.
  void check_one() {
    const std::size_t i = checked_.size(), named = s_.check_networks.size();
    std::string network;
    nas::Arch arch;
    if (i < named) {
      arch = s_.check_networks[i];
      network = s_.check_network_files[i].string();
    } else {
      Rng rng(RngKey{s_.seed, RngPurpose::architecture_sampling, 0, static_cast<std::uint32_t>(i - named)});
      nas::ArchChoice choice;
      for (std::size_t l = 0; l < space_table_->layers(); ++l)
        choice.push_back(static_cast<int>(rng.below(static_cast<std::uint64_t>(space_table_->size(l)))));
      arch = space_table_->arch(choice, "latency-check");
      network = nas::choice_key(choice);
    }
    const auto model = nas::build_network(arch, s_.seed);
    const double measured = nas::measure_network(*model, arch, device_, s_.latency.protocol).median_ms;
    checked_.push_back({network, nas::sum_of_parts_ms(*table_, arch, s_.latency.table.string()), measured});
  }

  const LatencyRunSettings s_;
  Device device_;
  std::vector<nas::LatencyPart> parts_;
  std::optional<nas::LatencyTable> table_;
  std::vector<const nas::LatencyPart*> missing_;
  std::size_t measured_ = 0;
  std::shared_ptr<const nas::SpaceTable> space_table_;
  std::vector<CheckedArch> checked_;
};

}  // namespace

std::unique_ptr<Phase> make_latency_phase(const LatencyRunSettings& settings) {
  return std::make_unique<LatencyPhase>(settings);
}

}  // namespace autospace::apps

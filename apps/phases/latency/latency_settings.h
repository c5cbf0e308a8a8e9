#pragma once
// The "latency" section shared by autospace-latency and a search with a latency budget
// (search.latency): which table file, and how its missing entries are measured.
//   {"table": "latency-table.json", "device": "cpu", "threads": 1, "batch": 1, "warmup": 5, "runs": 30}
// The measuring device and thread count are the deployment target's, not the run's: a
// search may train on every core and time its candidates on one. docs/search.md.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "apps/run/phase.h"
#include "nas/arch.h"
#include "nas/latency/latency_parts.h"
#include "nas/space.h"

namespace autospace::apps {

struct LatencySettings {
  std::filesystem::path table;  // required
  std::string device = "cpu";   // "cpu" or "cuda": where missing entries are measured
  int threads = 1;              // CPU kernel threads while measuring
  nas::LatencyProtocol protocol;
};

// The section `key` of `parent` (its path names the keys in errors).
LatencySettings parse_latency_settings(const nas::ObjectReader& parent, std::string_view key);
nas::Json to_json(const LatencySettings& settings);

// The table of settings.table, or a new one for this device when the file does not exist
// yet; it must have been timed under the settings' protocol (batch, warmup, runs), else an
// error naming the table and `section`.
nas::LatencyTable open_latency_table(const LatencySettings& settings, const std::string& section);
// The table of settings.table (open_latency_table) with every part
// of `parts` measured: the parts it lacks are measured
// on the settings' device and thread count with a progress line, and the table is saved
// after every few entries, so a killed measurement resumes where it was.
nas::LatencyTable prepare_latency_table(const LatencySettings& settings, const std::vector<nas::LatencyPart>& parts,
                                        const std::string& section, bool print);

// autospace-latency's description (latency_phase.h): the space, its "latency" section and
// the networks to check.
struct LatencyRunSettings : RunBasics {
  std::filesystem::path space_file;  // empty when inline
  nas::Json space_json;
  std::shared_ptr<const nas::Space> space;
  LatencySettings latency;
  int check_archs = 8;
  std::vector<std::filesystem::path> check_network_files;  // check.arch_files
  std::vector<nas::Arch> check_networks;                   // their contents
  bool calibrate = true;

  std::string space_origin() const;
};

LatencyRunSettings parse_latency_run_settings(const nas::Json& description);
nas::Json to_json(const LatencyRunSettings& settings);

// While alive the CPU kernels run on `threads` threads; the count before comes back after.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads);
  ~ThreadCountScope();
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int before_;
};

}  // namespace autospace::apps

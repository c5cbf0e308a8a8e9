#pragma once
// A latency table (docs/search.md, "Latency budgets"): the forward time, in eval mode, of
// every network part a space needs (latency_key.h), measured by the engine itself on one
// device with one thread count at one batch size. A network's latency is then predicted as
// the sum of its parts' (the additive model of ProxylessNAS and OFA; autospace-latency
// checks it against whole networks). The file is JSON, written atomically; it grows as
// spaces need more entries and records the device, so it can be shared and reused:
//   {"format": "autospace.latency/1",
//    "device": {"type": "cpu", "threads": 1, "name": "AMD EPYC 7B13"},
//    "batch": 1, "warmup": 5, "runs": 30,
//    "entries": {"stem k3 s1 c16 act relu6 @ 32x32x3": {"median_ms": 0.041, "min_ms": 0.039, "max_ms": 0.052}, ...},
//    "calibration": {"scale": 1.08, "networks": 8}}
// The calibration (optional; written by autospace-latency) scales the sum of a network's
// parts to its predicted latency: parts timed alone run with their weights in cache, so the
// sum of parts falls short of a whole network by a roughly constant fraction on a CPU.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "nas/json_check.h"

namespace autospace::nas {

inline constexpr const char* kLatencyTableFormat = "autospace.latency/1";

// Where a table was measured.
struct LatencyDevice {
  std::string type = "cpu";  // "cpu" or "cuda"
  int threads = 1;           // CPU kernel threads (1 for cuda: the host side is one thread)
  std::string name;          // the CPU model or GPU name (engine/core/device.h device_name)
  bool operator==(const LatencyDevice&) const = default;
  std::string describe() const;  // "cpu with 2 threads (AMD EPYC 7B13)"
};

struct LatencyEntry {
  double median_ms = 0, min_ms = 0, max_ms = 0;
};

// How each entry was timed: `warmup` untimed forwards, then the median of `runs`.
struct LatencyProtocol {
  std::int64_t batch = 1;
  int warmup = 5;
  int runs = 30;
  bool operator==(const LatencyProtocol&) const = default;
};

// predicted = scale x the sum of the parts' medians; `networks` whole networks gave the
// scale (0: uncalibrated, scale 1).
struct LatencyCalibration {
  double scale = 1;
  int networks = 0;
};

class LatencyTable {
 public:
  LatencyTable(LatencyDevice device, LatencyProtocol protocol);

  // Strict: a wrong format, a device or protocol field out of range, a key breaking the
  // rules of latency_key.h or an entry that is not a positive finite time is an error
  // naming the file and the key.
  static LatencyTable load(const std::filesystem::path& file);
  static LatencyTable from_json(const Json& value);
  Json to_json() const;
  void save(const std::filesystem::path& file) const;  // atomically

  const LatencyDevice& device() const { return device_; }
  const LatencyProtocol& protocol() const { return protocol_; }
  std::size_t size() const { return entries_.size(); }
  const std::map<std::string, LatencyEntry>& entries() const { return entries_; }
  bool has(const std::string& key) const { return entries_.count(key) != 0; }
  // The entry of `key`; throws naming `origin` (the table's file) and the key when absent.
  const LatencyEntry& at(const std::string& key, const std::string& origin) const;
  // Adds or replaces; the key must follow the rules, the times be positive and finite.
  void add(const std::string& key, const LatencyEntry& entry);
  const LatencyCalibration& calibration() const { return calibration_; }
  void set_calibration(const LatencyCalibration& calibration);  // scale positive and finite

 private:
  LatencyDevice device_;
  LatencyProtocol protocol_;
  std::map<std::string, LatencyEntry> entries_;
  LatencyCalibration calibration_;
};

}  // namespace autospace::nas

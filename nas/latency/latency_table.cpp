#include "nas/latency/latency_table.h"

#include <cmath>

#include "nas/latency/latency_key.h"

namespace autospace::nas {

namespace {

const std::vector<std::string> kDeviceTypes = {"cpu", "cuda"};

bool valid_time(double ms) { return std::isfinite(ms) && ms > 0; }

}  // namespace

std::string LatencyDevice::describe() const {
  std::string text = type;
  if (type == "cpu") text += " with " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
  return name.empty() ? text : text + " (" + name + ")";
}

LatencyTable::LatencyTable(LatencyDevice device, LatencyProtocol protocol)
    : device_(std::move(device)), protocol_(protocol) {
  AUTOSPACE_CHECK(device_.type == "cpu" || device_.type == "cuda", "latency table: device type \"", device_.type, "\"");
  AUTOSPACE_CHECK(device_.threads >= 1 && protocol_.batch >= 1 && protocol_.warmup >= 0 && protocol_.runs >= 1,
                  "latency table: threads ", device_.threads, ", batch ", protocol_.batch, ", warmup ",
                  protocol_.warmup, ", runs ", protocol_.runs);
}

const LatencyEntry& LatencyTable::at(const std::string& key, const std::string& origin) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    AUTOSPACE_THROW(origin, ": no latency entry for \"", key, "\" (", entries_.size(),
                    " entries; measure this space's parts with autospace-latency)");
  return it->second;
}

void LatencyTable::add(const std::string& key, const LatencyEntry& e) {
  const std::string problem = latency_key_problem(key);
  AUTOSPACE_CHECK(problem.empty(), "latency table: key \"", key, "\": ", problem);
  AUTOSPACE_CHECK(valid_time(e.median_ms) && valid_time(e.min_ms) && valid_time(e.max_ms) && e.min_ms <= e.median_ms &&
                      e.median_ms <= e.max_ms,
                  "latency table: key \"", key, "\": times ", e.min_ms, " <= ", e.median_ms, " <= ", e.max_ms,
                  " ms must be positive, finite and ordered");
  entries_[key] = e;
}

void LatencyTable::set_calibration(const LatencyCalibration& c) {
  AUTOSPACE_CHECK(std::isfinite(c.scale) && c.scale > 0 && c.networks >= 0, "latency table: calibration scale ",
                  c.scale, " from ", c.networks, " networks");
  calibration_ = c;
}

Json LatencyTable::to_json() const {
  Json entries = Json::object();
  for (const auto& [key, e] : entries_)
    entries[key] = {{"median_ms", e.median_ms}, {"min_ms", e.min_ms}, {"max_ms", e.max_ms}};
  Json j = {{"format", kLatencyTableFormat},
            {"device", {{"type", device_.type}, {"threads", device_.threads}, {"name", device_.name}}},
            {"batch", protocol_.batch},
            {"warmup", protocol_.warmup},
            {"runs", protocol_.runs},
            {"entries", entries}};
  if (calibration_.networks > 0)
    j["calibration"] = {{"scale", calibration_.scale}, {"networks", calibration_.networks}};
  return j;
}

LatencyTable LatencyTable::from_json(const Json& value) {
  const ObjectReader top(value, "", {"format", "device", "batch", "warmup", "runs", "entries", "calibration"});
  expect_format(top, kLatencyTableFormat);
  const ObjectReader d = top.object("device", {"type", "threads", "name"});
  LatencyDevice device;
  device.type = kDeviceTypes.at(d.choice("type", kDeviceTypes));
  device.threads = static_cast<int>(d.integer("threads", 1, 1 << 16));
  device.name = d.string("name");
  LatencyProtocol protocol;
  protocol.batch = top.integer("batch", 1, 1 << 20);
  protocol.warmup = static_cast<int>(top.integer("warmup", 0, 1 << 20));
  protocol.runs = static_cast<int>(top.integer("runs", 1, 1 << 20));
  LatencyTable table(device, protocol);
  const Json& entries = top.at("entries");
  if (!entries.is_object())
    json_fail(top.path_of("entries"), "expected an object of key -> times, got " + json_describe(entries));
  for (const auto& [key, entry] : entries.items()) {
    const std::string path = json_child(top.path_of("entries"), key);
    const std::string problem = latency_key_problem(key);
    if (!problem.empty()) json_fail(path, problem);
    const ObjectReader e(entry, path, {"median_ms", "min_ms", "max_ms"});
    const NumberRange positive{0, 1e9, true, false};
    const LatencyEntry times{e.number("median_ms", positive), e.number("min_ms", positive),
                             e.number("max_ms", positive)};
    if (!(times.min_ms <= times.median_ms && times.median_ms <= times.max_ms))
      json_fail(path, "expected min_ms <= median_ms <= max_ms");
    table.entries_[key] = times;
  }
  if (top.has("calibration")) {
    const ObjectReader c = top.object("calibration", {"scale", "networks"});
    table.calibration_ = {c.number("scale", {0, 100, true, false}),
                          static_cast<int>(c.integer("networks", 1, 1 << 20))};
  }
  return table;
}

LatencyTable LatencyTable::load(const std::filesystem::path& file) {
  const Json value = read_json_file(file);
  try {
    return from_json(value);
  } catch (const Error& e) {
    throw Error(file.string() + ": " + e.what());
  }
}

void LatencyTable::save(const std::filesystem::path& file) const {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_json_file(file, to_json());
}

}  // namespace autospace::nas

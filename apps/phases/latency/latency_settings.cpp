#include "apps/phases/latency/latency_settings.h"

#include <chrono>
#include <cstdio>

#include "apps/run/progress.h"
#include "nas/arch_json.h"
#include "nas/space_json.h"

namespace autospace::apps {

namespace {

const std::vector<std::string> kDevices = {"cpu", "cuda"};

}  // namespace

LatencySettings parse_latency_settings(const nas::ObjectReader& parent, std::string_view key) {
  const nas::ObjectReader r = parent.object(key, {"table", "device", "threads", "batch", "warmup", "runs"});
  LatencySettings s;
  if (!r.has("table")) nas::json_fail(r.path_of("table"), "missing: the latency table file (created when absent)");
  s.table = r.string("table");
  if (r.has("device")) s.device = kDevices.at(r.choice("device", kDevices));
  s.threads = static_cast<int>(r.integer_or("threads", s.threads, 1, 1024));
  s.protocol.batch = r.integer_or("batch", s.protocol.batch, 1, 1 << 16);
  s.protocol.warmup = static_cast<int>(r.integer_or("warmup", s.protocol.warmup, 0, 10000));
  s.protocol.runs = static_cast<int>(r.integer_or("runs", s.protocol.runs, 1, 100000));
  return s;
}

nas::Json to_json(const LatencySettings& s) {
  return {{"table", s.table.string()}, {"device", s.device},          {"threads", s.threads},
          {"batch", s.protocol.batch}, {"warmup", s.protocol.warmup}, {"runs", s.protocol.runs}};
}

std::string LatencyRunSettings::space_origin() const {
  return space_file.empty() ? "the inline space" : space_file.string();
}

LatencyRunSettings parse_latency_run_settings(const nas::Json& description) {
  const nas::ObjectReader top(description, "", {"run_dir", "seed", "space", "latency", "check"});
  LatencyRunSettings s;
  // Not parse_run_basics: the device and threads are the latency section's, and no data.
  s.run_dir = top.string_or("run_dir", "runs/latency");
  if (s.run_dir.empty()) nas::json_fail(top.path_of("run_dir"), "must not be empty");
  s.seed = static_cast<std::uint64_t>(top.integer_or("seed", 0, 0, INT64_MAX));
  if (!top.has("space")) nas::json_fail(top.path_of("space"), "missing: a space.json path or an inline space object");
  if (top.at("space").is_object()) {
    s.space_json = top.at("space");
    s.space = nas::parse_nested(top.path_of("space"), [&] { return nas::space_from_json(s.space_json); });
  } else {
    s.space_file = top.string("space");
    s.space_json = nas::read_json_file(s.space_file);
    s.space = nas::load_space(s.space_file);
  }
  if (!top.has("latency")) nas::json_fail(top.path_of("latency"), "missing: the table file and how to measure it");
  s.latency = parse_latency_settings(top, "latency");
  s.device = s.latency.device;
  s.threads = s.latency.threads;
  if (top.has("check")) {
    const nas::ObjectReader check = top.object("check", {"archs", "arch_files", "calibrate"});
    s.check_archs = static_cast<int>(check.integer_or("archs", s.check_archs, 0, 100000));
    if (check.has("arch_files")) {
      const nas::Json& files = check.array("arch_files");
      for (std::size_t i = 0; i < files.size(); ++i) {
        s.check_network_files.emplace_back(nas::json_string(files[i], nas::json_index(check.path_of("arch_files"), i)));
        s.check_networks.push_back(nas::load_arch(s.check_network_files.back()));
      }
    }
    s.calibrate = check.boolean_or("calibrate", s.calibrate);
  }
  return s;
}

nas::Json to_json(const LatencyRunSettings& s) {
  nas::Json check = {{"archs", s.check_archs}, {"calibrate", s.calibrate}};
  for (const auto& f : s.check_network_files) check["arch_files"].push_back(f.string());
  return {{"run_dir", s.run_dir.string()},
          {"seed", s.seed},
          {"space", s.space_file.empty() ? s.space_json : nas::Json(s.space_file.string())},
          {"latency", to_json(s.latency)},
          {"check", check}};
}

ThreadCountScope::ThreadCountScope(int threads) : before_(num_threads()) { set_num_threads(threads); }
ThreadCountScope::~ThreadCountScope() { set_num_threads(before_); }

namespace {

Device measuring_device(const LatencySettings& s, const std::string& section) {
  try {
    return parse_device(s.device);
  } catch (const Error& e) {
    nas::json_fail(nas::json_child(section, "device"), e.what());
  }
}

}  // namespace

nas::LatencyTable open_latency_table(const LatencySettings& s, const std::string& section) {
  if (!std::filesystem::exists(s.table))
    return nas::LatencyTable(nas::latency_device(measuring_device(s, section), s.threads), s.protocol);
  nas::LatencyTable table = nas::LatencyTable::load(s.table);
  const nas::LatencyProtocol& p = table.protocol();
  if (!(p == s.protocol))
    AUTOSPACE_THROW(s.table.string(), ": the table was timed at batch ", p.batch, " (", p.warmup, " warm-up and ",
                    p.runs, " timed runs) but ", section, " asks batch ", s.protocol.batch, " (", s.protocol.warmup,
                    ", ", s.protocol.runs, "): use another table file or the table's protocol");
  return table;
}

nas::LatencyTable prepare_latency_table(const LatencySettings& s, const std::vector<nas::LatencyPart>& parts,
                                        const std::string& section, bool print) {
  const std::string origin = s.table.string();
  const Device device = measuring_device(s, section);
  const ThreadCountScope threads(s.threads);
  nas::LatencyTable table = open_latency_table(s, section);
  const std::vector<const nas::LatencyPart*> missing = nas::missing_parts(table, origin, parts, device);
  if (missing.empty()) return table;
  if (print) {
    std::printf("[latency] measuring %zu of %zu parts on %s at batch %lld -> %s\n", missing.size(), parts.size(),
                table.device().describe().c_str(), static_cast<long long>(s.protocol.batch), origin.c_str());
    std::fflush(stdout);
  }
  Progress progress("latency", static_cast<std::int64_t>(missing.size()), 0, print);
  auto last_save = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < missing.size(); ++i) {
    table.add(missing[i]->key, nas::measure_part(*missing[i], device, s.protocol));
    progress.step(static_cast<std::int64_t>(i), 0, "");
    // Saved every few seconds and at the end: a killed measurement keeps what it timed.
    const auto now = std::chrono::steady_clock::now();
    if (i + 1 == missing.size() || now - last_save > std::chrono::seconds(10)) {
      table.save(s.table);
      last_save = now;
    }
  }
  return table;
}

}  // namespace autospace::apps

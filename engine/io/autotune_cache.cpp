#include "engine/io/autotune_cache.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/io/atomic_file.h"
#include "kernels/common/check.h"
#include <nlohmann/json.hpp>

namespace autospace::io {

namespace {

constexpr const char* kFormat = "autospace-autotune-2";

void warn(const std::filesystem::path& file, const std::string& what) {
  std::fprintf(stderr, "autospace: ignoring the autotune cache %s: %s; its choices are measured again\n",
               file.string().c_str(), what.c_str());
}

// Parsing failures are reported once, when the cache opens; a save merges silently.
void report(bool on, const std::filesystem::path& file, const std::string& what) {
  if (on) warn(file, what);
}

}  // namespace

AutotuneCache::AutotuneCache(std::filesystem::path file, std::string context)
    : file_(std::move(file)), context_(std::move(context)) {
  if (!file_.empty()) entries_ = read_file(true);
}

std::map<std::string, AutotuneCache::Entry> AutotuneCache::read_file(bool warn_if_bad) const {
  std::map<std::string, Entry> entries;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return entries;
  if (!std::filesystem::is_regular_file(file_, ec)) {
    report(warn_if_bad, file_, "it is not a regular file");
    return entries;
  }
  std::ifstream in(file_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    report(warn_if_bad, file_, "it cannot be read");
    return entries;
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(text.str());
    if (!j.is_object() || j.value("format", "") != kFormat) {
      report(warn_if_bad, file_, std::string("\"format\" is not \"") + kFormat + "\"");
      return entries;
    }
    // Another GPU or library version: its timings say nothing about this one. Quietly
    // replaced, as a machine's cache follows its hardware.
    if (j.value("context", "") != context_) return entries;
    for (const auto& [key, e] : j.at("entries").items()) {
      Entry entry{e.at("choice").get<std::string>(), e.at("ms").get<std::map<std::string, double>>()};
      if (!entry.ms.count(entry.choice)) {
        report(warn_if_bad, file_, "entry \"" + key + "\" chooses \"" + entry.choice + "\", which it did not measure");
        return {};
      }
      entries.emplace(key, std::move(entry));
    }
  } catch (const nlohmann::json::exception& e) {
    report(warn_if_bad, file_, e.what());
    return {};
  }
  return entries;
}

int AutotuneCache::lookup(const std::string& key, const std::vector<std::string>& variants) const {
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.ms.size() != variants.size()) return -1;
  int choice = -1;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (!it->second.ms.count(variants[i])) return -1;  // measured among other variants
    if (variants[i] == it->second.choice) choice = static_cast<int>(i);
  }
  return choice;
}

int AutotuneCache::choose(const std::string& key, const std::vector<std::string>& variants,
                          const std::function<double(int)>& time_ms) {
  AUTOSPACE_CHECK(!variants.empty(), "autotune ", key, ": no variant to choose from");
  if (const int known = lookup(key, variants); known >= 0) return known;
  int best = -1;
  double best_ms = 0;
  Entry entry;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const double ms = time_ms(static_cast<int>(i));
    const bool ok = ms >= 0;  // also false for NaN
    entry.ms[variants[i]] = ok ? ms : -1.0;
    if (ok && (best < 0 || ms < best_ms)) best = static_cast<int>(i), best_ms = ms;
  }
  if (best < 0) best = 0;
  entry.choice = variants[static_cast<std::size_t>(best)];
  entries_[key] = entry;
  if (!file_.empty()) save();
  return best;
}

void AutotuneCache::save() const {
  // What another process of this context saved meanwhile, under this one's entries.
  std::map<std::string, Entry> merged = read_file(false);
  for (const auto& [key, e] : entries_) merged[key] = e;
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [key, e] : merged) entries[key] = {{"choice", e.choice}, {"ms", e.ms}};
  const nlohmann::json j = {{"format", kFormat}, {"context", context_}, {"entries", entries}};
  // A cache that cannot be written costs the next run its measurements, never this run.
  try {
    std::error_code ec;
    if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
    AUTOSPACE_CHECK(!ec, "cannot create ", file_.parent_path().string(), ": ", ec.message());
    write_file_atomically(file_, j.dump(1) + "\n");
  } catch (const Error& e) {
    std::fprintf(stderr, "autospace: the autotune cache %s was not saved: %s\n", file_.string().c_str(), e.what());
  }
}

std::filesystem::path default_cache_dir() {
  namespace fs = std::filesystem;
  if (const char* d = std::getenv("AUTOSPACE_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return fs::path(d) / "autospace";
  if (const char* d = std::getenv("HOME"); d && *d) return fs::path(d) / ".cache" / "autospace";
  return fs::temp_directory_path() / "autospace-cache";
}

}  // namespace autospace::io

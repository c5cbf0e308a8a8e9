#include "apps/run/run_directory.h"

#include "kernels/common/check.h"

namespace autospace::apps {

std::string first_difference(const nas::Json& a, const nas::Json& b, const std::string& path) {
  const std::string here = path.empty() ? "(document)" : path;
  // Numbers compare by value: a written 3 reads back as unsigned, a computed one is signed.
  if (a.is_number() && b.is_number()) return a == b ? "" : here;
  if (a.type() != b.type()) return here;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string child = nas::json_child(path, it.key());
      if (!b.contains(it.key())) return child;
      const std::string d = first_difference(it.value(), b.at(it.key()), child);
      if (!d.empty()) return d;
    }
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) return nas::json_child(path, it.key());
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return path;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string d = first_difference(a[i], b[i], nas::json_index(path, i));
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : here;
}

RunDirectory::RunDirectory(std::filesystem::path path, const nas::Json& resolved) : path_(std::move(path)) {
  std::filesystem::create_directories(path_);
  const auto config = path_ / "config.json";
  if (std::filesystem::exists(config)) {
    const nas::Json previous = nas::read_json_file(config);
    const std::string diff = first_difference(previous, resolved);
    if (!diff.empty())
      AUTOSPACE_THROW(config.string(), ": this run directory was started with a different description (first "
                      "difference at ", diff, "); use another run directory or the same settings to resume");
  } else {
    nas::write_json_file(config, resolved);
  }
  metrics_.open(path_ / "metrics.jsonl", std::ios::app);
  if (!metrics_) AUTOSPACE_THROW((path_ / "metrics.jsonl").string(), ": cannot open for appending");
}

void RunDirectory::log(const nas::Json& record) {
  metrics_ << record.dump() << '\n';
  metrics_.flush();
}

}  // namespace autospace::apps

#include "apps/run/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/hash.h"
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

namespace {

// Takes the exclusive lock of `dir`; the file keeps the holder's pid for the message.
int lock_directory(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / ".lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) AUTOSPACE_THROW(file.string(), ": cannot open the run directory's lock: ", std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    AUTOSPACE_THROW(dir.string(), ": the run directory is in use by process ", n > 0 ? holder : "(unknown)",
                    "; wait for that run to end or stop it (one process per run directory)");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    AUTOSPACE_THROW(file.string(), ": cannot write the lock holder: ", std::strerror(errno));
  return fd;
}

// ".<name>.tmp.<pid>": an atomic write (engine/io/atomic_file.h) a killed process left.
bool is_stale_temporary(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  return name.size() > 1 && name[0] == '.' && name.find(".tmp.") != std::string::npos;
}

// Nothing but the description and an empty metrics.jsonl: a start that failed early.
bool never_started(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "config.json" || name == ".lock") continue;
    if (name == "metrics.jsonl" && entry.is_regular_file() && entry.file_size() == 0) continue;
    return false;
  }
  return true;
}

// What must match for a run to resume: the description less the directory itself and
// where and how the run computes (device, CPU threads, GEMM precision, convolution
// kernels, graphs), so that a checkpoint written on a GPU resumes on the CPU and the other way
// round.
nas::Json compared_part(nas::Json j) {
  if (j.is_object())
    for (const char* key : {"run_dir", "device", "threads", "precision", "conv_backend", "cuda_graphs"}) j.erase(key);
  return j;
}

}  // namespace

RunDirectory::RunDirectory(std::filesystem::path path, const nas::Json& resolved) : path_(std::move(path)) {
  std::filesystem::create_directories(path_);
  lock_.fd = lock_directory(path_);
  for (const auto& entry : std::filesystem::directory_iterator(path_))
    if (entry.is_regular_file() && is_stale_temporary(entry.path())) std::filesystem::remove(entry.path());
  const auto config = path_ / "config.json";
  if (std::filesystem::exists(config) && !never_started(path_)) {
    const nas::Json previous = nas::read_json_file(config);
    const std::string diff = first_difference(compared_part(previous), compared_part(resolved));
    if (!diff.empty())
      AUTOSPACE_THROW(config.string(), ": this run directory was started with a different description (first "
                      "difference at ", diff, "); use another run directory or the same settings to resume");
  } else {
    nas::write_json_file(config, resolved);
  }
  open_metrics();
}

RunDirectory::Lock::~Lock() {
  if (fd >= 0) ::close(fd);
}

void RunDirectory::check_inputs(const std::vector<std::filesystem::path>& files) {
  const auto record = path_ / "inputs.json";
  nas::Json known = std::filesystem::exists(record) ? nas::read_json_file(record) : nas::Json::object();
  bool added = false;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) AUTOSPACE_THROW(file.string(), ": cannot open for reading");
    const std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string hash = fnv1a64_hex(contents);
    const std::string key = std::filesystem::absolute(file).lexically_normal().string();
    if (!known.contains(key)) {
      known[key] = hash;
      added = true;
    } else if (known[key] != hash) {
      AUTOSPACE_THROW(file.string(), ": its contents changed since this run started (", record.string(),
                      " recorded another hash); restore the file or use another run directory");
    }
  }
  if (added) nas::write_json_file(record, known);
}

void RunDirectory::open_metrics() {
  std::ifstream existing(path_ / "metrics.jsonl");
  records_ = 0;
  for (std::string line; std::getline(existing, line);) ++records_;
  metrics_.open(path_ / "metrics.jsonl", std::ios::app);
  if (!metrics_) AUTOSPACE_THROW((path_ / "metrics.jsonl").string(), ": cannot open for appending");
}

void RunDirectory::log(const nas::Json& record) {
  metrics_ << record.dump() << '\n';
  metrics_.flush();
  ++records_;
}

void RunDirectory::truncate_metrics(std::int64_t records) {
  const auto file = path_ / "metrics.jsonl";
  std::uintmax_t keep = 0;
  {
    std::ifstream in(file);
    std::string line;
    for (std::int64_t r = 0; r < records && std::getline(in, line); ++r) keep += line.size() + 1;
  }
  if (std::filesystem::file_size(file) <= keep) return;
  metrics_.close();
  std::filesystem::resize_file(file, keep);
  open_metrics();
}

}  // namespace autospace::apps

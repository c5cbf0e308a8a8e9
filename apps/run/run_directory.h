#pragma once
// A phase's run directory: the fully resolved run description, metrics.jsonl (one JSON
// object per line, flushed as written so a killed run keeps what it logged), the
// checkpoint, and the outputs. A run started again on the same directory resumes. One
// process at a time: the directory is locked (.lock, with the holder's pid) for as long as
// the object lives; the lock goes with the process, however it ends.
#include <filesystem>
#include <cstdint>
#include <fstream>
#include <vector>

#include "nas/json_check.h"

namespace autospace::apps {

class RunDirectory {
 public:
  // Creates the directory when absent and locks it (an error names the process holding
  // it); removes the temporaries of atomic writes a killed process left. A resolved
  // description already there must equal `resolved` but for run_dir, whose spelling does
  // not matter once this is the directory (else resuming would silently change the run):
  // the error names the first differing key. A directory holding nothing but the
  // description and an empty metrics.jsonl (a start that failed before its first record)
  // takes the new description instead.
  RunDirectory(std::filesystem::path path, const nas::Json& resolved);
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }
  std::filesystem::path checkpoint() const { return checkpoint_in(path_); }
  // Where a run directory keeps its checkpoint (ranks that do not own the directory read it).
  static std::filesystem::path checkpoint_in(const std::filesystem::path& dir) { return dir / "checkpoint.safetensors"; }
  bool has_checkpoint() const { return std::filesystem::exists(checkpoint()); }

  // The files the run starts from (a search's space.json, a training's arch.json) must keep
  // their contents for the whole run: the first start records a hash of each in
  // inputs.json, a later one refuses a file whose contents changed, naming it.
  void check_inputs(const std::vector<std::filesystem::path>& files);

  // Appends one line to metrics.jsonl.
  void log(const nas::Json& record);
  // How many records metrics.jsonl holds, which a checkpoint records, and the cut back to
  // that many on resume: the records a killed run wrote after its last checkpoint are
  // written again by the resumed one.
  std::int64_t metrics_records() const { return records_; }
  void truncate_metrics(std::int64_t records);

 private:
  void open_metrics();

  // The directory's flock, released with its descriptor (also when the constructor throws).
  struct Lock {
    int fd = -1;
    Lock() = default;
    Lock(const Lock&) = delete;
    ~Lock();
  };

  std::filesystem::path path_;
  Lock lock_;
  std::ofstream metrics_;
  std::int64_t records_ = 0;  // lines in metrics.jsonl (counted once on opening, then kept)
};

// The first key path at which two JSON documents differ ("" when equal).
std::string first_difference(const nas::Json& a, const nas::Json& b, const std::string& path = "");

}  // namespace autospace::apps

#pragma once
// A phase's run directory: the fully resolved run description, metrics.jsonl (one JSON
// object per line, flushed as written so a killed run keeps what it logged), the
// checkpoint, and the outputs. A run started again on the same directory resumes.
#include <filesystem>
#include <fstream>

#include "nas/json_check.h"

namespace autospace::apps {

class RunDirectory {
 public:
  // Creates the directory when absent. A resolved description already there must equal
  // `resolved` (else resuming would silently change the run): the error names the first
  // differing key.
  RunDirectory(std::filesystem::path path, const nas::Json& resolved);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }
  std::filesystem::path checkpoint() const { return checkpoint_in(path_); }
  // Where a run directory keeps its checkpoint (ranks that do not own the directory read it).
  static std::filesystem::path checkpoint_in(const std::filesystem::path& dir) { return dir / "checkpoint.safetensors"; }
  bool has_checkpoint() const { return std::filesystem::exists(checkpoint()); }

  // Appends one line to metrics.jsonl.
  void log(const nas::Json& record);

 private:
  std::filesystem::path path_;
  std::ofstream metrics_;
};

// The first key path at which two JSON documents differ ("" when equal).
std::string first_difference(const nas::Json& a, const nas::Json& b, const std::string& path = "");

}  // namespace autospace::apps

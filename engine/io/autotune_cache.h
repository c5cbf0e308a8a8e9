#pragma once
// Per-shape choices among kernel variants, measured once and remembered in a JSON file so
// that later runs on the same machine start with them (cuDNN's benchmark mode, made
// persistent). The file holds one "context" (the GPU, the libraries' versions: what the
// timings depend on) and its entries, key -> {"choice", "ms": [time per variant]}:
//
//   {"format": "autospace-autotune-1", "context": "NVIDIA H200 sm_90 cudnn 91000",
//    "entries": {"conv2d forward n64 ...": {"choice": 1, "ms": [0.281, 0.123]}}}
//
// A file from another context, or one that cannot be read or parsed, is ignored with a
// warning naming it and what is wrong (a cache is disposable: its entries are measured
// again), and replaced at the next save. Saves are atomic and merge what another process
// (a rank of the same job) wrote meanwhile; a save that fails is a warning, never the end
// of a run.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace autospace::io {

class AutotuneCache {
 public:
  // An empty path keeps the choices in memory only.
  AutotuneCache(std::filesystem::path file, std::string context);

  // The variant to use for `key`: remembered, or measured now by calling time_ms(i) for
  // each of the `variants` (the fastest wins, ties to the lower index) and saved.
  int choose(const std::string& key, int variants, const std::function<double(int)>& time_ms);
  // The remembered choice, or -1.
  int lookup(const std::string& key) const;

  const std::filesystem::path& file() const { return file_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int choice = 0;
    std::vector<double> ms;
  };
  // Entries of the file when it belongs to this context, else none (with a warning when
  // warn_if_bad and the file is unusable rather than another context's).
  std::map<std::string, Entry> read_file(bool warn_if_bad) const;
  void save() const;

  std::filesystem::path file_;
  std::string context_;
  std::map<std::string, Entry> entries_;
};

// Where the caches of every layer live (autotune choices, data's file lists):
// $AUTOSPACE_CACHE_DIR, else $XDG_CACHE_HOME/autospace, else $HOME/.cache/autospace, else
// a directory under the system's temporary one.
std::filesystem::path default_cache_dir();

}  // namespace autospace::io

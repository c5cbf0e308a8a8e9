#pragma once
// Per-shape choices among kernel variants, measured once and remembered in a JSON file so
// that later runs on the same machine start with them (cuDNN's benchmark mode, made
// persistent). The file holds one "context" (the GPU, the libraries' versions: what the
// timings depend on) and its entries, key -> the variants measured (by name, with their
// times; a variant that failed its check is recorded with -1) and the one chosen:
//
//   {"format": "autospace-autotune-2", "context": "NVIDIA H200 sm_90 ... cudnn 91000",
//    "entries": {"conv2d forward fp32 n64 ...": {"choice": "cudnn",
//                                                 "ms": {"native": 0.281, "cudnn": 0.123}}}}
//
// An entry is used only while the variants on offer are the ones it measured (a build
// that adds a kernel measures again). A file from another context is replaced; one that
// cannot be read or parsed is ignored with a warning naming it and what is wrong (a cache
// is disposable: its entries are measured again) and replaced at the next save. Saves are
// atomic and merge what another process (a rank of the same job) wrote meanwhile; a save
// that fails is a warning, never the end of a run.
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

  // The index in `variants` (names, the reference first) to use for `key`: remembered, or
  // measured now by calling time_ms(i) for each (the fastest wins, ties to the lower
  // index; a negative time means variant i failed its check and is never chosen) and
  // saved. Variant 0 is chosen when every other one failed.
  int choose(const std::string& key, const std::vector<std::string>& variants,
             const std::function<double(int)>& time_ms);
  // The remembered choice for `key` among `variants`, or -1.
  int lookup(const std::string& key, const std::vector<std::string>& variants) const;

  const std::filesystem::path& file() const { return file_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string choice;
    std::map<std::string, double> ms;  // per variant name
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

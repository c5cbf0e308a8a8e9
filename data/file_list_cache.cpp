#include "data/file_list_cache.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/core/hash.h"
#include "engine/io/autotune_cache.h"
#include "kernels/common/check.h"

namespace autospace::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMagic = "autospace-filelist 1";
// Directory mtimes closer than this to the walk may be followed by an undetectable change
// on filesystems with one-second timestamps.
constexpr std::int64_t kRacyWindowNs = 2'000'000'000;

bool has_newline(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

// Reads "<count>" after a fixed keyword, e.g. "files 1281167".
bool read_count(std::istream& in, const char* keyword, std::size_t& count) {
  std::string line, word;
  if (!std::getline(in, line)) return false;
  std::istringstream ls(line);
  return static_cast<bool>(ls >> word >> count) && word == keyword;
}

// Splits "<integer> <rest of line>".
bool split_number(const std::string& line, std::int64_t& number, std::string& rest) {
  const std::size_t space = line.find(' ');
  if (space == std::string::npos) return false;
  char* end = nullptr;
  number = std::strtoll(line.c_str(), &end, 10);
  if (end != line.c_str() + space) return false;
  rest = line.substr(space + 1);
  return true;
}

}  // namespace

std::int64_t mtime_ns(const fs::path& path) {
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  if (ec) AUTOSPACE_THROW("cannot stat ", path.string(), ": ", ec.message());
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

FileListCache::FileListCache(fs::path dir) : dir_(std::move(dir)) {}

fs::path FileListCache::default_dir() { return io::default_cache_dir(); }

fs::path FileListCache::file_for(const fs::path& root) const {
  char name[40];
  std::snprintf(name, sizeof name, "filelist-%016llx.txt", static_cast<unsigned long long>(fnv1a64(root.string())));
  return dir_ / name;
}

std::optional<FileList> FileListCache::load(const fs::path& root) const {
  std::ifstream in(file_for(root));
  if (!in) return std::nullopt;
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return std::nullopt;
  if (!std::getline(in, line) || line != "root " + root.string()) return std::nullopt;  // a hash collision

  FileList list;
  std::size_t n = 0;
  if (!read_count(in, "classes", n)) return std::nullopt;
  list.classes.resize(n);
  for (std::string& c : list.classes)
    if (!std::getline(in, c)) return std::nullopt;

  if (!read_count(in, "dirs", n)) return std::nullopt;
  list.dirs.resize(n);
  for (DirStamp& d : list.dirs) {
    if (!std::getline(in, line) || !split_number(line, d.mtime_ns, d.path)) return std::nullopt;
    std::error_code ec;
    const auto t = fs::last_write_time(root / d.path, ec);
    if (ec || std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count() != d.mtime_ns)
      return std::nullopt;
  }

  if (!read_count(in, "files", n)) return std::nullopt;
  list.files.resize(n);
  for (FileSample& f : list.files) {
    if (!std::getline(in, line) || !split_number(line, f.label, f.path)) return std::nullopt;
    if (f.label < 0 || f.label >= static_cast<std::int64_t>(list.classes.size())) return std::nullopt;
  }
  return list;
}

bool FileListCache::store(const fs::path& root, const FileList& list) const {
  for (const DirStamp& d : list.dirs)
    if (d.mtime_ns >= list.scanned_at_ns - kRacyWindowNs || has_newline(d.path)) return false;
  for (const std::string& c : list.classes)
    if (has_newline(c)) return false;
  for (const FileSample& f : list.files)
    if (has_newline(f.path)) return false;
  if (has_newline(root.string())) return false;

  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) AUTOSPACE_THROW("cannot create the file-list cache directory ", dir_.string(), ": ", ec.message());
  const fs::path target = file_for(root);
  const fs::path tmp = target.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) AUTOSPACE_THROW("cannot write the file-list cache ", tmp.string());
    out << kMagic << '\n' << "root " << root.string() << '\n';
    out << "classes " << list.classes.size() << '\n';
    for (const std::string& c : list.classes) out << c << '\n';
    out << "dirs " << list.dirs.size() << '\n';
    for (const DirStamp& d : list.dirs) out << d.mtime_ns << ' ' << d.path << '\n';
    out << "files " << list.files.size() << '\n';
    for (const FileSample& f : list.files) out << f.label << ' ' << f.path << '\n';
    out.flush();
    if (!out) AUTOSPACE_THROW("cannot write the file-list cache ", tmp.string());
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    AUTOSPACE_THROW("cannot install the file-list cache ", target.string());
  }
  return true;
}

}  // namespace autospace::data

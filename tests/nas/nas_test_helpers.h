#pragma once
// Helpers shared by the tests of nas/.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include <unistd.h>

#include "kernels/common/check.h"

namespace autospace::test {

inline std::filesystem::path arch_config(const std::string& name) {
  return std::filesystem::path(AUTOSPACE_SOURCE_DIR) / "configs" / "arch" / name;
}

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("autospace-nas-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The message of the autospace::Error that `action` throws; empty when it throws nothing.
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace autospace::test

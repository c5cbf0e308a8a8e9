// The Catch2 runner of every test executable. Tests open many temporary ImageFolder trees;
// their file-list caches go to a directory of this process's own, removed at exit, rather
// than piling up in the user's ~/.cache/autospace (an explicit AUTOSPACE_CACHE_DIR wins).
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  fs::path own_cache;
  if (const char* d = std::getenv("AUTOSPACE_CACHE_DIR"); !d || !*d) {
    own_cache = fs::temp_directory_path() / ("autospace-test-cache-" + std::to_string(::getpid()));
    ::setenv("AUTOSPACE_CACHE_DIR", own_cache.c_str(), 1);
  }
  const int result = Catch::Session().run(argc, argv);
  if (!own_cache.empty()) {
    std::error_code ignored;
    fs::remove_all(own_cache, ignored);
  }
  return result;
}

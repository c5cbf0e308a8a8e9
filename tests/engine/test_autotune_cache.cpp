// The autotune cache (engine/io/autotune_cache.h): a choice is measured once, remembered
// across instances through its file, and a file of another context, a corrupt one or an
// unwritable directory never stops a run.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <string>
#include <vector>

#include "engine/io/autotune_cache.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("autospace-autotune-" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// A timer over fixed times that counts its calls.
struct FakeTimer {
  std::vector<double> ms;
  int calls = 0;
  std::function<double(int)> fn() {
    return [this](int i) {
      ++calls;
      return ms.at(static_cast<std::size_t>(i));
    };
  }
};

}  // namespace

TEST_CASE("autotune cache: the fastest variant, measured once, remembered through the file", "[io][autotune]") {
  TempDir dir;
  const fs::path file = dir.path / "sub" / "autotune.json";
  const std::vector<std::string> abc = {"a", "b", "c"}, ab = {"a", "b"};
  FakeTimer timer{{0.3, 0.1, 0.2}};
  {
    io::AutotuneCache cache(file, "gpu A");
    CHECK(cache.lookup("conv k3", abc) == -1);
    CHECK(cache.choose("conv k3", abc, timer.fn()) == 1);
    CHECK(timer.calls == 3);
    CHECK(cache.choose("conv k3", abc, timer.fn()) == 1);
    CHECK(timer.calls == 3);  // not measured again
  }
  REQUIRE(fs::exists(file));
  io::AutotuneCache reopened(file, "gpu A");
  CHECK(reopened.size() == 1);
  CHECK(reopened.lookup("conv k3", abc) == 1);
  // Measured among other variants (a build that adds or drops a kernel): measured again.
  CHECK(reopened.lookup("conv k3", ab) == -1);
  CHECK(reopened.lookup("conv k3", {"a", "b", "d"}) == -1);
  FakeTimer tie{{0.5, 0.5}};
  CHECK(reopened.choose("conv k5", ab, tie.fn()) == 0);  // a tie goes to the lower index
  // Another process of the same context, opened before that save, saves later: saves
  // merge, they do not clobber.
  io::AutotuneCache other(file, "gpu A");
  FakeTimer t2{{0.2, 0.1}};
  CHECK(reopened.choose("conv k1", ab, t2.fn()) == 1);
  FakeTimer t3{{0.1, 0.2}};
  CHECK(other.choose("conv k7", ab, t3.fn()) == 0);
  CHECK(io::AutotuneCache(file, "gpu A").size() == 4);
  // Another GPU's timings say nothing about this one: its choices are measured anew.
  io::AutotuneCache elsewhere(file, "gpu B");
  CHECK(elsewhere.size() == 0);
  // A memory-only cache writes nothing.
  io::AutotuneCache in_memory("", "gpu A");
  FakeTimer t4{{0.2, 0.1}};
  CHECK(in_memory.choose("conv k3", ab, t4.fn()) == 1);
  // A variant that failed its check (negative or NaN time) is never chosen; with all but the
  // reference failed, the reference is.
  FakeTimer failed{{0.3, -1.0, std::nan("")}};
  CHECK(in_memory.choose("conv k9", abc, failed.fn()) == 0);
  FakeTimer faster_but_wrong{{0.3, 0.2, -1.0}};
  CHECK(in_memory.choose("conv k11", abc, faster_but_wrong.fn()) == 1);
}

TEST_CASE("autotune cache: a corrupt file is reported by path and replaced, an unwritable one is a warning",
          "[io][autotune]") {
  TempDir dir;
  const fs::path file = dir.path / "autotune.json";
  for (const char* bad : {"{not json", R"({"format": "other"})",
                          R"({"format": "autospace-autotune-2", "context": "gpu A", "entries": {"k": {"choice": "z", "ms": {"a": 1.0}}}})"}) {
    INFO(bad);
    std::ofstream(file) << bad;
    io::AutotuneCache cache(file, "gpu A");  // warns on stderr, naming the file
    CHECK(cache.size() == 0);
    FakeTimer timer{{0.2, 0.1}};
    CHECK(cache.choose("k", {"a", "b"}, timer.fn()) == 1);
    CHECK(io::AutotuneCache(file, "gpu A").lookup("k", {"a", "b"}) == 1);  // replaced by a good file
  }
  // A directory where the file should be: the save fails, the choice still stands.
  const fs::path blocked = dir.path / "blocked";
  fs::create_directories(blocked / "autotune.json");
  io::AutotuneCache cache(blocked / "autotune.json", "gpu A");
  FakeTimer timer{{0.2, 0.1}};
  CHECK(cache.choose("k", {"a", "b"}, timer.fn()) == 1);
  CHECK(cache.lookup("k", {"a", "b"}) == 1);
}

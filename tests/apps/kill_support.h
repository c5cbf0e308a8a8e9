#pragma once
// Kills a phase binary in the middle of its run, for the tests that check a SIGKILLed run
// resumes exactly: the child's checkpoint may be mid-write at that moment, which is what
// atomic checkpoints must survive.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace autospace::test {

// Runs `binary config` (stdout discarded) until `metrics` holds `lines` lines (or 60 s
// passed), then sends it `signal`; returns the child's wait status.
inline int run_and_signal(const char* binary, const std::filesystem::path& config, const std::filesystem::path& metrics,
                          int lines, int signal) {
  const pid_t child = fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(binary, binary, config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(metrics);
    int seen = 0;
    for (std::string l; std::getline(in, l);) ++seen;
    if (seen >= lines) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, signal);
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

// SIGKILL: true when the child was killed by the signal (not finished).
inline bool run_and_kill(const char* binary, const std::filesystem::path& config, const std::filesystem::path& metrics,
                         int lines) {
  return WIFSIGNALED(run_and_signal(binary, config, metrics, lines, SIGKILL));
}

}  // namespace autospace::test

#include "apps/run/stop_signal.h"

#include <csignal>

namespace autospace::apps {

namespace {
volatile std::sig_atomic_t stop_flag = 0;
extern "C" void on_stop_signal(int) { stop_flag = 1; }
}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

bool stop_requested() { return stop_flag != 0; }

}  // namespace autospace::apps

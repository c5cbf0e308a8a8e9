#pragma once
// A blocking parallel loop on plain threads, for the one-off bulk jobs of the data layer
// (scanning a tree, checking files, generating a dataset). The loader keeps its own
// long-lived pool because it must run ahead of its consumer.
#include <cstddef>
#include <functional>

namespace autospace::data {

// Number of threads to use for a request of `threads` (<= 0: all cores).
int resolve_threads(int threads);

// Calls fn(i, worker) for every i in [0, n) on up to `threads` threads, handing out
// indices in order; worker in [0, threads) names the calling thread, for per-thread
// scratch. The first exception thrown by fn stops the hand-out and is rethrown here.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t index, int worker)>& fn);

}  // namespace autospace::data

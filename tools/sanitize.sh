#!/usr/bin/env bash
# The fast test suite built with AddressSanitizer + UndefinedBehaviorSanitizer (GCC, CPU
# only) in build-asan/, run with leak checking on: what to run, and record in
# bench/results/, whenever kernels or I/O change. Too slow for CI's 30 minutes on 2 cores
# (the instrumented build alone takes most of it), so it is a script. docs/fuzzing.md.
#
# Usage: tools/sanitize.sh [CTEST ARGS...]     e.g. tools/sanitize.sh -R safetensors
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-asan"
mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUTOSPACE_SANITIZE=address,undefined \
  -DAUTOSPACE_CUDA=OFF -DAUTOSPACE_BUILD_BENCH=OFF > "$build/configure.log"
cmake --build "$build" -j2
export LSAN_OPTIONS="suppressions=$root/tools/lsan-suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Everything but the mpirun tests with leak checking; those without it: Open MPI's
# plugins (dlopen'd, unloaded before the check) leak one-time allocations that no
# suppression can name, as "<unknown module>". ASan and UBSan stay on for them.
status=0
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1" \
  ctest --test-dir "$build" --output-on-failure -j 2 -LE "slow|dist" --timeout 900 "$@" || status=1
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1" \
  ctest --test-dir "$build" --output-on-failure -j 2 -L dist --timeout 900 "$@" || status=1
exit $status

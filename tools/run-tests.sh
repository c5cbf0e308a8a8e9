#!/usr/bin/env bash
# The README's test command: installs missing packages, builds, runs ctest.
# By default the fast suite (everything not labelled "slow"); --all runs the slow tests too.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
label_filter=(-LE slow)
[ "${1:-}" = "--all" ] && label_filter=()
ctest --test-dir build --output-on-failure -j "$(nproc)" "${label_filter[@]}"

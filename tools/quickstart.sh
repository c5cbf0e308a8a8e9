#!/usr/bin/env bash
# The README's main job: installs missing packages, builds, then runs the pipeline of
# configs/quickstart.json on the generated synthetic dataset in runs/quickstart — evolve a
# search space (phase 1), search an architecture in it (phase 2), train that architecture
# from scratch (phase 3), evaluate it (phase 4) — and ends with pipeline-summary.json and
# report.html. Re-running it resumes an interrupted run or reports the finished one.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
build/apps/autospace run configs/quickstart.json "$@"
echo
echo "report: runs/quickstart/report.html (one self-contained page); summary: runs/quickstart/pipeline-summary.json"

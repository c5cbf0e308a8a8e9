#!/usr/bin/env bash
# The README's main job: installs missing packages, builds, then runs phase 1 (evolve a
# search space) on the generated synthetic dataset, in runs/quick-evolve. Re-running it
# resumes or reports the finished run. (The full evolve -> search -> train -> eval pipeline
# replaces this once `autospace run` exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
build/apps/autospace-evolve configs/evolve/quick-synthetic.json "$@"
echo
echo "learned space: runs/quick-evolve/space.json (drawn in runs/quick-evolve/space.svg)"
build/apps/autospace-inspect runs/quick-evolve/space.json | head -40

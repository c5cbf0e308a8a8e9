#!/usr/bin/env bash
# The search comparison of docs/experiments.md on ../shared/data/cifar10-small, at one
# MAdds budget (8M): proxyless-g in the learned space (runs/cifar10-small-evolve/space.json,
# from `build/apps/autospace-evolve configs/evolve/cifar10-small.json`) and in the manual
# IRB space, and spos (evolution) in the open space; each found architecture trained from
# scratch with seeds 0 and 1, then evaluated. Every step resumes if interrupted; finished
# runs are skipped. Prints the table (search and training wall times from the run files).
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/experiments
mkdir -p "$out"
spaces=(learned irb open)
for space in "${spaces[@]}"; do
  if [ ! -f "$out/search-$space/arch.json" ]; then
    start=$(date +%s)
    build/apps/autospace-search "configs/experiments/search-cifar10-small-$space.json"
    echo $(( $(date +%s) - start )) > "$out/search-$space/wall_seconds"
  fi
  for seed in 0 1; do
    run=(configs/experiments/train-cifar10-small-searched.json --set "arch=$out/search-$space/arch.json"
         --set "seed=$seed" --set "run_dir=$out/train-$space-seed$seed")
    [ -f "$out/train-$space-seed$seed/summary.json" ] || build/apps/autospace-train "${run[@]}"
    [ -f "$out/train-$space-seed$seed/eval.json" ] || build/apps/autospace-eval "${run[@]}"
  done
done
/usr/bin/python3 - "$out" "${spaces[@]}" <<'PY'
import json, os, sys
out, spaces = sys.argv[1], sys.argv[2:]
print("| space | searcher | found MAdds | params | seed | top-1 | top-5 | search wall | train wall |")
print("|---|---|---|---|---|---|---|---|---|")
for space in spaces:
    s = json.load(open(f"{out}/search-{space}/search-summary.json"))
    wall_file = f"{out}/search-{space}/wall_seconds"
    search_wall = open(wall_file).read().strip() + " s" if os.path.exists(wall_file) else "?"
    for seed in (0, 1):
        e = json.load(open(f"{out}/train-{space}-seed{seed}/eval.json"))
        t = json.load(open(f"{out}/train-{space}-seed{seed}/summary.json"))
        print(f"| {space} | {s['method']} | {s['madds']/1e6:.2f}M | {s['params']/1e3:.1f}k | {seed} | "
              f"{100*e['top1']:.2f}% | {100*e['top5']:.2f}% | {search_wall} | {t['wall_seconds']:.0f} s |")
PY

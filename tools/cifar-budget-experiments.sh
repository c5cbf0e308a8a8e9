#!/usr/bin/env bash
# The cifar10-small budget table of docs/experiments.md: every searcher in the space phase 1
# learned on cifar10-small (runs/cifar10-small-evolve/space.json, from
# `build/apps/autospace-evolve configs/evolve/cifar10-small.json`) at three MAdds targets,
# with the recipe of configs/experiments/search-cifar10-small-learned.json (proxyless-g and
# -rl) and the evolution of search-cifar10-small-open.json (spos, random). Prints found cost
# / target, whether it lies in the band [0.9, 1.0] x target, and for the proxyless methods
# the plain argmax's. Hours on 2 CPU cores: run it in the background under nice; finished
# searches are skipped and an interrupted one resumes.
#   tools/cifar-budget-experiments.sh [TARGET_MADDS...]     (default 6000000 8000000 11000000)
set -euo pipefail
cd "$(dirname "$0")/.."
space=runs/cifar10-small-evolve/space.json
[ -f "$space" ] || { echo "cifar-budget-experiments.sh: $space is missing: run autospace-evolve first" >&2; exit 2; }
out=runs/cifar-budget-experiments
mkdir -p "$out"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(6000000 8000000 11000000)
for target in "${targets[@]}"; do
  for method in proxyless-g proxyless-rl spos random; do
    run="$out/$method-$target"
    [ -f "$run/search-summary.json" ] && continue
    /usr/bin/python3 - "$method" "$target" "$run" "$space" > "$run.json" <<'PY'
import json, sys
method, target, run, space = sys.argv[1:]
d = json.load(open("configs/experiments/search-cifar10-small-learned.json"))
s = d["search"]
if method == "spos" or method == "random":
    s = json.load(open("configs/experiments/search-cifar10-small-open.json"))["search"]
    if method == "random":
        for key in ("parents", "mutations", "crossovers", "mutation_probability"):
            s.pop(key)
elif method == "proxyless-rl":
    s.pop("madds_loss")
    s.pop("lambda")
s["method"] = method
s["target_madds"] = int(target)
d["search"] = s
d["space"] = space
d["run_dir"] = run
print(json.dumps(d, indent=1))
PY
    build/apps/autospace-search "$run.json" > "$run.log" 2>&1
  done
done
/usr/bin/python3 - "$out" "${targets[@]}" <<'PY'
import json, sys
out, targets = sys.argv[1], sys.argv[2:]
print("| searcher | budget | band | found | found / target | inside | plain argmax / target | argmax inside | held-out top-1 (shared weights) |")
print("|---|---|---|---|---|---|---|---|---|")
for method in ("proxyless-g", "proxyless-rl", "spos", "random"):
    for t in targets:
        s = json.load(open(f"{out}/{method}-{t}/search-summary.json"))
        lo, hi = s["budget"]["band"]
        argmax = s.get("argmax")
        a = f"{argmax['madds'] / int(t):.3f} | {'yes' if argmax['inside_band'] else 'no'}" if argmax else "- | -"
        acc = f"{100 * s['supernet_accuracy']:.1f}%" if "supernet_accuracy" in s else "-"
        print(f"| {method} | {int(t) / 1e6:.1f}M MAdds | [{lo / 1e6:.2f}M, {hi / 1e6:.2f}M] | {s['madds'] / 1e6:.3f}M | "
              f"{s['madds'] / int(t):.3f} | {'yes' if s['inside_band'] else 'no'} | {a} | {acc} |")
PY

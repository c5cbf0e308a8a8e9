#!/usr/bin/env bash
# The budget table of docs/experiments.md: every searcher at three MAdds targets and one
# params target, in the quick start's learned space (runs/quickstart/evolve/space.json,
# from tools/quickstart.sh) on its synthetic data, with the quick start's search recipe
# (spos/random: a smaller evolution, population 16 for 4 generations). Prints found cost /
# target and whether it lies in the band [0.9, 1.0] x target, and for the proxyless
# methods the plain argmax's. Finished runs are skipped; an interrupted one resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
space=runs/quickstart/evolve/space.json
[ -f "$space" ] || { echo "budget-experiments.sh: $space is missing: run tools/quickstart.sh first" >&2; exit 2; }
out=runs/budget-experiments
mkdir -p "$out"
budgets=(madds:1500000 madds:2000000 madds:3000000 params:30000)
for method in proxyless-g proxyless-rl spos random; do
  for budget in "${budgets[@]}"; do
    kind=${budget%%:*} target=${budget##*:}
    run="$out/$method-$kind-$target"
    [ -f "$run/search/search-summary.json" ] && continue
    /usr/bin/python3 tools/quickstart_search.py "$method" "$run" "$space" "{\"target_$kind\": $target}" \
        > "$out/$method-$kind-$target.json"
    build/apps/autospace run "$out/$method-$kind-$target.json" > "$out/$method-$kind-$target.log"
  done
done
/usr/bin/python3 - "$out" "${budgets[@]}" <<'PY'
import json, sys
out, budgets = sys.argv[1], sys.argv[2:]
print("| searcher | budget | band | found | found / target | inside | plain argmax / target | argmax inside |")
print("|---|---|---|---|---|---|---|---|")
for method in ("proxyless-g", "proxyless-rl", "spos", "random"):
    for b in budgets:
        kind, target = b.split(":")
        s = json.load(open(f"{out}/{method}-{kind}-{target}/search/search-summary.json"))
        key = "madds" if kind == "madds" else "params"
        lo, hi = s["budget"]["band"]
        found = s[key]
        argmax = s.get("argmax")
        a = f"{argmax[key] / int(target):.3f} | {'yes' if argmax['inside_band'] else 'no'}" if argmax else "- | -"
        print(f"| {method} | {int(target) / 1e6:.2f}M {s['budget']['kind']} | [{lo / 1e6:.3f}M, {hi / 1e6:.3f}M] | "
              f"{found / 1e6:.3f}M | {found / int(target):.3f} | {'yes' if s['inside_band'] else 'no'} | {a} |")
PY

#!/usr/bin/env bash
# The latency table of docs/experiments.md ("Latency budgets"): the quick start's learned
# space (runs/quickstart/evolve/space.json, from tools/quickstart.sh) timed on this machine's
# CPU with one thread at batch 1 (autospace-latency: every part, then 8 random networks
# whole, which calibrate the table), then every searcher at two latency targets with the
# quick start's search recipe (as tools/budget-experiments.sh), then the found networks
# timed whole by autospace-latency (check.arch_files, no recalibration). Prints, per search,
# the predicted latency of the found network, its time measured at the end of the search
# and by autospace-latency, and whether each lies in the band [0.9, 1.0] x target. Run it on
# an otherwise idle machine: it measures time.
# Finished runs are skipped; an interrupted one resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
space=runs/quickstart/evolve/space.json
[ -f "$space" ] || { echo "latency-experiments.sh: $space is missing: run tools/quickstart.sh first" >&2; exit 2; }
out=runs/latency-experiments
table=$out/latency-cpu1.json
mkdir -p "$out"
cat > "$out/latency.json" <<JSON
{"run_dir": "$out/table-run", "space": "$space",
 "latency": {"table": "$table", "device": "cpu", "threads": 1, "batch": 1},
 "check": {"archs": 8}}
JSON
build/apps/autospace-latency "$out/latency.json" | tee "$out/latency.log"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(0.45 0.55)
for method in proxyless-g proxyless-rl spos random; do
  for target in "${targets[@]}"; do
    run="$out/$method-$target"
    [ -f "$run/search/search-summary.json" ] && continue
    /usr/bin/python3 tools/quickstart_search.py "$method" "$run" "$space" \
        "{\"target_latency_ms\": $target, \"latency\": {\"table\": \"$table\", \"device\": \"cpu\", \"threads\": 1, \"batch\": 1}}" \
        > "$run.json"
    build/apps/autospace run "$run.json" > "$run.log"
  done
done
files=()
for method in proxyless-g proxyless-rl spos random; do
  for target in "${targets[@]}"; do files+=("\"$out/$method-$target/search/arch.json\""); done
done
cat > "$out/found.json" <<JSON
{"run_dir": "$out/found-run", "space": "$space",
 "latency": {"table": "$table", "device": "cpu", "threads": 1, "batch": 1},
 "check": {"archs": 0, "arch_files": [$(IFS=,; echo "${files[*]}")], "calibrate": false}}
JSON
rm -rf "$out/found-run"
build/apps/autospace-latency "$out/found.json" > "$out/found.log"
/usr/bin/python3 - "$out" "${targets[@]}" <<'PY'
import json, sys
out, targets = sys.argv[1], sys.argv[2:]
found = {a["network"]: a["measured_ms"] for a in json.load(open(f"{out}/found-run/latency-check.json"))["archs"]}
c = json.load(open(f"{out}/table-run/latency-check.json"))
print(f"table: {c['entries']} entries on {c['device']}, batch {c['batch']}; calibration scale "
      f"{c['calibration']['scale']:.3f} from {c['calibration']['networks']} networks; sum of parts vs whole: mean |error| "
      f"{100 * c['plain_error']['mean_abs']:.1f}% (max {100 * c['plain_error']['max_abs']:.1f}%), calibrated "
      f"(leave one out) {100 * c['calibrated_error']['mean_abs']:.1f}% (max {100 * c['calibrated_error']['max_abs']:.1f}%)")
print()
print("| searcher | target | band | predicted | measured after the search | measured by autospace-latency | "
      "measured / target | predicted inside | measured inside | MAdds |")
print("|---|---|---|---|---|---|---|---|---|---|")
for method in ("proxyless-g", "proxyless-rl", "spos", "random"):
    for t in targets:
        s = json.load(open(f"{out}/{method}-{t}/search/search-summary.json"))
        lo, hi = s["budget"]["band"]
        l = s["latency"]
        m = found[f"{out}/{method}-{t}/search/arch.json"]
        print(f"| {method} | {float(t):.3f} ms | [{lo:.3f}, {hi:.3f}] | {l['predicted_ms']:.3f} ms | "
              f"{l['measured_ms']:.3f} ms | {m:.3f} ms | {m / float(t):.3f} | {'yes' if s['inside_band'] else 'no'} | "
              f"{'yes' if lo <= m <= hi else 'no'} | {s['madds'] / 1e6:.3f}M |")
PY

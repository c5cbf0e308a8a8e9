#!/usr/bin/env bash
# The ranking check of docs/experiments.md ("Do the proxies rank as training alone does?",
# the paper's Table 6 at full scale) for an experiment of configs/experiments/ whose
# comparison (tools/comparison-experiments.sh) has recorded its phase 1 and, for part 2, the
# spos search that plan.json's "ranking" names:
#
#   1. DEA fitness vs stand-alone accuracy: for each layer of ranking.layers, each of its top
#      cells of the learned space in the network with the reference cell (MBConv e6 k3) at
#      every other searchable layer, trained alone;
#   2. spos supernet accuracy vs stand-alone accuracy: ranking.spos_archs networks of that
#      search's final population, evenly spread over its supernet accuracies, trained alone.
#
# Every network is trained by the experiment's train.json at ranking.epochs with seed 0 and
# evaluated on the carved validation split; the tables give Kendall's tau-b of the proxy
# against the stand-alone top-1. Resumable and recorded as the comparison is
# (tools/experiment_runs.sh); --table prints what is measured so far.
#
#   nice -n 19 tools/ranking-experiments.sh cifar10 [--table]
set -euo pipefail
source "$(dirname "$0")/experiment_runs.sh"

main() {
  open_experiment "$@"
  layers=$(plan ranking.layers); epochs=$(plan ranking.epochs)
  spos_search=$(plan ranking.spos_search); spos_space=$(plan ranking.spos_space); spos_archs=$(plan ranking.spos_archs)
  mkdir -p "$out/ranking"
  [ "$table_only" = 1 ] || run_all
  print_table
}

# The networks to train, one "NAME SPACE_FILE CHOICE_KEY PROXY" line each, written into
# $out/ranking/ (the one-cell spaces of part 1 with them).
list_networks() {
  /usr/bin/python3 - "$rec" "$out/ranking" "$layers" "$spos_search" "$spos_space" "$spos_archs" <<'PY'
import json, os, sys
rec, work, layers, spos_search, spos_space, spos_archs = sys.argv[1:7]
layers, spos_archs = [int(l) for l in layers.split()], int(spos_archs)
space = json.load(open(os.path.join(rec, "evolve", "space.json")))
reference = json.load(open(os.path.join(rec, "evolve", "evolve-summary.json")))["reference"]
for layer in layers:
    if layer >= len(space["layers"]):
        sys.exit(f"plan.json ranking.layers: layer {layer}, but the learned space has {len(space['layers'])}")
    one = dict(space, skip=False)
    one["layers"] = [l if i == layer else {"candidates": [{"genotype": reference}]} for i, l in enumerate(space["layers"])]
    path = os.path.join(work, f"space-layer{layer}.json")
    with open(path, "w") as f:
        json.dump(one, f, indent=2)
    for k, cell in enumerate(space["layers"][layer]["candidates"]):
        key = ".".join(str(k if i == layer else 0) for i in range(len(space["layers"])))
        print(f"dea-layer{layer}-cell{k} {path} {key} {cell['fitness']}")
summary_file = os.path.join(rec, spos_search, "search-summary.json")
if os.path.exists(os.path.join(rec, spos_search, "done")):
    s = json.load(open(summary_file))
    population = sorted(s["population"], key=lambda e: e["accuracy"])
    n = min(spos_archs, len(population))
    picks = [population[round(i * (len(population) - 1) / max(n - 1, 1))] for i in range(n)]
    for k, e in enumerate(picks):
        print(f"spos-arch{k} {spos_space} {e['choice']} {e['accuracy']}")
PY
}

run_all() {
  local name space key proxy networks
  networks=$(list_networks)
  while read -r name space key proxy; do
    [ -f "$out/ranking/$name.arch.json" ] ||
      "$bin"/autospace-inspect "$space" --choice "$key" --arch-out "$out/ranking/$name.arch.json" > /dev/null
    echo "$proxy" > "$out/ranking/$name.proxy"
    train_and_eval "rank-$name" "$out/ranking/$name.arch.json" 0 --set "train.epochs=$epochs"
    cp "$out/ranking/$name.proxy" "$rec/rank-$name/proxy"
  done <<< "$networks"
}

print_table() {
  /usr/bin/python3 - "$rec" "$layers" <<'PY'
import glob, json, os, sys
rec, layers = sys.argv[1], [int(l) for l in sys.argv[2].split()]
def tau_b(x, y):
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0: continue
            if dx == 0: ties_x += 1
            elif dy == 0: ties_y += 1
            elif dx * dy > 0: concordant += 1
            else: discordant += 1
    n = concordant + discordant
    denominator = ((n + ties_x) * (n + ties_y)) ** 0.5
    return (concordant - discordant) / denominator if denominator else float("nan")
def rows(prefix):
    out = []
    for d in sorted(glob.glob(os.path.join(rec, f"rank-{prefix}*"))):
        if not os.path.exists(os.path.join(d, "done")): continue
        e = json.load(open(os.path.join(d, "eval.json")))
        out.append((os.path.basename(d)[5:], float(open(os.path.join(d, "proxy")).read()), 100 * e["top1"], e["madds"]))
    return out
for title, prefix, proxy in [(f"layer {l}: DEA fitness", f"dea-layer{l}-", "fitness") for l in layers] + \
                            [("spos: supernet accuracy", "spos-", "supernet top-1")]:
    r = rows(prefix)
    print(f"{title} vs stand-alone top-1 ({len(r)} networks)")
    print(f"| network | {proxy} | MAdds | stand-alone top-1 % |\n|---|---|---|---|")
    for name, p, top1, madds in r:
        print(f"| {name} | {p:.4f} | {madds / 1e6:.2f}M | {top1:.2f} |")
    if len(r) >= 3:
        print(f"Kendall tau-b: {tau_b([x[1] for x in r], [x[2] for x in r]):+.3f}")
    print()
PY
}

main "$@"; exit

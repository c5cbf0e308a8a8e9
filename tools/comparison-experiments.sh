#!/usr/bin/env bash
# The paper's comparison of spaces at equal budgets (docs/experiments.md, "Does the learned
# space win?"), for one experiment of configs/experiments/: `cifar10` (the full CIFAR-10
# training set, 45,000 / 5,000 carved) or `imagenette` (real ImageNet photos at 128 px).
# Its folder holds the descriptions (evolve, search-*, train), the IRB and open spaces, and
# plan.json: {"budgets": [MAdds...], "seeds": [...], "random_archs": N}.
#
#   phase 1 once (the learned space), then at each budget:
#     proxyless-g in the learned and in the IRB space, spos in the open and in the learned
#     space, and N random architectures per space (search.method random at 0 epochs: one
#     uniform draw inside the band each);
#   every found network trained from scratch with each seed (each random one with the first
#   seed) by the experiment's train.json, then evaluated on its carved validation split.
#
# Runs go in the order a table needs them: a budget's rows complete, every seed, before the
# next budget's (one budget with error bars says more than two without).
# Each run resumes if interrupted; a finished one leaves its small outputs (space, arch,
# summaries, wall time) in bench/results/EXPERIMENT/NAME/, committed, which later
# invocations on any machine take as done. Stop it at any point; the table (printed at the
# end, or alone with --table) shows what is measured so far.
#
#   nice -n 19 tools/comparison-experiments.sh cifar10 [--table]
#
# AUTOSPACE_BIN names the binaries' folder (default build/apps): a copy keeps a run of hours
# independent of rebuilds meanwhile. The whole script is one function, read before it runs,
# so editing this file meanwhile cannot change a running invocation either.
set -euo pipefail
source "$(dirname "$0")/experiment_runs.sh"

main() {
  open_experiment "$@"
  budgets=$(plan budgets); seeds=$(plan seeds); random_archs=$(plan random_archs)
  mkdir -p "$out" "$rec"
  [ "$table_only" = 1 ] || run_all
  print_table
}

searches=("learned proxyless-g" "irb proxyless-g" "open spos" "learned spos")
random_spaces=(learned irb open)

# The space file of a search: the learned one is phase 1's, from its record.
space_of() {
  case "$1" in
    learned) echo "$rec/evolve/space.json" ;;
    *) echo "$cfg/space-$1.json" ;;
  esac
}

mega() { echo "$(( $1 / 1000000 ))M"; }

train_one() {  # SEARCH-RUN SEED
  train_and_eval "train-${1#search-}-seed$2" "$rec/$1/arch.json" "$2"
}

run_all() {
  local b s space method k seed first_seed
  run evolve space.json evolve-summary.json -- "$bin"/autospace-evolve "$cfg/evolve.json" --set "run_dir=$out/evolve"
  for b in $budgets; do
    for s in "${searches[@]}"; do
      read -r space method <<< "$s"
      local name="search-$(mega "$b")-$space-$method"
      run "$name" arch.json search-summary.json -- "$bin"/autospace-search "$cfg/search-$method.json" \
        --set "space=$(space_of "$space")" --set "search.target_madds=$b" --set "run_dir=$out/$name"
    done
    for space in "${random_spaces[@]}"; do
      for ((k = 0; k < random_archs; ++k)); do
        local name="random-$(mega "$b")-$space-$k"
        run "$name" arch.json search-summary.json -- "$bin"/autospace-search "$cfg/search-random.json" \
          --set "space=$(space_of "$space")" --set "search.target_madds=$b" --set "seed=$k" --set "run_dir=$out/$name"
      done
    done
  done
  first_seed=${seeds%% *}
  for b in $budgets; do
    for seed in $seeds; do
      for s in "${searches[@]}"; do
        read -r space method <<< "$s"
        train_one "search-$(mega "$b")-$space-$method" "$seed"
      done
      [ "$seed" = "$first_seed" ] || continue
      for space in "${random_spaces[@]}"; do
        for ((k = 0; k < random_archs; ++k)); do train_one "random-$(mega "$b")-$space-$k" "$seed"; done
      done
    done
  done
}

print_table() {
  /usr/bin/python3 - "$rec" "$random_archs" "$budgets" "$seeds" <<'PY'
import json, os, statistics, sys
rec, random_archs = sys.argv[1], int(sys.argv[2])
budgets, seeds = [int(b) for b in sys.argv[3].split()], [int(s) for s in sys.argv[4].split()]
def done(name):
    return os.path.exists(os.path.join(rec, name, "done"))
def load(name, f):
    return json.load(open(os.path.join(rec, name, f))) if done(name) else None
def wall(name):
    return int(open(os.path.join(rec, name, "wall_seconds")).read())
print(f"phase 1: {'%d s' % wall('evolve') if done('evolve') else 'pending'}")
print()
print("| budget | space | searcher | MAdds | params | search wall | top-1 % per seed | mean ± std | train wall (mean) |")
print("|---|---|---|---|---|---|---|---|---|")
rows = [(space, method, f"search-{{m}}-{space}-{method}", seeds)
        for space, method in (s.split() for s in ("learned proxyless-g", "irb proxyless-g", "open spos", "learned spos"))]
rows += [(space, f"random #{k}", f"random-{{m}}-{space}-{k}", seeds[:1])
         for space in ("learned", "irb", "open") for k in range(random_archs)]
for b in budgets:
    m = f"{b // 1000000}M"
    for space, searcher, pattern, row_seeds in rows:
        name = pattern.format(m=m)
        s = load(name, "search-summary.json")
        if s is None:
            print(f"| {m} | {space} | {searcher} | pending | | | | | |")
            continue
        tops, walls = [], []
        for seed in row_seeds:
            t = f"train-{name[len('search-'):] if name.startswith('search-') else name}-seed{seed}"
            e = load(t, "eval.json")
            if e is not None:
                tops.append(100 * e["top1"])
                # The trainer's own time, summed over every process of the run: the
                # driver's count misses the part of a run killed together with it.
                walls.append(load(t, "summary.json")["wall_seconds"])
        per_seed = " / ".join(f"{x:.2f}" for x in tops) or "pending"
        mean = (f"{statistics.mean(tops):.2f} ± {statistics.stdev(tops):.2f}" if len(tops) > 1
                else (f"{tops[0]:.2f}" if tops else ""))
        train_wall = f"{statistics.mean(walls):.0f} s" if walls else ""
        print(f"| {m} | {space} | {searcher} | {s['madds'] / 1e6:.2f}M | {s['params'] / 1e3:.1f}k | {wall(name)} s | "
              f"{per_seed} | {mean} | {train_wall} |")
PY
}

main "$@"; exit

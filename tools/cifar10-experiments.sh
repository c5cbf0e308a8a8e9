#!/usr/bin/env bash
# The paper's comparison on the full CIFAR-10 training set (docs/experiments.md, "Full
# CIFAR-10"): 45,000 training / 5,000 validation images carved from ../shared/data/cifar10/train
# (data.val.from_train 0.1, seed 0), the CIFAR backbone of configs/experiments/cifar10/.
#
#   phase 1 once (the learned space), then at each budget (MAdds; default 6M and 10M):
#     proxyless-g in the learned and in the IRB space, spos in the open and in the learned
#     space, and 3 random architectures per space (search.method random at 0 epochs: one
#     uniform draw inside the band each);
#   every found network trained from scratch with seeds 0, 1, 2 (each random one with seed 0)
#   by configs/experiments/cifar10/train.json, then evaluated on the 5,000 held-out images.
#
# Runs go in order of what a table needs first (seed 0 of every row before seed 1). Each run
# resumes if interrupted; a finished one leaves its small outputs (space/arch/summaries and
# its wall time) in bench/results/cifar10/NAME/, committed, which later invocations on any
# machine take as done. Stop it at any point; the table (printed at the end, or alone with
# --table) shows what is measured so far.
#
#   nice -n 19 tools/cifar10-experiments.sh [--budgets "6000000 10000000"] [--table]
#
# AUTOSPACE_BIN names the binaries' folder (default build/apps): a copy keeps a run of
# hours independent of rebuilds meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/cifar10
rec=bench/results/cifar10
cfg=configs/experiments/cifar10
bin=${AUTOSPACE_BIN:-build/apps}
budgets="6000000 10000000"
table_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --budgets) budgets="$2"; shift 2 ;;
    --table) table_only=1; shift ;;
    *) echo "usage: $0 [--budgets \"B1 B2 ...\"] [--table]" >&2; exit 2 ;;
  esac
done
mkdir -p "$out" "$rec"

# run NAME FILE... -- COMMAND...: COMMAND unless NAME is recorded; afterwards FILEs of
# runs/cifar10/NAME are copied into its record with the wall time, the record marked done last.
run() {
  local name=$1; shift
  local files=()
  while [ "$1" != "--" ]; do files+=("$1"); shift; done
  shift
  [ -f "$rec/$name/done" ] && return 0
  echo "== $name: $*"
  mkdir -p "$out/$name"
  # The wall time sums every invocation that returned (an interrupted one that checkpointed
  # and exited counts too); one killed with this script is missing, so it is a lower bound.
  local start rc=0; start=$(date +%s)
  "$@" || rc=$?
  echo $(( $(date +%s) - start )) >> "$out/$name/wall_parts"
  [ "$rc" = 0 ] || exit "$rc"
  mkdir -p "$rec/$name"
  for f in "${files[@]}"; do cp "$out/$name/$f" "$rec/$name/$f"; done
  awk '{ s += $1 } END { print s }' "$out/$name/wall_parts" > "$rec/$name/wall_seconds"
  touch "$rec/$name/done"
}

# The space file of a search: the learned one is phase 1's, recorded.
space_of() {
  case "$1" in
    learned) echo "$rec/evolve/space.json" ;;
    *) echo "$cfg/space-$1.json" ;;
  esac
}

searches=("learned proxyless-g" "irb proxyless-g" "open spos" "learned spos")
random_spaces=(learned irb open)

if [ "$table_only" = 0 ]; then
  run evolve space.json evolve-summary.json -- "$bin"/autospace-evolve "$cfg/evolve.json"
  for b in $budgets; do
    m=$((b / 1000000))M
    for s in "${searches[@]}"; do
      read -r space method <<< "$s"
      name="search-$m-$space-$method"
      run "$name" arch.json search-summary.json -- "$bin"/autospace-search "$cfg/search-$method.json" \
        --set "space=$(space_of "$space")" --set "search.target_madds=$b" --set "run_dir=$out/$name"
    done
    for space in "${random_spaces[@]}"; do
      for k in 0 1 2; do
        name="random-$m-$space-$k"
        run "$name" arch.json search-summary.json -- "$bin"/autospace-search "$cfg/search-random.json" \
          --set "space=$(space_of "$space")" --set "search.target_madds=$b" --set "seed=$k" --set "run_dir=$out/$name"
      done
    done
  done
  train_one() {  # SEARCH-NAME SEED
    local name="train-${1#search-}-seed$2"
    local args=("$cfg/train.json" --set "arch=$rec/$1/arch.json" --set "seed=$2" --set "run_dir=$out/$name")
    run "$name" summary.json eval.json -- bash -c '"$0" "$@" && "${0%train}eval" "$@"' "$bin"/autospace-train "${args[@]}"
  }
  for seed in 0 1 2; do
    for b in $budgets; do
      m=$((b / 1000000))M
      for s in "${searches[@]}"; do
        read -r space method <<< "$s"
        train_one "search-$m-$space-$method" "$seed"
      done
      if [ "$seed" = 0 ]; then
        for space in "${random_spaces[@]}"; do
          for k in 0 1 2; do train_one "random-$m-$space-$k" 0; done
        done
      fi
    done
  done
fi

/usr/bin/python3 - "$rec" $budgets <<'PY'
import json, os, statistics, sys
rec, budgets = sys.argv[1], [int(b) for b in sys.argv[2:]]
def load(name, f):
    p = os.path.join(rec, name, f)
    return json.load(open(p)) if os.path.exists(os.path.join(rec, name, "done")) else None
def wall(name):
    p = os.path.join(rec, name, "wall_seconds")
    return int(open(p).read()) if os.path.exists(p) else None
ev = load("evolve", "evolve-summary.json")
print(f"phase 1: {'%d s' % wall('evolve') if ev else 'pending'}")
print()
print("| budget | space | searcher | MAdds | params | search wall | top-1 per seed | mean ± std | train wall (mean) |")
print("|---|---|---|---|---|---|---|---|---|")
rows = [(s.split()[0], s.split()[1], f"search-{{m}}-{s.split()[0]}-{s.split()[1]}", (0, 1, 2))
        for s in ("learned proxyless-g", "irb proxyless-g", "open spos", "learned spos")]
rows += [(space, f"random #{k}", f"random-{{m}}-{space}-{k}", (0,)) for space in ("learned", "irb", "open") for k in (0, 1, 2)]
for b in budgets:
    m = f"{b // 1000000}M"
    for space, searcher, pattern, seeds in rows:
        name = pattern.format(m=m)
        s = load(name, "search-summary.json")
        if s is None:
            print(f"| {m} | {space} | {searcher} | pending | | | | | |")
            continue
        tops, walls = [], []
        for seed in seeds:
            t = f"train-{name[len('search-'):] if name.startswith('search-') else name}-seed{seed}"
            e = load(t, "eval.json")
            if e is not None:
                tops.append(100 * e["top1"])
                walls.append(wall(t))
        per_seed = " / ".join(f"{x:.2f}" for x in tops) or "pending"
        mean = (f"{statistics.mean(tops):.2f} ± {statistics.stdev(tops):.2f}" if len(tops) > 1
                else (f"{tops[0]:.2f}" if tops else ""))
        tw = f"{statistics.mean(walls):.0f} s" if walls else ""
        print(f"| {m} | {space} | {searcher} | {s['madds'] / 1e6:.2f}M | {s['params'] / 1e3:.1f}k | {wall(name)} s | "
              f"{per_seed} | {mean} | {tw} |")
PY

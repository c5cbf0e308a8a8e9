# Sourced by the experiment drivers (tools/comparison-experiments.sh,
# tools/ranking-experiments.sh): their command line, and one rule for running a step
# resumably and recording it.

# open_experiment "$@": reads EXPERIMENT [--table] from the driver's arguments, moves to
# the repository root and sets cfg (configs/experiments/EXPERIMENT), out (runs/EXPERIMENT),
# rec (bench/results/EXPERIMENT), bin (AUTOSPACE_BIN, default build/apps) and table_only.
open_experiment() {
  cd "$(dirname "$0")/.."
  local usage="usage: $0 EXPERIMENT [--table]   (EXPERIMENT: a folder of configs/experiments/ with a plan.json)"
  [ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
  local experiment=$1; shift
  table_only=0
  [ $# -eq 0 ] || { [ "$1" = --table ] && [ $# -eq 1 ] && table_only=1; } || { echo "$usage" >&2; exit 2; }
  cfg=configs/experiments/$experiment
  [ -f "$cfg/plan.json" ] || { echo "$0: $cfg/plan.json: no such file" >&2; exit 2; }
  out=runs/$experiment
  rec=bench/results/$experiment
  bin=${AUTOSPACE_BIN:-build/apps}
}

# run NAME FILE... -- COMMAND...: COMMAND unless NAME is recorded; afterwards the FILEs of
# $out/NAME are copied into its record $rec/NAME with the wall time, marked done last, so a
# later invocation on any machine (the records are committed) takes it as done.
run() {
  local name=$1; shift
  local files=()
  while [ "$1" != "--" ]; do files+=("$1"); shift; done
  shift
  [ -f "$rec/$name/done" ] && return 0
  echo "== $name: $*"
  mkdir -p "$out/$name"
  # The wall time sums every invocation that returned (an interrupted one that checkpointed
  # and exited counts too); one killed with its driver is missing, so it is a lower bound.
  local start rc=0; start=$(date +%s)
  "$@" || rc=$?
  echo $(( $(date +%s) - start )) >> "$out/$name/wall_parts"
  [ "$rc" = 0 ] || exit "$rc"
  mkdir -p "$rec/$name"
  local f
  for f in "${files[@]}"; do cp "$out/$name/$f" "$rec/$name/$f"; done
  awk '{ s += $1 } END { print s }' "$out/$name/wall_parts" > "$rec/$name/wall_seconds"
  touch "$rec/$name/done"
}

# train_and_eval NAME ARCH SEED [--set k=v]...: the experiment's train.json on ARCH from
# scratch, then autospace-eval of its best weights on the validation split.
train_and_eval() {
  local name=$1 arch=$2 seed=$3; shift 3
  local args=("$cfg/train.json" --set "arch=$arch" --set "seed=$seed" --set "run_dir=$out/$name" "$@")
  run "$name" summary.json eval.json -- bash -c '"$0" "$@" && "${0%train}eval" "$@"' "$bin"/autospace-train "${args[@]}"
}

# plan KEY: a value of the experiment's plan.json (lists joined by spaces).
plan() {
  /usr/bin/python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(" ".join(map(str, v)) if isinstance(v, list) else v)' "$cfg/plan.json" "$1"
}

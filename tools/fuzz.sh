#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan, coverage feedback from
# every library) and runs each for SECONDS on a seed corpus from the shared data and the
# repository's configs, two at a time. Prints one line per target: executions, exec/s,
# coverage at half the executions and at the end (a plateau shows as the two being close), and
# findings (crash-*/leak-*/timeout-* files libFuzzer saved). docs/fuzzing.md.
#
# Usage: tools/fuzz.sh [SECONDS=120] [TARGET...]     (tools/install-deps.sh --fuzz first)
#        tools/fuzz.sh --summary [TARGET...]          the table of the last run's logs
# Output: build-fuzz/fuzz-out/<target>/{log.txt,corpus/,findings/}
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
summary_only=false
if [ "${1:-}" = "--summary" ]; then summary_only=true; shift; fi
seconds=120
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(jpeg safetensors genotype arch_json space_json run_description checkpoint_state latency_table)
build="$root/build-fuzz"
mkdir -p "$build"
shared="$root/../shared/data"

if ! $summary_only; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DAUTOSPACE_FUZZ=ON -DAUTOSPACE_SANITIZE=address,undefined -DAUTOSPACE_CUDA=OFF -DAUTOSPACE_MPI=OFF \
    -DAUTOSPACE_BUILD_TESTS=OFF -DAUTOSPACE_BUILD_BENCH=OFF > "$build/configure.log"
  cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"
fi

out="$build/fuzz-out"
seed_corpus() {  # target dir
  local t="$1" dir="$2"
  mkdir -p "$dir"
  case "$t" in
    jpeg)
      if [ -d "$shared" ]; then
        cp "$shared"/bad-images/* "$dir"/
        # (head closes the pipe early: the || true keeps pipefail from ending the script)
        find "$shared/cifar10-small" -type f | sort | head -40 | xargs -r cp -t "$dir" || true
        find "$shared/imagenet-samples" -type f | sort | head -8 | xargs -r cp -t "$dir" || true
      fi ;;
    safetensors | checkpoint_state)
      local file="$dir"
      [ "$t" = checkpoint_state ] && file="$dir/evolution-state.json"
      AUTOSPACE_FUZZ_WRITE_SEED="$file" "$build/tests/fuzz/fuzz_$t" ;;
    genotype)
      local n=0
      for g in "e6:sum:dw3|zero,id|zero,zero,id" "e3:concat:c3|id,dw3|zero,c1,id" "e1:sum:dw5|c3,id|c1,zero,dw7"; do
        printf '%s' "$g" > "$dir/g$((n++))"
      done
      { find "$root/configs" "$root/runs" -name '*.json' 2>/dev/null | xargs -r grep -ho '"e[0-9]:[a-z]*:[^"]*"' |
        sort -u | head -50 | tr -d '"' | while read -r g; do printf '%s' "$g" > "$dir/g$((n++))"; done; } || true ;;
    arch_json) cp "$root"/configs/arch/*.json "$dir"/
      { find "$root/runs" -name arch.json 2>/dev/null | sort | head -5 |
          while read -r f; do cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-8).json"; done; } || true ;;
    space_json) { find "$root/runs" -name space.json 2>/dev/null | sort | head -5 |
          while read -r f; do cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-8).json"; done; } || true ;;
    latency_table)
      printf '%s' '{"format": "autospace.latency/1", "device": {"type": "cpu", "threads": 1, "name": "x"}, "batch": 1,
        "warmup": 5, "runs": 30, "entries": {"stem k3 s1 c8 act relu6 @ 16x16x3": {"median_ms": 0.1, "min_ms": 0.09,
        "max_ms": 0.2}}, "calibration": {"scale": 1.08, "networks": 8}}' > "$dir/minimal.json"
      { find "$root/runs" -name 'latency*.json' -not -name 'latency.json' 2>/dev/null | sort | head -5 |
          while read -r f; do cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-8).json"; done; } || true ;;
    run_description) find "$root/configs" -name '*.json' -not -path '*/arch/*' | while read -r f; do
        cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"; done ;;
  esac
}

run_one() {  # target
  local t="$1" dir="$out/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/findings"
  seed_corpus "$t" "$dir/seeds"
  # Inputs found are kept in corpus/; findings go to findings/. ASan's leak check stays on.
  (cd "$dir/findings" && "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="$dir/findings/" "$dir/corpus" "$dir/seeds" > "$dir/log.txt" 2>&1) || true
}

summary() {  # target
  local t="$1" log="$out/$1/log.txt"
  local runs speed half final findings
  runs=$(grep -Eo 'stat::number_of_executed_units: +[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
  speed=$(grep -Eo 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
  # Coverage at the first status line past half the executions (the rate is steady).
  half=$(awk -v n="${runs:-0}" '/^#[0-9]+/ && / cov: / && !done { if (substr($1, 2) + 0 >= n / 2) {
    for (i = 1; i <= NF; i++) if ($i == "cov:") print $(i + 1); done = 1 } }' "$log")
  final=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2 || true)
  findings=$(find "$out/$t/findings" -type f | wc -l)
  printf '%-18s runs %-10s exec/s %-7s cov(half) %-6s cov(end) %-6s findings %s\n' "$t" "${runs:-?}" "${speed:-?}" \
    "${half:-?}" "${final:-?}" "$findings"
}

if ! $summary_only; then
mkdir -p "$out"
pending=("${targets[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  run_one "${pending[0]}" &
  [ ${#pending[@]} -gt 1 ] && run_one "${pending[1]}" &
  wait
  pending=("${pending[@]:2}")
done
echo "fuzzed ${seconds}s per target; logs under $out"
fi
for t in "${targets[@]}"; do summary "$t"; done

#!/usr/bin/env bash
# fault.sh MPIEXEC DIST_CHECK MODE LIMIT_SECONDS PATTERN [LAUNCHER ARGS...]
# Runs `dist_check MODE` on 2 ranks, where rank 1 stops joining collectives, and passes
# when the job ends within LIMIT_SECONDS and its output matches PATTERN
# (an extended regular expression naming rank 1). The exit status is not checked: the
# fault modes of dist_check never end by themselves, and mpirun --enable-recovery reports
# 0 even when the survivor aborted.
set -u
mpiexec=$1 binary=$2 mode=$3 limit=$4 pattern=$5
shift 5
start=$(date +%s%N)
output=$(timeout $((limit * 4)) "$mpiexec" "$@" -np 2 "$binary" "$mode" 2>&1)
status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$output"
echo "fault.sh: exit status $status after ${elapsed_ms} ms"
if [ $status -eq 124 ]; then echo "fault.sh: FAIL: the job hung"; exit 1; fi
if [ "$elapsed_ms" -gt $((limit * 1000)) ]; then echo "fault.sh: FAIL: took longer than $limit s"; exit 1; fi
if ! grep -Eq "$pattern" <<<"$output"; then
  echo "fault.sh: FAIL: no message names rank 1"; exit 1
fi
echo "fault.sh: ok"

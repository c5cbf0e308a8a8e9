#!/usr/bin/env bash
# resume.sh MPIEXEC AUTOSPACE_TRAIN SOURCE_DIR WORK_DIR
# A 2-rank autospace-train run stopped by SIGTERM (mpirun passes it to both ranks, which
# agree on the step to stop at; rank 0 writes the checkpoint) and started again ends with
# weights bit-identical to an uninterrupted 2-rank run.
set -eu
mpiexec=$1 train=$2 source=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
common=(--set "data.synthetic.dir=$work/data" --set data.synthetic.train_per_class=300
        --set data.synthetic.val_per_class=2 --set data.augment=none --set train.epochs=3 --set train.dropout=0
        --set eval.latency.runs=0 --set device=cpu --set threads=1 --set distributed.sync_bn=true
        --set train.lr=0.01 --set train.batch_size=8)
config=$source/configs/train/quick-synthetic.json
"$mpiexec" -np 2 "$train" "$config" "${common[@]}" --set "run_dir=$work/full" > "$work/full.log"

"$mpiexec" -np 2 "$train" "$config" "${common[@]}" --set "run_dir=$work/resumed" > "$work/stopped.log" 2>&1 &
pid=$!
# The first checkpoint is written at the end of epoch 1: stop somewhere in epochs 2-3
# (a few seconds each, so the signal lands inside the run even on a loaded machine).
for _ in $(seq 3000); do
  [ -e "$work/resumed/checkpoint.safetensors" ] && break
  sleep 0.02
done
kill -TERM $pid
wait $pid || true
cat "$work/stopped.log"
if ! grep -q "stopped at epoch [23]" "$work/stopped.log"; then
  echo "AUTOSPACE_SKIP: the run finished before it could be stopped"
  exit 0
fi
"$mpiexec" -np 2 "$train" "$config" "${common[@]}" --set "run_dir=$work/resumed" | tail -n 3
cmp "$work/resumed/last.safetensors" "$work/full/last.safetensors"
echo "resume.sh: stopped and resumed on 2 ranks = uninterrupted, bit for bit"

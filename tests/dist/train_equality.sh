#!/usr/bin/env bash
# train_equality.sh MPIEXEC AUTOSPACE_TRAIN AUTOSPACE_EVAL DIST_CHECK SOURCE_DIR WORK_DIR
# autospace-train on 2 ranks with batch B per rank and synchronised batch-norm must end
# with the weights (and BN running statistics) of a 1-process run with batch 2B, to fp32
# rounding. A tiny network on a generated data set, 2 epochs of 5 steps, no augmentation
# and no dropout (their masks are drawn per batch position, which sharding changes).
# The learning rate is low on purpose: at the config's 0.1 this tiny-batch run is chaotic,
# and a 1-process run on 2 threads drifts from one on 1 thread (summation order alone)
# by 1e-3 within 10 steps, exactly as the 2-rank run does.
set -eu
mpiexec=$1 train=$2 eval=$3 check=$4 source=$5 work=$6
rm -rf "$work"
mkdir -p "$work"
common=(--set "data.synthetic.dir=$work/data" --set data.synthetic.train_per_class=8
        --set data.synthetic.val_per_class=2 --set data.augment=none --set train.epochs=2 --set train.dropout=0
        --set eval.latency.runs=0 --set device=cpu --set threads=1 --set distributed.sync_bn=true --set train.lr=0.01)
config=$source/configs/train/quick-synthetic.json
"$train" "$config" "${common[@]}" --set "run_dir=$work/one" --set train.batch_size=16
"$mpiexec" -np 2 "$train" "$config" "${common[@]}" --set "run_dir=$work/two" --set train.batch_size=8
# fp32 rounding: per-rank partial sums (convolution and linear gradients over the batch,
# batch-norm moments) round differently from one process's sums; measured 1e-6.
"$check" compare "$work/two/last.safetensors" "$work/one/last.safetensors" 1e-5
# Evaluation is data-parallel too: each rank scores its share of the validation set and
# the counts are summed, so both runs report the same images, top-1 and (to rounding) loss.
"$check" compare-eval "$work/one/metrics.jsonl" "$work/two/metrics.jsonl" 1e-5
# And autospace-eval: 2 ranks (each its share of the validation set, BN recalibration
# synchronised) report what 1 rank does for the same weights.
evaluation=(--set "eval.weights=$work/one/last.safetensors" --set eval.bn_recalibration_batches=2
            --set eval.batch_size=4 --set distributed.sync_bn=false)
"$eval" "$config" "${common[@]}" "${evaluation[@]}" --set "run_dir=$work/one" --set "eval.output=$work/eval-one.json" > /dev/null
"$mpiexec" -np 2 "$eval" "$config" "${common[@]}" "${evaluation[@]}" --set "run_dir=$work/one" \
    --set eval.batch_size=2 --set "eval.output=$work/eval-two.json" > /dev/null
"$check" compare-eval "$work/eval-one.json" "$work/eval-two.json" 1e-5

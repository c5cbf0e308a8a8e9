#!/usr/bin/env python3
"""Spatial filters at the reductions of every network an experiment trained, against top-1.

    tools/reduction_cells.py EXPERIMENT      # cifar10 or imagenette (bench/results/EXPERIMENT/)

For each trained network (bench/results/EXPERIMENT/train-*-seed*/eval.json and the arch.json
it names) it prints:
  thin  the stride-2 layers with no spatial filter (a kxk convolution or depthwise
        convolution with k >= 3) on any live path from n0 to n3 of their cell, which then
        downsample through 1x1 convolutions, identities (2x2 average pools) or nothing else;
        an MBConv block has one when its kernel is >= 3 (docs/nas.md, the cell genotype);
  chain the sum over layers of the most spatial filters on one path through the layer (a
        rough depth of the network's receptive field);
  top-1 on the experiment's carved validation split;
then the Kendall tau-b of thin against top-1 over all of them (ties counted, no p-value:
a handful of networks is an indication only). docs/experiments.md uses it to test the
hypothesis that phase 1's thin reduction cells cost accuracy on Imagenette.
"""
import glob
import json
import os
import sys

SPATIAL = ("dw3", "dw5", "dw7", "c3", "c5", "c7")


def most_filters_on_a_path(block):
    """The most spatial filters on one live n0 -> n3 path; None for a skipped layer."""
    if block["type"] == "zero":
        return None
    if block["type"] == "mbconv":
        return 1 if block["kernel"] >= 3 else 0
    edges = block["edges"]
    best = {0: 0}
    for j in (1, 2, 3):
        reach = [best[i] + (edges[f"{i}-{j}"] in SPATIAL) for i in range(j)
                 if i in best and edges[f"{i}-{j}"] != "zero"]
        if reach:
            best[j] = max(reach)
    return best.get(3)


def kendall_tau_b(x, y):
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    n0 = concordant + discordant
    denominator = ((n0 + ties_x) * (n0 + ties_y)) ** 0.5
    return (concordant - discordant) / denominator if denominator else float("nan")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.join("bench", "results", sys.argv[1])
    rows = []
    for path in sorted(glob.glob(os.path.join(root, "train-*-seed*", "eval.json"))):
        evaluation = json.load(open(path))
        arch = json.load(open(evaluation["arch_file"]))
        depths = [most_filters_on_a_path(layer["block"]) for layer in arch["layers"]]
        thin = sum(1 for layer, d in zip(arch["layers"], depths) if layer["stride"] == 2 and d == 0)
        chain = sum(d for d in depths if d)
        rows.append((os.path.basename(os.path.dirname(path))[len("train-"):], thin, chain, evaluation["top1"]))
    if not rows:
        sys.exit(f"no trained networks under {root}")
    print(f"{'network':<36} {'thin':>4} {'chain':>5} {'top-1 %':>8}")
    for name, thin, chain, top1 in sorted(rows, key=lambda r: -r[3]):
        print(f"{name:<36} {thin:>4} {chain:>5} {100 * top1:>8.2f}")
    tau = kendall_tau_b([r[1] for r in rows], [r[3] for r in rows])
    print(f"Kendall tau-b, thin against top-1, {len(rows)} networks: {tau:.2f}")


if __name__ == "__main__":
    main()

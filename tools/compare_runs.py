#!/usr/bin/env python3
"""Compares two run directories of the same description, number by number.

    tools/compare_runs.py A B [--tolerance T]

Reads arch.json, every *summary.json and metrics.jsonl in both (the files present in A);
numbers under keys that name a time or a rate (seconds, per_second, wall, time) and
absolute paths are skipped, since they differ between any two runs. Every other number
must agree within T (relative, default 0: exactly), every other value exactly. Prints
"same: N values" and exits 0, or the first differences and exits 1. tools/gpu-check.sh uses
it to check that a world of one on NCCL ends where a plain run does.
"""
import argparse
import json
import math
import os
import sys

TIMING = ("seconds", "per_second", "wall", "time")


def load(path):
    if path.endswith(".jsonl"):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    with open(path) as f:
        return json.load(f)


def compare(a, b, where, tolerance, out):
    """Appends (where, a, b) for each difference; returns the number of values compared."""
    if isinstance(a, dict) and isinstance(b, dict):
        n = 0
        for key in sorted(set(a) | set(b)):
            if any(t in key for t in TIMING):
                continue
            if key not in a or key not in b:
                out.append((f"{where}.{key}", a.get(key, "<missing>"), b.get(key, "<missing>")))
                continue
            n += compare(a[key], b[key], f"{where}.{key}", tolerance, out)
        return n
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append((f"{where} (length)", len(a), len(b)))
            return 1
        return sum(compare(x, y, f"{where}[{i}]", tolerance, out) for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        same = a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tolerance * max(abs(a), abs(b)))
        if not same:
            out.append((where, a, b))
        return 1
    if isinstance(a, str) and isinstance(b, str) and os.path.isabs(a) and os.path.isabs(b):
        return 0  # run directories differ by design
    if a != b:
        out.append((where, a, b))
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--tolerance", type=float, default=0.0)
    args = parser.parse_args()
    for d in (args.a, args.b):
        if not os.path.isdir(d):
            sys.exit(f"compare_runs: {d}: no such run directory")
    names = sorted(n for n in os.listdir(args.a)
                   if n in ("arch.json", "metrics.jsonl") or n.endswith("summary.json"))
    if not names:
        sys.exit(f"compare_runs: {args.a} holds no arch.json, *summary.json or metrics.jsonl")
    differences, compared = [], 0
    for name in names:
        other = os.path.join(args.b, name)
        if not os.path.exists(other):
            differences.append((name, "present", "missing"))
            continue
        compared += compare(load(os.path.join(args.a, name)), load(other), name, args.tolerance, differences)
    if differences:
        print(f"different: {len(differences)} of {compared} values (tolerance {args.tolerance:g}); first ones:")
        for where, x, y in differences[:20]:
            print(f"  {where}: {x!r} vs {y!r}")
        sys.exit(1)
    print(f"same: {compared} values in {', '.join(names)} (tolerance {args.tolerance:g})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs bench_conv2d and the same convolutions in PyTorch (channels_last, same threads)
in one command and prints both times and the ratio.

Both sides time the kernels only: forward, backward data and backward weights of one
convolution (PyTorch: aten.convolution + aten.convolution_backward, no autograd tape).
The shapes come from the benchmark's names, so they are defined once, in the C++ file.
Each side reports its best of several runs: the machine may be shared. Rows with bf16:1
run on bf16 activations on both sides (PyTorch: bf16 tensors; AutoSpace: f32 weights rounded
by the kernel, f32 weight gradients).

usage: bench/conv2d_vs_pytorch.py [path/to/bench_conv2d] [--threads 2] [--min-time 0.5] [--repeats 3]
"""
import argparse
import json
import re
import subprocess
import time

import torch

BATCH = 64


def list_ours(binary):
    out = subprocess.run([binary, "--benchmark_list_tests"], check=True, capture_output=True, text=True).stdout
    return out.split()


def run_ours(binary, name, min_time, repeats):
    """Best of `repeats` timing runs of one benchmark, in ms."""
    out = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_filter=^{re.escape(name)}$",
                          f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={repeats}"],
                         check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    unit = {"ms": 1.0, "us": 1e-3, "ns": 1e-6}
    return min(b["real_time"] * unit[b["time_unit"]] for b in runs)


def run_torch(a, min_time, repeats):
    """Best of `repeats` timing windows of min_time seconds, in ms."""
    h, cin, cout, k, s, g = a["H"], a["Cin"], a["Cout"], a["k"], a["s"], a["g"]
    p = k // 2
    cl = torch.channels_last
    dtype = torch.bfloat16 if a.get("bf16") else torch.float32
    x = torch.full((BATCH, cin, h, h), 0.5, dtype=dtype).contiguous(memory_format=cl)
    w = torch.full((cout, cin // g, k, k), 0.1, dtype=dtype).contiguous(memory_format=cl)
    conv = (x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], g)
    dy = torch.full_like(torch.ops.aten.convolution(*conv), 0.01).contiguous(memory_format=cl)

    def step():
        torch.ops.aten.convolution(*conv)
        torch.ops.aten.convolution_backward(dy, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], g,
                                            [True, True, False])

    for _ in range(3):
        step()
    best = float("inf")
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < min_time:
            step()
            n += 1
        best = min(best, (time.perf_counter() - start) / n * 1e3)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default="build/bench/bench_conv2d")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=3)
    opt = ap.parse_args()
    torch.set_num_threads(opt.threads)

    print(f"conv2d forward+backward, batch {BATCH}, {opt.threads} threads, torch {torch.__version__}, "
          f"best of {opt.repeats}")
    print(f"{'shape (HxHxCin->Cout k s g)':32} {'ours ms':>9} {'torch ms':>9} {'GFLOP/s':>8} {'torch/ours':>10}")
    totals = {}  # per dtype: [ours, torch]
    # Interleaved shape by shape, so that load from other processes hits both sides alike.
    for name in list_ours(opt.binary):
        a = dict((k, int(v)) for k, v in re.findall(r"(\w+):(\d+)", name))
        ms = run_ours(opt.binary, name, opt.min_time, opt.repeats)
        torch_ms = run_torch(a, opt.min_time, opt.repeats)
        dtype = "bf16" if a.get("bf16") else "f32"
        total = totals.setdefault(dtype, [0.0, 0.0])
        total[0] += ms
        total[1] += torch_ms
        ho = (a["H"] + 2 * (a["k"] // 2) - a["k"]) // a["s"] + 1
        flops = 3 * 2 * BATCH * ho * ho * a["Cout"] * a["k"] ** 2 * a["Cin"] // a["g"]
        shape = f"{a['H']}x{a['H']}x{a['Cin']}->{a['Cout']} k{a['k']} s{a['s']} g{a['g']} {dtype}"
        print(f"{shape:32} {ms:9.2f} {torch_ms:9.2f} {flops / ms * 1e-6:8.1f} {torch_ms / ms:10.2f}", flush=True)
    for dtype, (ours, theirs) in totals.items():
        print(f"{'total ' + dtype:32} {ours:9.2f} {theirs:9.2f} {'':8} {theirs / ours:10.2f}")


if __name__ == "__main__":
    main()

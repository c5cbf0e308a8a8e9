#!/usr/bin/env python3
"""Side-by-side: the DEA weight step, the network it samples in AutoSpace, and the same
network in PyTorch.

Runs build/bench/bench_dea_step (Google Benchmark): BM_DeaWeightStep (one DEA weight step
of the gated supernet: two candidates per layer, binary gates, bank slicing) and
BM_SampledNetworkStep (one training step of the standalone network made of the active
candidates), with AUTOSPACE_SAMPLED_ARCH pointing at a temporary file so the bench writes
that network's arch.json there. Then trains the same arch.json in PyTorch through
tools/arch_torch.py with the bench's step: batch 64 of 32x32 random images, labels i % 10,
SGD Nesterov momentum 0.9, lr 0.05, weight decay 4e-5 on weights of two or more
dimensions only, no label smoothing, channels_last, the same thread count. Prints the
three step times (median over --repeats) and two ratios: DEA / sampled network (the
supernet's overhead) and AutoSpace / PyTorch on the sampled network.

    /usr/bin/python3 bench/dea_step_vs_pytorch.py [--threads 2] [--min-time 5] [--repeats 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch_recipe

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 64


def engine_step_ms(binary, threads, min_time, repeats, arch_file):
    """Median real time per iteration (ms) of BM_DeaWeightStep and BM_SampledNetworkStep
    at `threads`; the bench writes the sampled arch.json to `arch_file`."""
    env = dict(os.environ, AUTOSPACE_SAMPLED_ARCH=arch_file)
    cmd = [binary, f"--benchmark_filter=^BM_(DeaWeightStep|SampledNetworkStep)/{threads}/0/",
           "--benchmark_format=json", f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={repeats}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    times = {}
    for run in json.loads(out)["benchmarks"]:
        if run.get("run_type", "iteration") != "iteration":
            continue  # the bench's own mean/median/stddev rows; the median is taken here
        if run["time_unit"] != "ms":
            sys.exit(f"{binary}: {run['name']} reports {run['time_unit']}, expected ms")
        times.setdefault(run["name"].split("/")[0], []).append(run["real_time"])
    for name in ("BM_DeaWeightStep", "BM_SampledNetworkStep"):
        if name not in times:
            sys.exit(f"{binary}: no {name} run with {threads} threads (the bench registers its thread counts)")
    return statistics.median(times["BM_DeaWeightStep"]), statistics.median(times["BM_SampledNetworkStep"])


def pytorch_step_ms(arch, threads, min_time, repeats):
    """Median over `repeats` of the mean time (ms) of the bench's training step in PyTorch,
    each repeat at least `min_time` seconds."""
    import torch
    import torch.nn.functional as F

    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    import arch_torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = arch_torch.build(arch).to(memory_format=torch.channels_last).train()
    opt = torch_recipe.sgd(net)
    res = arch["resolution"]
    x = torch.randn(BATCH, arch.get("input_channels", 3), res, res).to(memory_format=torch.channels_last)
    y = torch.arange(BATCH) % arch["classes"]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):  # first use of each shape, as the engine bench warms up
        step()
    per_repeat = []
    for _ in range(repeats):
        iters, start = 0, time.perf_counter()
        while iters == 0 or time.perf_counter() - start < min_time:
            step()
            iters += 1
        per_repeat.append((time.perf_counter() - start) * 1e3 / iters)
    return statistics.median(per_repeat), torch.__version__, arch_torch.parameter_count(net)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2,
                    help="threads for both sides; the bench registers 2 only (default 2)")
    ap.add_argument("--min-time", "--seconds", dest="min_time", type=float, default=5.0,
                    help="seconds each measurement runs at least, per repeat (default 5)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats; the median is reported (default 3)")
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "build", "bench", "bench_dea_step"),
                    help="the bench_dea_step binary (default build/bench/bench_dea_step)")
    ap.add_argument("--keep-arch", metavar="FILE", help="also keep the sampled arch.json at FILE")
    a = ap.parse_args()
    if a.repeats < 1 or a.min_time <= 0 or a.threads < 1:
        ap.error("--repeats and --threads must be >= 1 and --min-time > 0")

    with tempfile.TemporaryDirectory() as tmp:
        arch_file = a.keep_arch or os.path.join(tmp, "sampled_arch.json")
        dea_ms, single_ms = engine_step_ms(a.binary, a.threads, a.min_time, a.repeats, arch_file)
        with open(arch_file) as f:
            arch = json.load(f)
    torch_ms, torch_version, params = pytorch_step_ms(arch, a.threads, a.min_time, a.repeats)

    madds = f", {arch['madds'] / 1e6:.1f}M MAdds" if "madds" in arch else ""
    print(f"DEA weight step vs its sampled network ({len(arch['layers'])} layers, {params:,} params{madds}), "
          f"batch {BATCH}, {arch['resolution']}x{arch['resolution']}, {a.threads} threads, "
          f"median of {a.repeats} x >= {a.min_time:g} s")
    print(f"  AutoSpace DEA weight step        {dea_ms:9.2f} ms")
    print(f"  AutoSpace sampled network step   {single_ms:9.2f} ms")
    print(f"  PyTorch {torch_version:<10} sampled step {torch_ms:9.2f} ms")
    print(f"  DEA / sampled network (supernet overhead)      = {dea_ms / single_ms:.2f}")
    print(f"  AutoSpace / PyTorch on the sampled network (ms) = {single_ms / torch_ms:.2f}")


if __name__ == "__main__":
    main()

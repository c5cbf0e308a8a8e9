#!/usr/bin/env python3
"""Side-by-side: the MobileNetV2 32x32 training step in AutoSpace and in PyTorch.

Runs build/bench/bench_train_step (Google Benchmark) and the same step in PyTorch
(torchvision's mobilenet_v2, stem stride 1, 10 classes, channels_last, SGD Nesterov
momentum 0.9, label smoothing 0.1) with the same batch and thread count, in this one
command, and prints both throughputs and the ratio.

With --eval it compares the evaluation forward instead (eval mode, no gradients):
AutoSpace with BN folded into the convolutions and unfolded, PyTorch eager and PyTorch
frozen TorchScript (torch.jit.freeze, which folds conv + BN too). With --bf16 it also
times AutoSpace's step on bf16 activations and PyTorch's under CPU bf16 autocast.

    /usr/bin/python3 bench/train_step_vs_pytorch.py [--batch 64] [--threads 2] [--eval | --bf16]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch_recipe


def timed(step, batch, seconds):
    for _ in range(3):
        step()
    iters, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        iters += 1
    return iters * batch / (time.perf_counter() - start)


def pytorch_mobilenet_v2(threads):
    import torch
    import torchvision

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = torchvision.models.mobilenet_v2(num_classes=10)
    net.features[0][0].stride = (1, 1)
    return net.to(memory_format=torch.channels_last)


def pytorch_images_per_second(batch, threads, seconds, bf16=False):
    """The step's throughput; with bf16, under CPU bf16 autocast."""
    import torch

    net = pytorch_mobilenet_v2(threads).train()
    opt = torch_recipe.sgd(net)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.randn(batch, 3, 32, 32).to(memory_format=torch.channels_last)
    y = torch.arange(batch) % 10

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return timed(step, batch, seconds)


def pytorch_bf16_status(batch, threads, seconds):
    """The step under CPU bf16 autocast, in images/s, or why it does not run."""
    try:
        return f"{pytorch_images_per_second(batch, threads, seconds, bf16=True):.1f} images/s"
    except RuntimeError as e:
        return f"does not run ({str(e).splitlines()[0]})"


def pytorch_eval_images_per_second(batch, threads, seconds, frozen):
    import torch

    net = pytorch_mobilenet_v2(threads)
    x = torch.randn(batch, 3, 32, 32).to(memory_format=torch.channels_last)
    with torch.no_grad():
        net.train()(x)  # running statistics off their initial 0 / 1
        net.eval()
        if frozen:
            net = torch.jit.freeze(torch.jit.script(net))
        return timed(lambda: net(x), batch, seconds)


def autospace_images_per_second(binary, name, batch, threads, seconds):
    out = subprocess.run([binary, f"--benchmark_filter={name}", "--benchmark_format=json",
                          f"--benchmark_min_time={seconds}"],
                         check=True, capture_output=True, text=True).stdout
    runs = json.loads(out)["benchmarks"]
    if not runs:
        sys.exit(f"{binary}: no benchmark matched {name} (batch {batch}, threads {threads})")
    return runs[0]["items_per_second"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "bench", "bench_train_step"))
    ap.add_argument("--eval", action="store_true", help="compare the evaluation forward instead")
    ap.add_argument("--bf16", action="store_true", help="also time the step on bf16 activations")
    a = ap.parse_args()
    import torch
    if a.eval:
        rows = []
        for fold in (1, 0):
            name = f"BM_MobileNetV2EvalForward/batch:{a.batch}/threads:{a.threads}/fold:{fold}/"
            rows.append((f"AutoSpace, BN {'folded' if fold else 'unfolded'}",
                         autospace_images_per_second(a.binary, name, a.batch, a.threads, a.seconds)))
        rows.append((f"PyTorch {torch.__version__} eager",
                     pytorch_eval_images_per_second(a.batch, a.threads, a.seconds, False)))
        rows.append((f"PyTorch {torch.__version__} frozen",
                     pytorch_eval_images_per_second(a.batch, a.threads, a.seconds, True)))
        print(f"MobileNetV2 32x32 evaluation forward, batch {a.batch}, {a.threads} threads")
        for label, ips in rows:
            print(f"  {label:<26} {ips:8.1f} images/s")
        print(f"  ratio AutoSpace folded/PyTorch eager = {rows[0][1] / rows[2][1]:.2f}, "
              f"/PyTorch frozen = {rows[0][1] / rows[3][1]:.2f}, folded/unfolded = {rows[0][1] / rows[1][1]:.2f}")
        return
    def step_name(bf16):
        return f"BM_MobileNetV2TrainStep/batch:{a.batch}/threads:{a.threads}/bf16:{bf16}/"

    ours = autospace_images_per_second(a.binary, step_name(0), a.batch, a.threads, a.seconds)
    theirs = pytorch_images_per_second(a.batch, a.threads, a.seconds)
    print(f"MobileNetV2 32x32 training step, batch {a.batch}, {a.threads} threads")
    print(f"  AutoSpace          {ours:8.1f} images/s")
    print(f"  PyTorch {torch.__version__:<10} {theirs:8.1f} images/s")
    print(f"  ratio AutoSpace/PyTorch = {ours / theirs:.2f}")
    if a.bf16:
        ours_bf16 = autospace_images_per_second(a.binary, step_name(1), a.batch, a.threads, a.seconds)
        print(f"  AutoSpace bf16     {ours_bf16:8.1f} images/s (bf16/f32 = {ours_bf16 / ours:.2f})")
        print(f"  PyTorch bf16 autocast: {pytorch_bf16_status(a.batch, a.threads, a.seconds)}")


if __name__ == "__main__":
    main()

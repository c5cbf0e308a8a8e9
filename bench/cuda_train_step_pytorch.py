#!/usr/bin/env python3
"""PyTorch's MobileNetV2 training step on the GPU: the reference for AutoSpace's own step
(bench_cuda_kernels, benchmarks train_step/mobilenet_v2/...).

The same configurations as AutoSpace's: torchvision's mobilenet_v2 (width 1.0),
channels_last, SGD with Nesterov momentum 0.9 and weight decay 4e-5 on weights only,
cross-entropy with label smoothing 0.1, dropout 0.2; 224x224 inputs with 1000 classes
and 32x32 inputs (stem stride 1) with 10 classes. Each configuration runs in fp32 (TF32
off, as AutoSpace's default), in tf32 (TF32 on for matmuls and cuDNN) and in bf16 autocast.
Inputs are random; time is wall-clock over whole steps, each ending in loss.item(), as
AutoSpace's loop does.

    python3 bench/cuda_train_step_pytorch.py [--seconds 3] [--json out.json] [--arch sampled.json]

With --arch, also the training step of that arch.json network (tools/arch_torch.py; the
network bench_cuda_kernels' supernet_step/sampled trains, written by its
AUTOSPACE_SAMPLED_ARCH) at batch 64 in fp32, SGD as above, no label smoothing, as the
engine's step.

Prints one line per run and, with --json, writes the results as a list of objects.
"""
import argparse
import json
import os
import sys
import time

import torch_recipe

HERE = os.path.dirname(os.path.abspath(__file__))


def time_training(net, x, y, loss_fn, seconds, bf16=False):
    """(ms per step, images per second) of training `net` on (x, y) with the bench recipe,
    after a warm-up of cuDNN autotuning and the allocator; each step ends in loss.item()."""
    import torch

    opt = torch_recipe.sgd(net)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(5):
        step()
    torch.cuda.synchronize()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    elapsed = time.perf_counter() - start
    return 1e3 * elapsed / steps, steps * x.shape[0] / elapsed


def set_precision(precision):
    import torch

    torch.backends.cudnn.benchmark = True
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32


def run(resolution, batch, precision, seconds):
    import torch
    import torchvision

    set_precision(precision)
    classes = 1000 if resolution >= 224 else 10
    torch.manual_seed(0)
    net = torchvision.models.mobilenet_v2(num_classes=classes, dropout=0.2)
    if resolution < 224:
        net.features[0][0].stride = (1, 1)
    net = net.cuda().to(memory_format=torch.channels_last).train()
    x = torch.randn(batch, 3, resolution, resolution, device="cuda").to(memory_format=torch.channels_last)
    y = torch.randint(0, classes, (batch,), device="cuda")
    ms, ips = time_training(net, x, y, torch.nn.CrossEntropyLoss(label_smoothing=0.1), seconds, precision == "bf16")
    return {"framework": f"pytorch {torch.__version__}", "device": torch.cuda.get_device_name(),
            "resolution": resolution, "batch": batch, "precision": precision,
            "ms_per_step": ms, "images_per_second": ips}


def run_arch(path, seconds, batch=64):
    import torch

    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    import arch_torch

    set_precision("fp32")
    with open(path) as f:
        arch = json.load(f)
    torch.manual_seed(0)
    net = arch_torch.build(arch).cuda().to(memory_format=torch.channels_last).train()
    res = arch["resolution"]
    x = torch.randn(batch, 3, res, res, device="cuda").to(memory_format=torch.channels_last)
    y = torch.arange(batch, device="cuda") * 7 % arch["classes"]
    ms, ips = time_training(net, x, y, torch.nn.CrossEntropyLoss(), seconds)
    return {"framework": f"pytorch {torch.__version__}", "device": torch.cuda.get_device_name(), "model": "sampled",
            "resolution": res, "batch": batch, "precision": "fp32", "ms_per_step": ms, "images_per_second": ips}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="timed seconds per configuration")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--arch", help="also time this arch.json network (the DEA step's sampled network)")
    a = ap.parse_args()
    results = []
    if a.arch:  # first: the supernet comparison needs it, and a time limit cuts the end
        r = run_arch(a.arch, a.seconds)
        results.append(r)
        print(f"pytorch sampled network {r['resolution']}x{r['resolution']} batch {r['batch']} fp32: "
              f"{r['ms_per_step']:8.2f} ms/step {r['images_per_second']:9.1f} images/s", flush=True)
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1)
    for resolution, batch in ((224, 64), (32, 128)):
        for precision in ("fp32", "tf32", "bf16"):
            r = run(resolution, batch, precision, a.seconds)
            results.append(r)
            print(f"pytorch mobilenet_v2 {resolution}x{resolution} batch {batch} {precision:>4}: "
                  f"{r['ms_per_step']:8.2f} ms/step {r['images_per_second']:9.1f} images/s", flush=True)
            if a.json:  # after every configuration: a time limit keeps what was measured
                with open(a.json, "w") as f:
                    json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

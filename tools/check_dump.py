#!/usr/bin/env python3
"""Checks an `autospace-eval --dump DIR` training step against PyTorch.

Rebuilds the dumped network with tools/arch_torch.py, loads DIR/weights.safetensors, runs
the documented step on DIR/input.safetensors (docs/formats.md, "Training-step dump": BN in
training mode, dropout and drop-path off, mean softmax cross-entropy with the label
smoothing of DIR/dump.json) in float64 and in float32, and compares the engine's logits,
loss and every parameter gradient with the float64 result.

Error measure, per tensor: relative L2 error |engine - ref| / |ref| with ref the float64
PyTorch value. PyTorch's own float32 run is measured the same way and printed next to it:
it is the size of error float32 rounding alone causes in this network, the yardstick for
the engine's.

Default tolerances, and why:
  --rtol-out 1e-4 (logits, loss): float32 rounds each operation to ~6e-8 relative; through
    a few dozen layers of dot products of length <= a few thousand the forward error stays
    around 1e-6, so 1e-4 leaves two orders of magnitude while catching any real mistake
    (a wrong padding, eps or activation moves the logits by 1e-3 or more).
  --rtol-grad 1e-3 (gradients): training-mode BN backward subtracts per-channel means of
    products, so the gradients lose more digits than the forward (small batches and
    1x1 maps make it worse); float32 runs of the same step typically differ from float64
    by 1e-6..1e-4 relative, and a wrong gradient formula is off by far more than 1e-3.
A `.bn.bias` gradient is measured relative to max(|its own|, |its `.bn.weight` sibling's|):
both sum the same upstream gradient over the channel's elements. The bias of a BN without
activation (a cell's output or mix BN) whose output reaches the loss only through 1x1
convs into training-mode BN (and residual adds) has an exactly zero gradient, since those
BNs remove any per-channel shift; float32 returns rounding noise for it (|g| ~ 1e-9, the
float64 value ~ 1e-17), which a purely relative measure would flag as a 1e8 error.

Kinks: ReLU, ReLU6 and hard-swish have derivative jumps (at 0; 0 and 6; -3 and 3). An
activation input within float32 rounding (~1e-6) of one can land on the other side in a
float32 run, which moves the gradients upstream of it by 1e-3..1e-2 relative without any
bug (measured: one dump of the DEA's sampled network, 3 such flips in PyTorch float32,
6.6e-3). The check counts the float64 activation inputs within 1e-6 of a kink and, on a
gradient failure, says whether PyTorch's own float32 run fails there too; if so, dump
another batch (`--set eval.dump_batch_size=...`) before suspecting the engine.

Exit status: 0 all within tolerance, 1 a mismatch (the tensors are named), 2 usage error.

    /usr/bin/python3 tools/check_dump.py DIR [--rtol-out 1e-4] [--rtol-grad 1e-3] [--threads 2]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arch_torch  # noqa: E402  (found next to this file)


KINKS = {torch.nn.ReLU: (0.0,), torch.nn.ReLU6: (0.0, 6.0), torch.nn.Hardswish: (-3.0, 3.0)}


def pytorch_step(arch, weights, images, labels, smoothing, dtype, near_kinks=None):
    """One documented training step in `dtype`: returns (logits, loss, grads by engine
    name in engine layout), all float64 numpy. With `near_kinks` a list, appends to it
    the number of activation inputs within 1e-6 of a kink, per activation call."""
    net = arch_torch.build(arch).to(dtype)
    arch_torch.load_engine_weights(net, weights)
    arch_torch.train_without_dropout(net)
    if near_kinks is not None:
        for m in net.modules():
            if type(m) in KINKS:
                m.register_forward_hook(lambda m, args, out: near_kinks.append(
                    sum(int(((args[0] - k).abs() < 1e-6).sum()) for k in KINKS[type(m)])))
    x = torch.from_numpy(arch_torch.to_torch_layout(images)).to(dtype)
    logits = net(x)
    loss = F.cross_entropy(logits, torch.from_numpy(labels), label_smoothing=smoothing)
    loss.backward()
    grads = {name: arch_torch.to_engine_layout(p.grad.double().numpy()) for name, p in net.named_parameters()}
    return logits.detach().double().numpy(), loss.detach().double().numpy().reshape(1), grads


def relative_error(value, reference, floor=0.0):
    """|value - reference| / max(|reference|, floor) in L2; 0 when both are zero."""
    diff = np.linalg.norm(np.asarray(value, np.float64) - reference)
    scale = max(np.linalg.norm(reference), floor)
    return 0.0 if diff == 0 else diff / scale if scale > 0 else float("inf")


def gradient_floor(name, reference_grads):
    """The norm a gradient's error is measured against besides its own (see the module
    docstring): a BN bias uses its BN weight's gradient norm."""
    if name.endswith(".bn.bias"):
        sibling = name[:-len("bias")] + "weight"
        if sibling in reference_grads:
            return float(np.linalg.norm(reference_grads[sibling]))
    return 0.0


def parameter_set_problems(net, dumped_grads, dumped_weights):
    """Differences between the module's parameters/state and the dumped ones, as lines."""
    problems = []
    params = {n: tuple(arch_torch.to_engine_layout(p.detach().numpy()).shape) for n, p in net.named_parameters()}
    state = set(net.state_dict())
    for label, mine, theirs in (("gradient", set(params), set(dumped_grads)),
                                ("weights", state, set(dumped_weights))):
        for name in sorted(theirs - mine):
            problems.append(f"{label}: {name} is in the dump but not in the PyTorch network")
        for name in sorted(mine - theirs):
            problems.append(f"{label}: {name} is in the PyTorch network but not in the dump")
    for name in sorted(set(params) & set(dumped_grads)):
        if tuple(dumped_grads[name].shape) != params[name]:
            problems.append(f"gradient: {name} has shape {list(dumped_grads[name].shape)} in the dump, "
                            f"{list(params[name])} in the PyTorch network (engine layout)")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="a directory written by `autospace-eval --dump DIR`")
    ap.add_argument("--rtol-out", type=float, default=1e-4,
                    help="largest relative L2 error of the logits and the loss (default 1e-4)")
    ap.add_argument("--rtol-grad", type=float, default=1e-3,
                    help="largest relative L2 error of any parameter gradient (default 1e-3)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--worst", type=int, default=5, help="gradients listed in the table (default 5)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    path = lambda f: os.path.join(a.dir, f)  # noqa: E731
    needed = ("arch.json", "dump.json", "weights.safetensors", "input.safetensors", "outputs.safetensors",
              "grads.safetensors")
    absent = [f for f in needed if not os.path.isfile(path(f))]
    if absent:
        ap.error(f"{a.dir}: no {', '.join(absent)} (not an `autospace-eval --dump` directory?)")
    with open(path("arch.json")) as f:
        arch = json.load(f)
    with open(path("dump.json")) as f:
        dump = json.load(f)
    weights, _ = arch_torch.read_safetensors(path("weights.safetensors"))
    inputs, _ = arch_torch.read_safetensors(path("input.safetensors"))
    outputs, _ = arch_torch.read_safetensors(path("outputs.safetensors"))
    engine_grads, _ = arch_torch.read_safetensors(path("grads.safetensors"))
    smoothing = float(dump["label_smoothing"])
    images, labels = inputs["input"], inputs["labels"].astype(np.int64)

    try:
        problems = parameter_set_problems(arch_torch.build(arch), engine_grads, weights)
        if problems:
            print(f"{a.dir}: the dumped parameter set differs from the PyTorch network's:")
            for line in problems:
                print("  " + line)
            sys.exit(1)
        near_kinks = []
        ref_logits, ref_loss, ref_grads = pytorch_step(arch, weights, images, labels, smoothing, torch.float64,
                                                       near_kinks)
        f32_logits, f32_loss, f32_grads = pytorch_step(arch, weights, images, labels, smoothing, torch.float32)
    except ValueError as e:  # an arch the mirror rejects, or a weight of the wrong shape
        sys.exit(f"{a.dir}: {e}")

    n, h, w, c = images.shape
    print(f"{a.dir}: {arch.get('name', '?')}, input {n}x{h}x{w}x{c}, label smoothing {smoothing}, "
          f"{len(ref_grads)} parameter tensors; errors relative to PyTorch float64 (L2)")
    print(f"{'tensor':<48} {'shape':<18} {'engine':>9} {'torch f32':>9}")
    rows = [("logits", outputs["logits"], f32_logits, ref_logits, a.rtol_out, 0.0),
            ("loss", outputs["loss"], f32_loss, ref_loss, a.rtol_out, 0.0)]
    for name, reference in ref_grads.items():
        rows.append((name, engine_grads[name], f32_grads[name], reference, a.rtol_grad,
                     gradient_floor(name, ref_grads)))
    measured = []
    for name, engine, f32, reference, tol, floor in rows:
        measured.append((name, list(reference.shape), relative_error(engine, reference, floor),
                         relative_error(f32, reference, floor), tol))
    outputs_rows, grad_rows = measured[:2], measured[2:]
    grad_rows.sort(key=lambda r: r[2] / r[4], reverse=True)
    for name, shape, err, f32_err, _ in outputs_rows + grad_rows[:a.worst]:
        print(f"{name:<48} {str(shape):<18} {err:9.2e} {f32_err:9.2e}")
    zero_biases = [name for name, reference in ref_grads.items()
                   if np.linalg.norm(reference) < 1e-6 * gradient_floor(name, ref_grads)]
    if zero_biases:
        print(f"({len(zero_biases)} BN-bias gradients are zero in exact arithmetic and measured against their "
              f"BN weight's, e.g. {zero_biases[0]})")
    print(f"{sum(near_kinks)} activation inputs within 1e-6 of a kink (float64)")
    worst_grad = grad_rows[0] if grad_rows else None
    if worst_grad:
        print(f"max over {len(grad_rows)} gradients: engine {worst_grad[2]:.2e} ({worst_grad[0]}), "
              f"torch f32 {max(r[3] for r in grad_rows):.2e}")
    failed = [r for r in measured if not r[2] <= r[4]]
    if failed:
        for name, _, err, f32_err, tol in failed:
            also = " (PyTorch float32 exceeds it too: likely a kink crossing, see --help)" if f32_err > tol else ""
            print(f"FAIL {name}: relative error {err:.3e} > {tol:g}{also}")
        sys.exit(1)
    print(f"OK: logits and loss within {a.rtol_out:g}, every gradient within {a.rtol_grad:g}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Re-derives the MAdds and parameter counts pinned in tests/nas/ for configs/arch/*.json.

Convention (docs/nas.md, DESIGN 4.6): MAdds are the multiply-adds of every Conv2d and
Linear at the given input resolution (bias, batch-norm, activations, pooling and the
squeeze-excite product are not counted); params are all learnable parameters, BN affine
included, running statistics excluded. Squeeze-excite FCs are 1x1 convs at 1x1 spatial
size in torchvision, so the Conv2d hook counts them.

Usage: /usr/bin/python3 tools/torchvision_counts.py [--resolution 224] [--classes 1000]
       [--layers]   (also print one line per Conv2d/Linear, to compare layer by layer)
"""
import argparse

import torch
import torchvision


def count(model, resolution, show_layers):
    madds = []

    def conv_hook(module, inputs, output):
        per_output = (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        madds.append((module, output.numel() * per_output))

    def linear_hook(module, inputs, output):
        madds.append((module, output.numel() * module.in_features))

    handles = []
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, torch.nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, resolution, resolution))
    for handle in handles:
        handle.remove()
    if show_layers:
        for module, value in madds:
            print(f"    {value:>12,}  {module}")
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return sum(value for _, value in madds), params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=224)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--layers", action="store_true")
    args = parser.parse_args()
    models = {
        "mobilenet_v2": torchvision.models.mobilenet_v2,
        "mnasnet_b1": torchvision.models.mnasnet1_0,
        "efficientnet_b0": torchvision.models.efficientnet_b0,
    }
    print(f"torchvision {torchvision.__version__}, input {args.resolution}x{args.resolution}, "
          f"{args.classes} classes")
    for name, build in models.items():
        model = build(weights=None, num_classes=args.classes)
        madds, params = count(model, args.resolution, args.layers)
        print(f"{name:16s} MAdds {madds:>13,}  params {params:>11,}")


if __name__ == "__main__":
    main()

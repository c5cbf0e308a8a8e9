#!/usr/bin/env python3
"""PyTorch mirror of the networks an AutoSpace arch.json describes.

Why: to check the engine number for number against PyTorch (tools/check_dump.py reads an
`autospace-eval --dump DIR`) and to time the same network in PyTorch (bench/). The
module is built to be *the same function* as `nas::build_network` (nas/network/), and its
`state_dict()` keys are exactly the engine's parameter and buffer names
(docs/formats.md, "Parameter names"), so engine weight files load by name.

What is mirrored (docs/formats.md, docs/nas.md):
  - stem: kxk conv (padding k/2, stride) + BN + activation;
  - every layer as a cell over a weight bank `layers.<i>.bank`: an MBConv k, e is the cell
    `e<e>:sum:dw<k>|zero,id|zero,zero,id`; input 1x1 conv + BN + act (left out when e = 1),
    the live edges of the canonical genotype (c<k>, dw<k> + BN + act; `id`; the edges
    leaving n0 carry the stride, a strided `id` is a 2x2 average pool padded by H % 2 that
    divides by the in-bounds elements), sum or concat mix (1x1 conv assembled from the
    per-input blocks `mix<j>.from<i>` + BN), squeeze-excite on n3, output 1x1 conv + BN,
    residual add when stride 1 and in == out, drop-path on the residual branch in training;
  - `zero` layers as the identity (no parameters);
  - head: 1x1 conv + BN + act, global average pool, dropout, fully connected classifier.
A standalone network sizes each bank to its cell (Cm_max = Cm), so no slicing is needed.

Layouts: the module is NCHW/OIHW like any PyTorch network (and works in channels_last);
engine files are NHWC/OHWI. `load_engine_weights` and `engine_state` convert 4-D tensors.

Library use:
    import arch_torch
    net = arch_torch.build(json.load(open("arch.json")))
    arch_torch.load_engine_weights(net, "runs/x/best.safetensors")

CLI:
    /usr/bin/python3 tools/arch_torch.py ARCH.json            # summary, parameter count
    /usr/bin/python3 tools/arch_torch.py ARCH.json --init-weights W.safetensors --seed 3
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The six edges (from, to) in the engine's order (nas/genotype.h kEdges): ordered by
# target node, so every source node is complete before an edge reads it.
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
EDGE_KEYS = tuple(f"{i}-{j}" for i, j in EDGES)

ACTIVATIONS = {"relu": nn.ReLU, "relu6": nn.ReLU6, "swish": nn.SiLU, "hswish": nn.Hardswish}


# --------------------------------------------------------------------------- safetensors

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
_DTYPE_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """Reads a safetensors file: returns (tensors, metadata), tensors a dict name -> numpy
    array in file order, metadata the dict of strings under `__metadata__` (may be empty)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (header_len,) = struct.unpack("<Q", data[:8])
    if 8 + header_len > len(data):
        raise ValueError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {info['dtype']}")
        dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name}: {end - begin} bytes for shape {info['shape']} {info['dtype']}")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=base + begin)
        tensors[name] = array.reshape(info["shape"]).astype(dtype.newbyteorder("="))
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes dict name -> numpy array (in dict order) as safetensors, with string metadata."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset, blobs = 0, []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        if array.dtype not in _DTYPE_NAMES:
            raise ValueError(f"tensor {name}: dtype {array.dtype} has no safetensors name here")
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DTYPE_NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keeps the data 8-byte aligned, as the format recommends
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def to_torch_layout(array):
    """Engine layout -> PyTorch layout: 4-D NHWC/OHWI becomes NCHW/OIHW, others unchanged."""
    return array.transpose(0, 3, 1, 2) if array.ndim == 4 else array


def to_engine_layout(array):
    """PyTorch layout -> engine layout: 4-D NCHW/OIHW becomes NHWC/OHWI, others unchanged."""
    return array.transpose(0, 2, 3, 1) if array.ndim == 4 else array


# --------------------------------------------------------------------------- genotypes

def parse_op(token):
    """'zero' | 'id' | 'c<k>' | 'dw<k>' -> (kind, kernel), kind in zero/id/conv/dw."""
    if token in ("zero", "id"):
        return token, 0
    for prefix, kind in (("dw", "dw"), ("c", "conv")):
        if token.startswith(prefix) and token[len(prefix):].isdigit():
            k = int(token[len(prefix):])
            if k % 2 == 1 and 1 <= k <= 9:
                return kind, k
    raise ValueError(f'op "{token}": expected zero, id, c<k> or dw<k> with odd k in 1..9')


def live_edges(ops):
    """Which edges lie on an n0 -> n3 path of non-zero edges (nas::live_edges)."""
    from_input = [True, False, False, False]
    for (i, j), (kind, _) in zip(EDGES, ops):
        if kind != "zero" and from_input[i]:
            from_input[j] = True
    to_output = [False, False, False, True]
    for (i, j), (kind, _) in reversed(list(zip(EDGES, ops))):
        if kind != "zero" and to_output[j]:
            to_output[i] = True
    return [kind != "zero" and from_input[i] and to_output[j] for (i, j), (kind, _) in zip(EDGES, ops)]


def cell_of_block(block):
    """The cell (expansion, mix, [(kind, kernel)] x 6, se_ratio, activation or None) a
    block builds, canonicalised as the engine does: dead edges become zero, and the mix
    becomes sum when no node has two live inputs. An MBConv is its reference cell."""
    if block["type"] == "mbconv":
        ops = [("dw", block["kernel"]), ("zero", 0), ("id", 0), ("zero", 0), ("zero", 0), ("id", 0)]
        expansion, mix = block["expansion"], "sum"
    elif block["type"] == "cell":
        edges = block["edges"]
        if sorted(edges) != sorted(EDGE_KEYS):
            raise ValueError(f"cell edges {sorted(edges)}: expected exactly {list(EDGE_KEYS)}")
        ops = [parse_op(edges[key]) for key in EDGE_KEYS]
        expansion, mix = block["expansion"], block["mix"]
        if mix not in ("sum", "concat"):
            raise ValueError(f'cell mix "{mix}": expected "sum" or "concat"')
    else:
        raise ValueError(f'block type "{block["type"]}" has no cell')
    live = live_edges(ops)
    if not any(alive and j == 3 for alive, (_, j) in zip(live, EDGES)):
        raise ValueError("invalid cell: n3 is not reachable from n0 through non-zero edges")
    ops = [op if alive else ("zero", 0) for op, alive in zip(ops, live)]
    counts = [sum(1 for alive, (_, j) in zip(live, EDGES) if alive and j == node) for node in range(4)]
    if max(counts) < 2:
        mix = "sum"
    return expansion, mix, ops, block.get("se_ratio", 0.0), block.get("activation")


def squeeze_channels(in_channels, se_ratio):
    """max(1, floor(in * r)), with the engine's epsilon so 0.29 * 100 gives 29 (nas/block.cpp)."""
    return max(1, int(math.floor(in_channels * se_ratio + 1e-9)))


# --------------------------------------------------------------------------- modules

class BatchNorm(nn.BatchNorm2d):
    """BatchNorm2d without `num_batches_tracked`: the engine keeps no such buffer, and the
    state must hold exactly the engine's names. Momentum is always given, so the counter
    is never needed."""

    def __init__(self, channels, batch_norm):
        super().__init__(channels, eps=batch_norm["eps"], momentum=batch_norm["momentum"])
        self.register_buffer("num_batches_tracked", None)


class ConvBn(nn.Module):
    """kxk conv (no bias, padding k/2) + BN, children `conv` and `bn` like the engine's
    bank slot `<slot>.conv.weight` / `<slot>.bn.*`."""

    def __init__(self, cin, cout, kernel, stride, groups, batch_norm):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False)
        self.bn = BatchNorm(cout, batch_norm)

    def forward(self, x):
        return self.bn(self.conv(x))


class ConvBnAct(ConvBn):
    """The stem and the head conv (nas/network/conv_bn_act.h)."""

    def __init__(self, cin, cout, kernel, stride, activation, batch_norm):
        super().__init__(cin, cout, kernel, stride, 1, batch_norm)
        self.act = ACTIVATIONS[activation]()

    def forward(self, x):
        return self.act(super().forward(x))


class SqueezeExcite(nn.Module):
    """Global average pool, 1x1 conv with bias -> S, activation, 1x1 conv with bias -> C,
    sigmoid, channel-wise product (slot `se.fc1`, `se.fc2`)."""

    def __init__(self, channels, squeeze, activation):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.act = ACTIVATIONS[activation]()

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.fc2(self.act(self.fc1(s))))


class DropPath(nn.Module):
    """Stochastic depth on a residual branch: in training each sample's branch is zeroed
    with probability p and kept ones scaled by 1 / (1 - p). Eval mode (or p = 0) is the
    identity, which is how a check turns it off (`train_without_dropout`)."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, y):
        if not self.training or self.p == 0:
            return y
        keep = 1.0 - self.p
        mask = torch.empty((y.shape[0], 1, 1, 1), dtype=y.dtype, device=y.device).bernoulli_(keep)
        return y * mask / keep


class Cell(nn.Module):
    """One layer of a standalone network (nas/network/cell.cpp): the canonical cell of its
    block at (in, out, stride), its weights under the child `bank` with the engine's slot
    names."""

    def __init__(self, block, cin, cout, stride, activation, batch_norm, drop_path):
        super().__init__()
        expansion, mix, ops, se_ratio, own_activation = cell_of_block(block)
        if stride not in (1, 2):
            raise ValueError(f"cell stride {stride}: cells support stride 1 or 2")
        act = own_activation or activation
        self.width = width = cin * expansion
        self.expansion = expansion
        self.mix_kind = mix
        self.residual = stride == 1 and cin == cout
        self.act = ACTIVATIONS[act]()
        # (from, to, kind, kernel, stride, bank slot or None), live edges only, engine order.
        self.steps = []
        self.bank = nn.Module()
        if expansion != 1:
            self.bank.input = ConvBn(cin, width, 1, 1, 1, batch_norm)
        self.live_inputs = [0, 0, 0, 0]
        for (i, j), (kind, k) in zip(EDGES, ops):
            if kind == "zero":
                continue
            self.live_inputs[j] += 1
            edge_stride = stride if i == 0 else 1
            slot = None
            if kind in ("conv", "dw"):
                slot = f"{'c' if kind == 'conv' else 'dw'}{k}"
                group = nn.ModuleDict({slot: ConvBn(width, width, k, edge_stride, width if kind == "dw" else 1,
                                                    batch_norm)})
                self.bank.add_module(f"edge{i}{j}", group)
            self.steps.append((i, j, kind, edge_stride, slot))
        # Per-input blocks, not one wide conv: each input keeps its own weights whatever the
        # others' (the engine's bank layout); forward joins them along the input axis.
        self.mix_sources = {}
        if mix == "concat":
            for node in (1, 2, 3):
                if self.live_inputs[node] < 2:
                    continue
                sources = [i for i, j, *_ in self.steps if j == node]
                group = nn.ModuleDict({f"from{i}": nn.Conv2d(width, width, 1, bias=False) for i in sources})
                group.bn = BatchNorm(width, batch_norm)
                self.bank.add_module(f"mix{node}", group)
                self.mix_sources[node] = sources
        if se_ratio > 0:
            self.bank.se = SqueezeExcite(width, squeeze_channels(cin, se_ratio), act)
        self.bank.output = ConvBn(width, cout, 1, 1, 1, batch_norm)
        if self.residual and drop_path > 0:
            self.drop_path = DropPath(drop_path)

    def _edge(self, x, i, j, kind, stride, slot):
        if kind == "id":
            if stride == 1:
                return x
            h, w = x.shape[2], x.shape[3]
            if h % 2 != w % 2:
                raise ValueError(f"strided identity edge on {h}x{w}: height and width need the same parity")
            return F.avg_pool2d(x, 2, 2, padding=h % 2, count_include_pad=False)
        return self.act(getattr(self.bank, f"edge{i}{j}")[slot](x))

    def _mix(self, node, inputs):
        if self.mix_kind == "sum":
            total = inputs[0]
            for extra in inputs[1:]:
                total = total + extra
            return total
        group = getattr(self.bank, f"mix{node}")
        weight = torch.cat([group[f"from{i}"].weight for i in self.mix_sources[node]], dim=1)
        return group.bn(F.conv2d(torch.cat(inputs, dim=1), weight))

    def forward(self, x):
        nodes = [x if self.expansion == 1 else self.act(self.bank.input(x)), None, None, None]
        inputs = [[], [], [], []]
        for i, j, kind, stride, slot in self.steps:
            inputs[j].append(self._edge(nodes[i], i, j, kind, stride, slot))
            if len(inputs[j]) == self.live_inputs[j]:
                nodes[j] = inputs[j][0] if len(inputs[j]) == 1 else self._mix(j, inputs[j])
        y = nodes[3]
        if hasattr(self.bank, "se"):
            y = self.bank.se(y)
        y = self.bank.output(y)
        if not self.residual:
            return y
        if hasattr(self, "drop_path"):
            y = self.drop_path(y)
        return x + y


class Network(nn.Module):
    """stem, layers.<i>, head, global average pool, dropout, classifier (build_network.cpp)."""

    def __init__(self, arch):
        super().__init__()
        act = arch["activation"]
        bn = {"eps": 1e-5, "momentum": 0.1, **arch.get("batch_norm", {})}
        stem = arch["stem"]
        self.stem = ConvBnAct(arch.get("input_channels", 3), stem["channels"], stem["kernel"], stem["stride"], act, bn)
        channels = stem["channels"]
        n = len(arch["layers"])
        depth = arch.get("stochastic_depth", 0.0)
        self.layers = nn.ModuleList()
        for index, layer in enumerate(arch["layers"]):
            where = f"layers[{index}]"
            if layer["in"] != channels:
                raise ValueError(f"{where}: in = {layer['in']}, but {channels} channels come in")
            block = layer["block"]
            if block["type"] == "zero":
                if layer["stride"] != 1 or layer["in"] != layer["out"]:
                    raise ValueError(f"{where}: a zero block needs stride 1 and in == out")
                self.layers.append(nn.Identity())
            else:
                try:
                    self.layers.append(Cell(block, layer["in"], layer["out"], layer["stride"], act, bn,
                                            depth * index / n))
                except ValueError as e:
                    raise ValueError(f"{where}: {e}") from None
            channels = layer["out"]
        self.head = ConvBnAct(channels, arch["head"]["channels"], 1, 1, act, bn)
        self.dropout = nn.Dropout(arch["head"]["dropout"])
        self.classifier = nn.Linear(arch["head"]["channels"], arch["classes"])

    def forward(self, x):
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x)
        x = self.head(x).mean((2, 3))
        return self.classifier(self.dropout(x))


# --------------------------------------------------------------------------- entry points

def initialize(module, seed=0):
    """The engine's initialisation rules (not its values): conv weights Kaiming normal over
    fan-out, classifier N(0, 0.01), biases 0; BN keeps its constructor's weight 1, bias 0,
    mean 0, variance 1."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.weight.shape[0] * m.weight.shape[2] * m.weight.shape[3]
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * math.sqrt(2.0 / fan_out))
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * 0.01)
                m.bias.zero_()


def build(arch, seed=0):
    """The network of an arch.json dict as a torch.nn.Module (NCHW in, logits out), its
    state_dict keys the engine's names; initialised by `initialize(seed)`. Raises
    ValueError naming the layer for what the engine would reject structurally."""
    if arch.get("format") != "autospace.arch/1":
        raise ValueError(f'format {arch.get("format")!r}: expected "autospace.arch/1"')
    net = Network(arch)
    initialize(net, seed)
    return net


def train_without_dropout(module):
    """Training mode (BN normalises with batch statistics) with dropout and drop-path off:
    the step `autospace-eval --dump` records."""
    module.train()
    for m in module.modules():
        if isinstance(m, (nn.Dropout, DropPath)):
            m.eval()
    return module


def engine_state(module):
    """The module's state as the engine stores it: dict name -> float32 numpy array, 4-D
    tensors in OHWI."""
    return {name: np.ascontiguousarray(to_engine_layout(t.detach().cpu().float().numpy()))
            for name, t in module.state_dict().items()}


def load_engine_weights(module, path_or_tensors):
    """Loads an engine weights file (or a dict name -> numpy array in engine layout) into
    the module, converting 4-D OHWI -> OIHW and casting to each tensor's dtype. The names
    must match exactly; raises ValueError listing missing and extra names or a bad shape.
    Returns the file's metadata (empty for a dict)."""
    if isinstance(path_or_tensors, dict):
        tensors, metadata = path_or_tensors, {}
    else:
        tensors, metadata = read_safetensors(path_or_tensors)
    state = module.state_dict(keep_vars=True)
    missing = [n for n in state if n not in tensors]
    extra = [n for n in tensors if n not in state]
    if missing or extra:
        raise ValueError(f"weights do not match the network: missing {missing or 'none'}, extra {extra or 'none'}")
    with torch.no_grad():
        for name, target in state.items():
            value = torch.from_numpy(np.ascontiguousarray(to_torch_layout(tensors[name])))
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"{name}: file shape {list(tensors[name].shape)} -> {list(value.shape)}, "
                                 f"network has {list(target.shape)}")
            target.copy_(value.to(target.dtype))
    return metadata


def parameter_count(module):
    """Learnable parameters (the cost model's `params`: running statistics excluded)."""
    return sum(p.numel() for p in module.parameters())


def _randomise_batch_norm(module, seed):
    # Identity BN (weight 1, bias 0, mean 0, var 1) would hide a mirror that swapped weight
    # and bias or ignored the running statistics; random values exercise every entry.
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.5 + torch.rand(c, generator=generator))
                m.bias.copy_(0.2 * torch.randn(c, generator=generator))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(c, generator=generator))
            elif isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=generator))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", help="an arch.json file")
    ap.add_argument("--init-weights", metavar="OUT",
                    help="write a weights.safetensors of a freshly initialised network, BN parameters, running "
                         "statistics and biases randomised (for `autospace-eval --set eval.weights=OUT --dump`)")
    ap.add_argument("--seed", type=int, default=0, help="initialisation seed for --init-weights (default 0)")
    a = ap.parse_args(argv)
    with open(a.arch) as f:
        arch = json.load(f)
    try:
        net = build(arch, a.seed)
    except ValueError as e:
        sys.exit(f"{a.arch}: {e}")
    params = parameter_count(net)
    print(f"{arch.get('name', a.arch)}: {len(arch['layers'])} layers, {params:,} parameters, "
          f"{len(net.state_dict())} state tensors")
    if "params" in arch and arch["params"] != params:
        sys.exit(f"{a.arch}: params is {arch['params']:,} in the file but the mirror has {params:,}")
    if a.init_weights:
        _randomise_batch_norm(net, a.seed)
        write_safetensors(a.init_weights, engine_state(net),
                          {"format": "autospace.weights/1", "arch_name": arch.get("name", ""), "seed": a.seed})
        print(f"wrote {a.init_weights}")


if __name__ == "__main__":
    main()

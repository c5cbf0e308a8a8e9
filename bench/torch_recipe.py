"""The optimiser every PyTorch side of bench/ trains with, as the engine's own benchmarks
do: SGD, lr 0.05, Nesterov momentum 0.9, weight decay 4e-5 on weights of two or more
dimensions only (BN affine parameters and biases undecayed)."""


def sgd(net):
    import torch

    decay = [p for p in net.parameters() if p.ndim >= 2]
    no_decay = [p for p in net.parameters() if p.ndim < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": 4e-5}, {"params": no_decay, "weight_decay": 0.0}],
                           lr=0.05, momentum=0.9, nesterov=True)

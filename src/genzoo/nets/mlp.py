"""Fully connected encoders and decoders for images ``(N, C, H, W)`` or flat vectors ``(N, D)``."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from ..errors import ConfigError

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "linear": nn.Identity,
}


IN_PLACE = ("relu", "leaky_relu", "elu")  # the activations that can overwrite their input


def activation(name: str, inplace: bool = False) -> nn.Module:
    """The activation module ``name``; ``inplace`` overwrites its input where the activation can (the conv nets
    use it: their feature maps are large, and not allocating a second one makes a training step ~10% faster)."""
    if name not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {name!r}; use one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name](inplace=True) if inplace and name in IN_PLACE else ACTIVATIONS[name]()


NORMS = ("none", "batch")


def mlp(sizes: Sequence[int], hidden_activation: str, final_activation: str = "linear",
        norm: str = "none") -> nn.Sequential:
    """Linear layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``, ``hidden_activation`` between them, each hidden
    layer batch-normalised before its activation with ``norm="batch"``."""
    if norm not in NORMS:
        raise ConfigError(f"unknown norm {norm!r}; use one of {', '.join(NORMS)}")
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        last = i == len(sizes) - 2
        if norm == "batch" and not last:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(activation(final_activation if last else hidden_activation))
    return nn.Sequential(*layers)


def blocks(net: nn.Sequential) -> list[nn.Sequential]:
    """The layers of a net made by :func:`mlp`, one block per ``Linear`` with what follows it (its norm and
    activation), first to last (sharing its modules)."""
    starts = [i for i, layer in enumerate(net) if isinstance(layer, nn.Linear)]
    return [net[a:b] for a, b in zip(starts, [*starts[1:], len(net)])]


class MLPEncoder(nn.Module):
    """``(N, *input_shape)`` -> ``(N, out_dim)``: flatten, then ``hidden`` layers, then a linear layer to ``out_dim``."""

    def __init__(self, input_shape: Sequence[int], hidden: Sequence[int], out_dim: int,
                 activation: str = "relu", out_activation: str = "linear") -> None:
        super().__init__()
        self.out_dim = out_dim
        self.net = mlp([math.prod(input_shape), *hidden, out_dim], activation, out_activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1))


class MLPDecoder(nn.Module):
    """``(N, in_dim)`` -> logits ``(N, *output_shape)``: ``hidden`` layers (usually the encoder's reversed), then linear."""

    def __init__(self, in_dim: int, hidden: Sequence[int], output_shape: Sequence[int], activation: str = "relu",
                 norm: str = "none") -> None:
        super().__init__()
        self.output_shape = tuple(output_shape)
        self.net = mlp([in_dim, *hidden, math.prod(output_shape)], activation, norm=norm)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(-1, *self.output_shape)

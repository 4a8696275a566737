"""In-memory minibatches: images stay a uint8 tensor; whole batches are indexed and made float on the fly."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor


def to_float(x: Tensor) -> Tensor:
    """uint8 images in 0..255 to float32 in [0, 1]; float input is returned as float32."""
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x.float()


class Batches:
    """Iterate over ``data`` ``(N, ...)`` in minibatches of float32 ``(B, ...)`` on ``device``.

    Each pass draws a fresh permutation from ``generator`` (when ``shuffle``). The store is moved to
    ``device`` once, so a step costs one gather, one cast and, with ``binarize``, one Bernoulli draw
    (dynamic binarization: each pixel is 1 with probability equal to its intensity).
    ``rank``/``world_size`` give each distributed process a disjoint shard of every permutation.
    With ``labels`` ``(N,)``, batches are pairs ``(x, y)``.
    """

    def __init__(
        self,
        data: Tensor,
        batch_size: int,
        *,
        shuffle: bool = True,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        binarize: bool = False,
        drop_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
        labels: Tensor | None = None,
    ) -> None:
        self.data = data.to(device)
        self.labels = labels.to(device) if labels is not None else None
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.binarize = binarize
        self.drop_last = drop_last
        self.rank, self.world_size = rank, world_size

    def _shard_size(self) -> int:
        return len(self.data) // self.world_size if self.world_size > 1 else len(self.data)

    def __len__(self) -> int:
        n = self._shard_size()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Tensor | tuple[Tensor, Tensor]]:
        n = len(self.data)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        if self.world_size > 1:
            order = order[self.rank : self._shard_size() * self.world_size : self.world_size]
        order = order.to(self.data.device)
        for i in range(len(self)):
            idx = order[i * self.batch_size : (i + 1) * self.batch_size]
            x = to_float(self.data.index_select(0, idx))  # ~10x faster than self.data[idx] on the CPU
            if self.binarize:
                x = torch.bernoulli(x, generator=self.generator if x.device.type == "cpu" else None)
            yield x if self.labels is None else (x, self.labels.index_select(0, idx))


def validation_split(n: int, fraction: float, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Indices ``(train, validation)`` of a fixed random split of ``n`` items; the same for the same seed."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = int(round(n * fraction))
    return order[n_val:].sort().values, order[:n_val].sort().values


def binarize(images, random_state: int = 0):
    """Static binarization: each pixel is 1 with probability equal to its intensity, drawn once with a fixed seed.

    ``images`` uint8 (0-255) or float in [0, 1], NumPy; returns float32 {0, 1} of the same shape.
    """
    import numpy as np

    p = np.asarray(images, dtype=np.float32)
    if np.asarray(images).dtype == np.uint8:
        p = p / 255.0
    return (np.random.default_rng(random_state).random(p.shape) < p).astype(np.float32)

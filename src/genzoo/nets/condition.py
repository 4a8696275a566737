"""A condition (a one-hot label, or any per-row vector) joined to a net's input."""

from __future__ import annotations

import torch
from torch import Tensor


def join(x: Tensor, c: Tensor | None, spatial: bool) -> Tensor:
    """``x`` with condition ``c`` ``(N, K)`` joined: as K constant channels of images ``(N, C, H, W)`` for a conv net
    (``spatial``), else as K more features of the flattened rows ``(N, D + K)``; ``x`` unchanged without ``c``."""
    if c is None:
        return x
    if spatial:
        return torch.cat([x, c[:, :, None, None].expand(-1, -1, *x.shape[2:]).to(x.dtype)], 1)
    return torch.cat([x.flatten(1), c.to(x.dtype)], 1)

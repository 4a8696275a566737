"""Corruptions for denoising, applied to whole float batches in [0, 1] on their device."""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import ConfigError

NOISES = ("gaussian", "masking", "salt-pepper")


def corrupt(x: Tensor, noise: str, level: float, generator: torch.Generator | None = None) -> Tensor:
    """A corrupted copy of ``x`` ``(B, ...)``.

    - ``gaussian``: add N(0, level²) noise, clip to [0, 1];
    - ``masking``: set a random ``level`` fraction of the values to 0;
    - ``salt-pepper``: set a random ``level`` fraction of the values to 0 or 1 (half each).
    """
    if noise == "gaussian":
        return (x + level * torch.randn(x.shape, generator=generator, device=x.device)).clamp_(0.0, 1.0)
    u = torch.rand(x.shape, generator=generator, device=x.device)
    if noise == "masking":
        return x * (u >= level)
    if noise == "salt-pepper":
        # u < level picks the pixels; u < level/2 among them are pepper (0), the rest salt (1)
        return torch.where(u < level, (u >= level / 2).to(x.dtype), x)
    raise ConfigError(f"unknown noise {noise!r}; use one of {', '.join(NOISES)}")

"""Reconstruction losses in nats (or squared error) per image: summed over pixels, one value per image."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

RECONSTRUCTION_LOSSES = ("bce", "mse")


def reconstruction_loss(logits: Tensor, x: Tensor, kind: str) -> Tensor:
    """Per-image loss ``(B,)`` of decoder output ``logits`` ``(B, ...)`` against targets ``x``.

    ``bce``: binary cross-entropy of sigmoid(logits), i.e. −log p(x|z) under a Bernoulli decoder, in nats;
    ``mse``: the sum of squared errors of the raw output (a linear output: ``x`` may be any real data).
    """
    bce = kind == "bce"
    per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none") if bce else (logits - x).square()
    return per_pixel.flatten(1).sum(1)

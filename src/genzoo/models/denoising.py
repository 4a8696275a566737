"""The denoising autoencoder (seeds 003, 004): corrupt each training batch, reconstruct the clean one."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..data.batches import to_float
from ..data.corrupt import NOISES, corrupt
from ..validation import check_choice, check_float, check_int
from .autoencoder import Autoencoder
from .capabilities import DENOISE
from .presets import init_with


class DenoisingAutoencoder(Autoencoder):
    """An :class:`Autoencoder` trained to map ``corrupt(x)`` to ``x``.

    Args:
        noise: ``gaussian`` (add N(0, noise_level²), clip to [0, 1]), ``masking`` (zero a ``noise_level``
            fraction of the pixels) or ``salt-pepper`` (set a ``noise_level`` fraction to 0 or 1).
        noise_level: σ for Gaussian noise, the fraction of pixels otherwise.
        The other parameters are :class:`Autoencoder`'s. ``reconstruct(noisy)`` denoises.
    """

    capabilities = Autoencoder.capabilities | {DENOISE}

    __init__ = init_with(Autoencoder, noise="gaussian", noise_level=0.2)

    def _check_params(self) -> None:
        super()._check_params()
        check_choice("noise", self.noise, NOISES)
        check_float("noise_level", self.noise_level, 0.0, 1.0 if self.noise != "gaussian" else 10.0)

    def _corrupt(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return corrupt(x, self.noise, self.noise_level, generator)

    def corrupt(self, X: Any, random_state: int = 0) -> np.ndarray:
        """Images ``X`` corrupted as in training: float32 ``(N, *input_shape)`` in [0, 1], a seeded draw."""
        check_int("random_state", random_state, 0)
        x = to_float(self._images(X))
        return self._corrupt(x, torch.Generator().manual_seed(random_state)).numpy()

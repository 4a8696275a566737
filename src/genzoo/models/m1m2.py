"""M1+M2 (Kingma et al. 2014): the semi-supervised M2 trained on the codes of a VAE (M1) trained on every image.

M1's posterior means are far easier to separate than pixels, and M2 on them is cheap (a 50-number row instead of 784
pixels): Kingma et al. report 97.6% on MNIST with 1,000 labels against M2's 96.4%. M1's encoder is copied into the
model, frozen (no gradient, inference mode), so a saved M1+M2 classifies images on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..errors import ConfigError
from .base import store_params
from .capabilities import CLASSIFY
from .classifier import encoder_copy
from .m2 import M2
from .vae import VAE, VAENet


class M1M2(M2):
    """M2 on the posterior means of a fitted :class:`VAE`, with a Gaussian likelihood of learned per-code σ.

    Args:
        m1: a fitted VAE, or the path of its run folder (``genzoo train vae ...``).
        The other parameters are :class:`M2`'s. ``fit(X, y)``, ``predict``, ``predict_proba`` and ``score`` take images.
    """

    capabilities = frozenset({CLASSIFY})
    likelihood, sigma, learn_sigma, binarize = "gaussian", 1.0, "pixel", False

    def __init__(
        self,
        m1: Any = None,
        n_classes: int | None = None,
        alpha: float | None = None,
        labelled_batch: int = 100,
        hidden: Sequence[int] = (500,),
        latent_dim: int = 50,
        activation: str = "relu",
        epochs: int = 10,
        batch_size: int = 100,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        if self.m1 is None:
            raise ConfigError("M1M2 needs m1=: a fitted VAE or the path of its run folder (genzoo train vae ...)")

    def _unit_range(self) -> bool:
        return True  # images in; M2 sees M1's codes

    def _build(self, input_shape: tuple[int, ...]) -> VAENet:
        m1 = encoder_copy(self.m1, "m1", VAE).requires_grad_(False)
        with torch.no_grad():
            width = m1(torch.zeros(1, *input_shape)).shape[1] // 2  # the encoder gives (μ, log σ²)
        net = super()._build((width,))
        net.add_module("m1", m1)
        return net

    def _codes(self, x: Tensor) -> Tensor:
        """M1's posterior means ``(B, d)`` of images ``x``."""
        m1 = self.module_.m1.eval()
        with torch.no_grad():
            return m1(x).chunk(2, dim=1)[0]

    def _draw_labelled(self, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        x, y = super()._draw_labelled(generator)
        return self._codes(x), y

    def _m2_losses(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return super()._m2_losses(self._codes(x), generator)

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return super().eval_step(self._codes(x), generator)

    def predict_proba(self, X: Any) -> np.ndarray:
        data = self._images(X)
        return self._map(lambda x: self.module_.classifier(self._codes(x)).softmax(1), data)

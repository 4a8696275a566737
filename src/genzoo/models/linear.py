"""A linear autoencoder with tied weights: z = W(x − b), x' = Wᵀz + b, trained on squared error.

Baldi & Hornik (1989): its optimum spans the same subspace as PCA's first ``latent_dim`` components, so its
reconstruction error falls to PCA's — the bridge of seed 003 between PCA and the autoencoders. It is also
genzoo's smallest complete model, the one the README's "Adding a model" section walks through.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..validation import as_codes, check_int
from .base import NeuralEstimator, Transformer, store_params
from .capabilities import DECODE, ENCODE, RECONSTRUCT, SCORE


class TiedLinear(nn.Module):
    """``encode``: ``(N, *shape)`` -> ``(N, k)``; ``decode``: ``(N, k)`` -> ``(N, D)``, with one weight ``(k, D)``."""

    def __init__(self, n_features: int, k: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(k, n_features) / math.sqrt(n_features))
        self.bias = nn.Parameter(torch.zeros(n_features))

    def encode(self, x: Tensor) -> Tensor:
        return (x.flatten(1) - self.bias) @ self.weight.T

    def decode(self, z: Tensor) -> Tensor:
        return z @ self.weight + self.bias


class LinearAutoencoder(Transformer, NeuralEstimator):
    """A tied-weight linear autoencoder, the neural twin of :class:`PCA`.

    Args:
        latent_dim: the code size. The training parameters are those of every genzoo estimator.

    Takes any real data, as PCA. ``transform`` gives codes; ``inverse_transform`` the data they decode to, and
    ``reconstruct`` images clipped to [0, 1].
    """

    capabilities = frozenset({ENCODE, DECODE, RECONSTRUCT, SCORE})

    def __init__(self, latent_dim: int = 8, epochs: int | None = None, batch_size: int = 128, lr: float = 1e-2,
                 optimizer: str = "adam", weight_decay: float = 0.0, validation_fraction: float = 0.1,
                 random_state: int = 0, device: str = "auto") -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        check_int("latent_dim", self.latent_dim, 1)

    def _build(self, input_shape: tuple[int, ...]) -> TiedLinear:
        return TiedLinear(math.prod(input_shape), self.latent_dim)

    def _errors(self, x: Tensor) -> Tensor:
        """Squared reconstruction error of each image ``(B,)``, summed over pixels."""
        net = self.module_
        return (net.decode(net.encode(x)) - x.flatten(1)).square().sum(1)

    def _losses(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        """What the engine minimises: the squared error per image, averaged over the batch."""
        return {"loss": self._errors(x).mean()}

    def _unit_range(self) -> bool:
        return False  # a linear model: any real data, as PCA

    def transform(self, X: Any) -> np.ndarray:
        """Codes ``(N, latent_dim)``."""
        return self._map(self.module_.encode, self._images(X))

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Data ``(N, *input_shape)`` from codes ``(N, latent_dim)`` (not clipped, as PCA's)."""
        self._check_fitted()
        return self._map(lambda z: self.module_.decode(z).view(-1, *self.input_shape_), as_codes(Z, self.latent_dim))

    def score_samples(self, X: Any) -> np.ndarray:
        """Minus each image's squared reconstruction error ``(N,)``: higher means more typical (an outlier score)."""
        return self._map(lambda x: -self._errors(x), self._images(X))

    def reconstruct(self, X: Any) -> np.ndarray:
        """``inverse_transform(transform(X))``: images ``(N, *input_shape)`` in [0, 1]."""
        net = self.module_
        return self._map(lambda x: net.decode(net.encode(x)).clamp(0, 1).view(-1, *self.input_shape_),
                         self._images(X))

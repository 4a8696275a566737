"""The conditional VAE (Sohn et al. 2015): q(z|x, y) and p(x|z, y), the label one-hot into both nets.

Loss per image, in nats: −log p(x|z, y) + β·KL(q(z|x, y) ‖ N(0, I)), the negative of the conditional ELBO on
log p(x|y). Sampling draws z ~ N(0, I) and decodes it with the class asked for; one z decoded with every class
keeps the style and changes the class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..engine.step import Progress, Update
from ..validation import as_codes, check_int
from .base import store_params
from .capabilities import CONDITION, LIKELIHOOD, RECONSTRUCT, SAMPLE
from .labels import Conditional
from .vae import VAE, VAENet


class CVAE(Conditional, VAE):
    """A conditional VAE; every parameter is :class:`VAE`'s, plus ``n_classes`` (labels 0..n_classes−1;
    default: the distinct labels of ``y``).

    The defaults differ from the VAE's in the nets, chosen by measurement (``benchmarks/cvae.py``): 784-512-256-4.
    A small z leaves the class to the label: with the VAE's 784-400-20, 64% of MNIST samples have the class asked for
    (the code carries the class too, and the decoder half ignores the label); with 4 numbers, 98%.

    ``fit(X, y)`` needs the labels. ``sample(n, y)`` decodes z ~ N(0, I) with class ``y`` (an int for all, or one per
    sample; default: the classes in turn). ``transform(X, y)``, ``inverse_transform(Z, y)``, ``reconstruct(X, y)``,
    ``score(X, y)`` (the mean conditional ELBO, nats) and ``log_likelihood(X, y, k)`` (the IWAE bound on
    log p(x|y)) take the labels too. Fitted: ``classes_`` besides :class:`VAE`'s.
    """

    capabilities = frozenset({CONDITION, RECONSTRUCT, SAMPLE, LIKELIHOOD})

    def __init__(
        self,
        n_classes: int | None = None,
        hidden: Sequence[int] = (512, 256),
        latent_dim: int = 4,
        arch: str = "mlp",
        activation: str = "relu",
        likelihood: str = "bernoulli",
        sigma: float = 0.1,
        learn_sigma: str | None = None,
        beta: float = 1.0,
        binarize: bool = False,
        objective: str = "elbo",
        k: int = 1,
        kl_warmup: float = 0.0,
        lr_schedule: str | None = None,
        epochs: int = 10,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        check_int("n_classes", self.n_classes, 2, allow_none=True)

    # -- the engine's objective ------------------------------------------------------------------
    def _build(self, input_shape: tuple[int, ...]) -> VAENet:
        return self._vae_net(input_shape, len(self.classes_))

    def train_step(self, batch: tuple[Tensor, Tensor], generator: torch.Generator, progress: Progress) -> list[Update]:
        (x, y), beta = batch, self._kl_weight(progress)
        return [Update("main", lambda: self._losses(x, generator, beta, self._c(y)))]

    def eval_step(self, batch: tuple[Tensor, Tensor], generator: torch.Generator) -> dict[str, Tensor]:
        x, y = batch
        return self._losses(x, generator, c=self._c(y))

    # -- scikit-learn surface --------------------------------------------------------------------
    def _given(self, data: Tensor, y: Any) -> Tensor:
        """The class indices ``(N,)`` the nets are conditioned on for ``data``: those of the labels ``y``."""
        return self._labels(y, len(data))

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X, y)``, then the codes of ``X`` given ``y`` (scikit-learn's default would drop ``y``)."""
        return self.fit(X, y, **fit_params).transform(X, y)

    def transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Posterior means μ of q(z|x, y) ``(N, latent_dim)``."""
        data = self._images(X)
        return self._map(lambda x, t: self.module_.encode(x, self._c(t))[0], data, self._given(data, y))

    def inverse_transform(self, Z: Any, y: Any = None) -> np.ndarray:
        """Decoded means ``(N, *input_shape)`` in [0, 1] of codes ``Z`` ``(N, latent_dim)`` with classes ``y``."""
        self._check_fitted()
        z = as_codes(Z, self.latent_dim)
        return self._map(lambda v, t: self._mean(self.module_.decode(v, self._c(t))), z, self._labels(y, len(z)))

    def reconstruct(self, X: Any, y: Any = None) -> np.ndarray:
        data = self._images(X)
        return self._map(lambda x, t: self._mean(self.module_(x, self._c(t))), data, self._given(data, y))

    def sample(self, n: int, y: Any = None, random_state: int | None = None) -> np.ndarray:
        """``n`` images ``(n, *input_shape)`` of class ``y`` (an int, or ``(n,)``; default: 0, 1, ... in turn)."""
        self._check_fitted()
        check_int("n", n, 1)
        y = self._in_turn(n) if y is None else y
        z = torch.randn(n, self.latent_dim, generator=self._generator(random_state), device=self._device())
        return self.inverse_transform(z.cpu(), y)

    def score_samples(self, X: Any, y: Any = None, random_state: int | None = None) -> np.ndarray:
        """The conditional ELBO of each image ``(N,)`` in nats (one reparameterised sample)."""
        data = self._images(X)
        gen = self._generator(random_state)
        return self._map(lambda x, t: -sum(self._terms(x, gen, c=self._c(t))), data, self._given(data, y))

    def score(self, X: Any, y: Any = None) -> float:
        """The mean conditional ELBO per image in nats, a bound on log p(x|y) (higher is better)."""
        return float(self.score_samples(X, y).mean())

    def log_likelihood(self, X: Any, y: Any = None, k: int = 1000, random_state: int | None = None) -> np.ndarray:
        """The importance-weighted estimate of log p(x|y) per image ``(N,)``, in nats."""
        check_int("k", k, 1)
        data = self._images(X)
        gen = self._generator(random_state)
        return self._map(lambda x, t: self._iwae(x, k, gen, self._c(t)), data, self._given(data, y))

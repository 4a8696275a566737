"""infoGAN (Chen et al. 2016): G gets a categorical code and continuous codes beside the noise, and a head Q on D
recovers them from G's images; D and G both add the mutual-information term −L_I (``mutual_information_loss``: the
cross-entropy of Q's category plus the squared error of its continuous codes) to their adversarial loss.

Nobody tells the categorical code what to mean; on MNIST it comes to name the digit, which ``predict_category``
and ``genzoo eval`` (``category_accuracy``: the best one-to-one match of categories to classes) measure.

``prior="learned"`` lets the categories' probabilities follow the data, as the prior learning of Khayatkhoei et
al. 2018 (disconnected manifolds): each training step moves them a ``PRIOR_RATE`` of the way to Q's mean category
on the real batch, so a category that no real row resembles fades and two that share a mode share its mass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..errors import ConfigError
from ..validation import check_choice, check_float, check_int
from .base import Transformer
from .capabilities import CATEGORIES, DISCRIMINATE, ENCODE, SAMPLE
from .gan import GAN, GANNet
from .gan_losses import mutual_information_loss
from .labels import one_hot
from .presets import init_with

PRIORS = ("uniform", "learned")
PRIOR_RATE = 1e-3  # the share of the way to Q's real-batch mean that the learned prior moves each step


class InfoGAN(Transformer, GAN):
    """infoGAN; every parameter is :class:`GAN`'s (defaults: the conv pair, uniform noise of 62, as in the
    collections; ``minibatch_std`` off on every data, since ``transform`` reads Q off D and a row's codes must not
    depend on the batch it comes in), plus ``categories`` (K of the categorical code), ``continuous`` (the number
    of U(−1, 1) codes), ``info_weight`` (λ of −L_I), ``continuous_weight`` (the continuous codes' share of it) and
    ``prior`` (how often each category is drawn: ``uniform``, 1/K each, as in the paper, or ``learned`` from Q's
    view of the real rows; ``category_prior_`` holds it).

    On 2-D mixtures the categorical code alone (``arch="mlp"``, ``noise="normal"``, ``continuous=0``) gives G a
    disconnected latent: each category takes a mode, which continuous noise cannot do without samples between
    them. With twice as many categories as modes and ``prior="learned"``, the spare categories fade and the modes
    are kept (grid25: 24.8 of 25, 24 in the worst of 5 seeds, against the plain GAN's 9-12 at the same budget;
    ``benchmarks/gan_family.py``'s latent section).

    ``transform(X)``: Q's codes ``(N, K + continuous)``, the category's probabilities then the continuous means;
    ``predict_category(X)``: Q's category ``(N,)``; ``vary(i)``: images with continuous code ``i`` swept from −2 to
    2 along each row, one row per category, the noise fixed.
    """

    capabilities = frozenset({SAMPLE, DISCRIMINATE, ENCODE, CATEGORIES})
    __init__ = init_with(GAN, arch="conv", noise_dim=62, noise="uniform", minibatch_std=False, categories=10,
                         continuous=2, info_weight=1.0, continuous_weight=1.0, prior="uniform")

    def _check_params(self) -> None:
        super()._check_params()
        check_int("categories", self.categories, 2)
        check_int("continuous", self.continuous, 0)
        check_float("info_weight", self.info_weight, 0.0)
        check_float("continuous_weight", self.continuous_weight, 0.0)
        check_choice("prior", self.prior, PRIORS)

    def _code_size(self) -> int:
        return self.categories + self.continuous

    def _extra_outputs(self) -> int:
        return self.categories + self.continuous

    def _build(self, input_shape: tuple[int, ...]) -> GANNet:
        net = super()._build(input_shape)
        if self.prior == "learned":
            net.discriminator.register_buffer("category_prior", torch.full((self.categories,), 1 / self.categories))
        return net

    def _learned_prior(self) -> Tensor:
        """The learned prior ``(K,)``: a buffer of D's, as Q is, so that checkpoints (G and D) keep it."""
        return self.module_.discriminator.category_prior

    def _update_state(self, real_extra: Tensor) -> None:
        """The learned prior ``(K,)`` moves ``PRIOR_RATE`` of the way to Q's mean category on the real rows."""
        if self.prior == "learned":
            q = real_extra[:, : self.categories].float().softmax(1).mean(0)
            self._learned_prior().lerp_(q, PRIOR_RATE)

    @property
    def category_prior_(self) -> np.ndarray:
        """The categories' probabilities ``(K,)`` that ``sample`` draws from."""
        self._check_fitted()
        if self.prior == "uniform":
            return np.full(self.categories, 1 / self.categories)
        return self._learned_prior().cpu().numpy().copy()

    def _codes(self, n: int, generator: torch.Generator, device: torch.device, y: Tensor | None) -> Tensor:
        if self.prior == "learned":
            category = torch.multinomial(self._learned_prior(), n, replacement=True, generator=generator)
        else:
            category = torch.randint(self.categories, (n,), generator=generator, device=device)
        uniform = torch.rand(n, self.continuous, generator=generator, device=device).mul_(2).sub_(1)
        return torch.cat([one_hot(category, self.categories), uniform], 1)

    def _extra_loss(self, extra: Tensor, y: Tensor | None, codes: Tensor | None) -> Tensor | None:
        """λ·(−L_I) on fakes; nothing on real images (their codes are unknown)."""
        if codes is None:
            return None
        k = self.categories
        extra = extra.float()
        return self.info_weight * mutual_information_loss(extra[:, :k], codes[:, :k].argmax(1), extra[:, k:],
                                                          codes[:, k:], self.continuous_weight)

    # -- using the model -------------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Q's codes ``(N, categories + continuous)``: the category's probabilities, then the continuous codes."""
        data = self._images(X)
        k = self.categories

        def q(x: Tensor) -> Tensor:
            extra = self._judge_rows(x)[1]
            return torch.cat([extra[:, :k].softmax(1), extra[:, k:]], 1)

        return self._map(q, data)

    def predict_category(self, X: Any) -> np.ndarray:
        """Q's categorical code ``(N,)`` int64 for each image."""
        return self.transform(X)[:, : self.categories].argmax(1)

    def vary(self, index: int, steps: int = 10, random_state: int | None = None) -> np.ndarray:
        """Images ``(categories · steps, *input_shape)``: row c has category c and continuous code ``index`` from −2
        to 2 (beyond the training range U(−1, 1), as in the paper), the other codes 0, one noise for all."""
        self._check_fitted()
        if not isinstance(index, (int, np.integer)) or not 0 <= index < self.continuous:
            raise ConfigError(f"index={index!r}: this InfoGAN has continuous codes 0-{self.continuous - 1}")
        check_int("steps", steps, 2)
        z = self._noise(1, self._generator(random_state), self._device()).cpu().expand(self.categories * steps, -1)
        category = one_hot(torch.arange(self.categories).repeat_interleave(steps), self.categories)
        continuous = torch.zeros(self.categories * steps, self.continuous)
        continuous[:, index] = torch.linspace(-2, 2, steps).repeat(self.categories)
        return self.generate(torch.cat([z, category, continuous], 1))

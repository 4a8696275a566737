"""The variational autoencoder (seeds 000–004): q(z|x) = N(μ, σ²), z = μ + σ⊙ε, p(z) = N(0, I).

Loss per image, in nats: −log p(x|z) + β·KL(q(z|x) ‖ N(0, I)), with the closed form
KL = ½ Σ (μ² + σ² − log σ² − 1). With β = 1 it is the negative ELBO. ``log_likelihood`` gives the
importance-weighted bound (IWAE) on log p(x), which rises towards log p(x) as k grows; ``objective="iwae"``
trains on that bound with ``k`` samples (Burda et al. 2015).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..engine.schedules import SCHEDULES, Schedule, named
from ..engine.step import Progress, Update
from ..errors import ConfigError
from ..nets import (
    ACTIVATIONS,
    InfoGANDecoder,
    InfoGANEncoder,
    MLPDecoder,
    MLPEncoder,
    StridedConvEncoder,
    TransposedConvDecoder,
    join,
)
from ..validation import as_codes, check_choice, check_float, check_int, check_sizes
from .base import NeuralEstimator, Transformer, store_params
from .capabilities import DECODE, ENCODE, LIKELIHOOD, NORMAL_PRIOR, RECONSTRUCT, SAMPLE, SCORE

LIKELIHOODS = ("bernoulli", "gaussian")
LEARN_SIGMA = (None, "global", "pixel")
OBJECTIVES = ("elbo", "iwae")
LOG_2PI = math.log(2 * math.pi)
IWAE_ROWS = 32768  # decoder rows per chunk of importance samples: bounds memory for any k


def kl_standard_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per row ``(B,)`` = ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1)."""
    return 0.5 * (mu.square() + logvar.exp() - logvar - 1).sum(-1)


def kl_normal(mu: Tensor, logvar: Tensor, prior: tuple[Tensor, Tensor] | None) -> Tensor:
    """KL(N(μ, σ²) ‖ N(m, s²)) per row ``(B,)`` = ½ Σ_j (log s_j² − log σ_j² + (σ_j² + (μ_j − m_j)²) / s_j² − 1), for a
    prior (m, log s²) ``(B, D)`` each; ``prior=None`` is N(0, I)."""
    if prior is None:
        return kl_standard_normal(mu, logvar)
    m, log_s2 = prior
    return 0.5 * (log_s2 - logvar + (logvar.exp() + (mu - m).square()) / log_s2.exp() - 1).sum(-1)


def log_normal(z: Tensor, prior: tuple[Tensor, Tensor] | None) -> Tensor:
    """log N(z; m, s²) summed over the last axis, for z ``(..., B, D)`` and a prior (m, log s²) ``(B, D)`` each;
    ``prior=None`` is N(0, I)."""
    if prior is None:
        return -0.5 * (z.square() + LOG_2PI).sum(-1)
    m, log_s2 = prior
    return -0.5 * ((z - m).square() / log_s2.exp() + log_s2 + LOG_2PI).sum(-1)


def decoded_mean(out: Tensor, likelihood: str, unit_data: bool) -> Tensor:
    """E[x|z] from decoder output ``out``: the sigmoid of Bernoulli logits, or the Gaussian mean, clipped to [0, 1]
    when the training data were images in [0, 1] (``unit_data``)."""
    if likelihood == "bernoulli":
        return out.sigmoid()
    return out.clamp(0.0, 1.0) if unit_data else out


class VAENet(nn.Module):
    """encoder ``(N, *shape)`` -> (μ, log σ²) ``(N, latent_dim)`` each; decoder ``(N, latent_dim)`` -> ``(N, *shape)``.

    The decoder gives Bernoulli logits, or the Gaussian mean; ``log_sigma`` is the Gaussian's learned
    log standard deviation (one value, or one per pixel) when it is learned. A condition ``c`` ``(N, C)`` (a one-hot
    label, for the conditional VAE) is joined to the encoder's input (as C constant channels for a ``conv`` encoder,
    or C more features for an MLP) and to the decoder's z.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, log_sigma: Tensor | None = None,
                 conv: bool = False) -> None:
        super().__init__()
        self.encoder, self.decoder, self.conv = encoder, decoder, conv
        self.log_sigma = nn.Parameter(log_sigma) if log_sigma is not None else None

    def encode(self, x: Tensor, c: Tensor | None = None) -> tuple[Tensor, Tensor]:
        mu, logvar = self.encoder(join(x, c, self.conv)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        return self.decoder(z if c is None else torch.cat([z, c], 1))

    def forward(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """The decoder's output at the posterior mean."""
        return self.decode(self.encode(x, c)[0], c)


class VAE(Transformer, NeuralEstimator):
    """A variational autoencoder, fully connected or convolutional (the keras-io example's nets).

    Args:
        hidden: the MLP encoder's hidden widths (the decoder mirrors them), e.g. (400,) or (500, 500).
        latent_dim: the size of z. arch: ``mlp``, ``conv`` (keras-io's pair) or ``infogan`` (the infoGAN-like
            pair of the generative-model collections, with batch norm). activation: of the MLP's hidden layers.
        likelihood: ``bernoulli`` (summed binary cross-entropy; for data in [0, 1] or binarized) or
            ``gaussian`` (mean from the decoder, standard deviation ``sigma``).
        sigma: the Gaussian's fixed standard deviation. learn_sigma: ``global`` or ``pixel`` learns it instead.
        beta: the weight of the KL term (1 gives the ELBO). binarize: dynamic binarization of each batch.
        objective: ``elbo``, or ``iwae``: the importance-weighted bound log (1/k) Σ p(x, z_i)/q(z_i|x), which
            is tighter than the ELBO for k > 1 and equals it at k = 1. k: samples of z per image in training
            (for ``elbo``, its reconstruction term is averaged over them).
        kl_warmup: epochs over which the weight of the KL term (of log p(z) − log q(z|x) for ``iwae``) rises
            linearly from 0 to ``beta`` (0: none). lr_schedule: ``burda`` (Burda et al.'s 8 stages of 3^i epochs,
            the rate 10^(−i/7) of ``lr`` in stage i, fitted into ``epochs``), ``cosine`` (half a cosine from ``lr``
            to 0 over ``epochs``) or None.
        The training parameters are those of every genzoo estimator. Burda et al.'s net is
        ``hidden=(200, 200), activation="tanh", latent_dim=50``.

    ``transform`` gives μ; ``inverse_transform`` decodes means; ``sample(n)`` decodes z ~ N(0, I);
    ``score`` is the mean ELBO in nats; ``log_likelihood(X, k)`` the IWAE estimate of log p(x).
    """

    capabilities = frozenset({ENCODE, DECODE, RECONSTRUCT, SAMPLE, LIKELIHOOD, NORMAL_PRIOR, SCORE})

    def __init__(
        self,
        hidden: Sequence[int] = (400,),
        latent_dim: int = 20,
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
        check_sizes("hidden", self.hidden)
        check_int("latent_dim", self.latent_dim, 1)
        check_choice("arch", self.arch, ("mlp", "conv", "infogan"))
        check_choice("activation", self.activation, tuple(ACTIVATIONS))
        check_choice("likelihood", self.likelihood, LIKELIHOODS)
        check_float("sigma", self.sigma, 0.0, low_open=True)
        check_choice("learn_sigma", self.learn_sigma, LEARN_SIGMA)
        check_float("beta", self.beta, 0.0)
        check_choice("binarize", self.binarize, (False, True))
        check_choice("objective", self.objective, OBJECTIVES)
        check_int("k", self.k, 1)
        check_float("kl_warmup", self.kl_warmup, 0.0)
        check_choice("lr_schedule", self.lr_schedule, (None, *SCHEDULES))
        if self.learn_sigma and self.likelihood != "gaussian":
            raise ConfigError("learn_sigma needs likelihood='gaussian'")

    def _build(self, input_shape: tuple[int, ...]) -> VAENet:
        return self._vae_net(input_shape)

    def _vae_net(self, input_shape: tuple[int, ...], n_classes: int = 0) -> VAENet:
        """The nets; with ``n_classes``, for a one-hot condition of that many classes joined to x and to z."""
        d = self.latent_dim
        if self.arch == "mlp":
            encoder = MLPEncoder((math.prod(input_shape) + n_classes,), self.hidden, 2 * d, self.activation)
            decoder = MLPDecoder(d + n_classes, list(reversed(self.hidden)), input_shape, self.activation)
        else:
            conv = {"conv": (StridedConvEncoder, TransposedConvDecoder), "infogan": (InfoGANEncoder, InfoGANDecoder)}
            enc, dec = conv[self.arch]
            encoder = enc((input_shape[0] + n_classes, *input_shape[1:]), 2 * d)
            decoder = dec(d + n_classes, input_shape)
        log_sigma = None
        if self.learn_sigma:
            shape = (1,) if self.learn_sigma == "global" else tuple(input_shape)
            log_sigma = torch.full(shape, math.log(self.sigma))
        return VAENet(encoder, decoder, log_sigma, conv=self.arch != "mlp")

    # -- the model's densities -------------------------------------------------------------------
    def _nll(self, out: Tensor, x: Tensor) -> Tensor:
        """−log p(x|z) per image ``(B,)`` from decoder output ``out`` ``(B, *shape)``, in nats."""
        if self.likelihood == "bernoulli":
            per_pixel = F.binary_cross_entropy_with_logits(out, x, reduction="none")
        else:
            log_sigma = self.module_.log_sigma if self.module_.log_sigma is not None else math.log(self.sigma)
            per_pixel = 0.5 * ((x - out) * torch.exp(-torch.as_tensor(log_sigma))).square() + log_sigma + 0.5 * LOG_2PI
        return per_pixel.flatten(1).sum(1)

    def _mean(self, out: Tensor) -> Tensor:
        return decoded_mean(out, self.likelihood, self.unit_data_)

    # -- the data it takes -----------------------------------------------------------------------
    def _unit_range(self) -> bool:
        return self.likelihood == "bernoulli" or self.binarize  # a Gaussian decoder models any real data

    def _fit_data(self, X: Any) -> Tensor:
        data = super()._fit_data(X)
        self.unit_data_ = data.dtype == torch.uint8 or bool(data.min() >= 0 and data.max() <= 1)
        return data

    def _fitted_facts(self) -> dict[str, Any]:
        return {**super()._fitted_facts(), "unit_data": self.unit_data_}

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.unit_data_ = facts.get("unit_data", True)  # saved before real-valued data: images in [0, 1]
        super()._restore(facts, tensors)

    def _posterior(self, x: Tensor, k: int, generator: torch.Generator,
                   c: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """μ, log σ² ``(B, D)``, ε and z = μ + σ⊙ε ``(k, B, D)``: k reparameterised samples of q(z|x) (or q(z|x, c))."""
        mu, logvar = self.module_.encode(x, c)
        eps = torch.randn((k, *mu.shape), generator=generator, device=mu.device)
        return mu, logvar, eps, mu + torch.exp(0.5 * logvar) * eps

    def _log_px(self, x: Tensor, z: Tensor, c: Tensor | None = None) -> Tensor:
        """log p(x|z) (or log p(x|z, c)) ``(k, B)`` for samples z ``(k, B, D)`` of each image of x ``(B, ...)``."""
        k = len(z)
        c = None if c is None else c.expand(k, *c.shape).flatten(0, 1)
        out = self.module_.decode(z.flatten(0, 1), c)
        return -self._nll(out, x.expand(k, *x.shape).flatten(0, 1)).view(k, len(x))

    def _prior(self, c: Tensor | None) -> tuple[Tensor, Tensor] | None:
        """p(z): None for N(0, I); a conditional model may give (mean, log variance) ``(B, D)`` each from ``c``."""
        return None

    def _terms(self, x: Tensor, generator: torch.Generator, k: int = 1,
               c: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Per-image (−log p(x|z) averaged over ``k`` reparameterised samples, KL), each ``(B,)``."""
        mu, logvar, _, z = self._posterior(x, k, generator, c)
        return -self._log_px(x, z, c).mean(0), kl_normal(mu, logvar, self._prior(c))

    def _log_weights(self, x: Tensor, k: int, generator: torch.Generator,
                     c: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """For k samples z_i ~ q(z|x): (log p(x|z_i), log p(z_i) − log q(z_i|x)), each ``(k, B)``."""
        _, logvar, eps, z = self._posterior(x, k, generator, c)
        log_px = self._log_px(x, z, c)
        log_pz = log_normal(z, self._prior(c))
        log_qz = -0.5 * (eps.square() + LOG_2PI + logvar).sum(-1)
        return log_px, log_pz - log_qz

    def _losses(self, x: Tensor, generator: torch.Generator, beta: float | None = None,
                c: Tensor | None = None) -> dict[str, Tensor]:
        """The training loss per image in nats (``loss``), with the KL weight ``beta`` (default: ``self.beta``)."""
        beta = self.beta if beta is None else beta
        if self.objective == "iwae":
            log_px, log_ratio = self._log_weights(x, self.k, generator, c)
            bound = torch.logsumexp(log_px + beta * log_ratio, dim=0) - math.log(self.k)
            return {"loss": -bound.mean(), "recon": -log_px.mean(), "kl": -log_ratio.mean()}
        nll, kl = self._terms(x, generator, self.k, c)
        recon, kl = nll.mean(), kl.mean()
        return {"loss": recon + beta * kl, "recon": recon, "kl": kl}

    def _kl_weight(self, progress: Progress) -> float:
        """The KL term's weight: during the warm-up, ``beta`` × the share of it completed."""
        return self.beta * min(1.0, progress.epoch / self.kl_warmup) if self.kl_warmup else self.beta

    def train_step(self, x: Tensor, generator: torch.Generator, progress: Progress) -> list[Update]:
        beta = self._kl_weight(progress)
        return [Update("main", lambda: self._losses(x, generator, beta))]

    def _lr_schedule(self) -> Schedule | None:
        return named(self.lr_schedule, self.epochs_)

    # -- scikit-learn surface --------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Posterior means μ ``(N, latent_dim)``."""
        data = self._images(X)
        return self._map(lambda x: self.module_.encode(x)[0], data)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Decoded means ``(N, *input_shape)`` in [0, 1] of codes ``Z`` ``(N, latent_dim)``."""
        self._check_fitted()
        return self._map(lambda z: self._mean(self.module_.decoder(z)), as_codes(Z, self.latent_dim))

    def reconstruct(self, X: Any) -> np.ndarray:
        """Decoded means at the posterior means, ``(N, *input_shape)`` in [0, 1]."""
        data = self._images(X)
        return self._map(lambda x: self._mean(self.module_(x)), data)

    def sample(self, n: int, random_state: int | None = None) -> np.ndarray:
        """``n`` images ``(n, *input_shape)``: decoded means of z ~ N(0, I)."""
        self._check_fitted()
        check_int("n", n, 1)
        z = torch.randn(n, self.latent_dim, generator=self._generator(random_state), device=self._device())
        return self.inverse_transform(z.cpu())

    def score_samples(self, X: Any, random_state: int | None = None) -> np.ndarray:
        """The ELBO of each image ``(N,)`` in nats (one reparameterised sample), log p(x|z) − KL."""
        data = self._images(X)
        gen = self._generator(random_state)
        return self._map(lambda x: -sum(self._terms(x, gen)), data)

    def score(self, X: Any, y: Any = None) -> float:
        """The mean ELBO per image in nats (higher is better)."""
        return float(self.score_samples(X).mean())

    def log_likelihood(self, X: Any, k: int = 1000, random_state: int | None = None) -> np.ndarray:
        """The importance-weighted estimate of log p(x) per image ``(N,)``, in nats (Burda et al. 2015):

        log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x). A lower bound that rises with k
        (k = 1 is the ELBO), computed with log-sum-exp in chunks, so that k = 5,000 fits in memory.
        """
        check_int("k", k, 1)
        data = self._images(X)
        gen = self._generator(random_state)
        return self._map(lambda x: self._iwae(x, k, gen), data)

    def _iwae(self, x: Tensor, k: int, gen: torch.Generator, c: Tensor | None = None) -> Tensor:
        chunk = max(1, IWAE_ROWS // len(x))
        parts = []
        for start in range(0, k, chunk):
            log_px, log_ratio = self._log_weights(x, min(chunk, k - start), gen, c)
            parts.append(torch.logsumexp(log_px + log_ratio, dim=0))
        return torch.logsumexp(torch.stack(parts), dim=0) - math.log(k)

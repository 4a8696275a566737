"""What the GAN and discriminator-only generation share: the discriminator, its losses, the data's range.

Losses are written on D's logits ℓ (D = sigmoid(ℓ)) with softplus, which is stable where D saturates:
−log D = softplus(−ℓ) and −log(1 − D) = softplus(ℓ).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..nets import InfoGANAutoencoder, InfoGANEncoder, MLPDecoder, MLPEncoder
from ..validation import as_images, check_choice

ARCHS = ("mlp", "conv")
OUTPUTS = ("auto", "sigmoid", "linear")


def build_discriminator(arch: str, input_shape: Sequence[int], hidden: Sequence[int], out_dim: int = 1,
                        norm: str = "batch") -> nn.Module:
    """``(N, *input_shape)`` -> ``(N, out_dim)`` (column 0: D's output; any others: an auxiliary head's): an MLP
    (LeakyReLU 0.2) or the infoGAN-like conv discriminator, with batch or layer ``norm``."""
    if arch == "conv":
        return InfoGANEncoder(input_shape, out_dim, norm)
    return MLPEncoder(input_shape, hidden, out_dim, "leaky_relu")


class AutoencoderDiscriminator(nn.Module):
    """EBGAN's and BEGAN's D: an autoencoder whose reconstruction error is the energy, low on real data.

    ``encode``: ``(N, *shape)`` -> codes ``(N, code)``; ``energy(x, codes)`` -> ``(N, 1)``, the mean squared
    (``mse``) or absolute (``l1``) error per row of the reconstruction (squashed to the data's range);
    ``forward(x)`` is ``energy(x, encode(x))``. The MLP pair mirrors ``hidden``; ``conv`` is the collections' pair.
    """

    CODE = 32

    def __init__(self, arch: str, input_shape: Sequence[int], hidden: Sequence[int], output: str, error: str) -> None:
        super().__init__()
        if arch == "conv":
            net = InfoGANAutoencoder(input_shape, self.CODE)
            self.encoder, self.decoder = net.encoder, net.decoder
        else:
            self.encoder = MLPEncoder(input_shape, hidden, self.CODE, "leaky_relu")
            self.decoder = MLPDecoder(self.CODE, list(reversed(hidden)), input_shape)
        self.output, self.error = output, error

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def energy(self, x: Tensor, codes: Tensor) -> Tensor:
        diff = squash(self.decoder(codes), self.output) - x
        per_element = diff.square() if self.error == "mse" else diff.abs()
        return per_element.flatten(1).mean(1, keepdim=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.energy(x, self.encode(x))


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """−[mean log D(x) + mean log(1 − D(x̃))], the negative of what Algorithm 1 ascends for D."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: Tensor, kind: str) -> Tensor:
    """``minimax``: mean log(1 − D(G(z))) (saturates when D rejects the samples);
    ``non-saturating``: −mean log D(G(z)), the "log D trick"."""
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()


def init_gan_weights(module: nn.Module) -> None:
    """The collections' initialisation: conv and linear weights N(0, 0.02), batch-norm scales N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def fit_data(X: Any, output: str) -> tuple[Tensor, str]:
    """Validated training data and the output it calls for: ``sigmoid`` for images in [0, 1] (uint8, 4-D, or
    floats inside [0, 1]), ``linear`` for other real-valued rows ``(N, D)``; ``output`` other than auto forces it."""
    check_choice("output", output, OUTPUTS)
    data = as_images(X, unit_range=output == "sigmoid")
    if output == "auto":
        images = data.dtype == torch.uint8 or data.ndim == 4 or bool(data.min() >= 0 and data.max() <= 1)
        output = "sigmoid" if images else "linear"
    return data, output


def squash(out: Tensor, output: str) -> Tensor:
    """A network's raw output as data: sigmoid for images in [0, 1], unchanged for real-valued data."""
    return out.sigmoid() if output == "sigmoid" else out


def d_report(d_loss: Tensor, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
    """D's loss (the engine minimises it) and its mean probability on the real and on the fake rows (logged)."""
    return {"d_loss": d_loss, "d_real": real_logits.detach().sigmoid().mean(),
            "d_fake": fake_logits.detach().sigmoid().mean()}


class DiscriminatorMixin:
    """For estimators whose ``module_`` has a ``discriminator`` and whose data may be real-valued (``output_``)."""

    def _fit_data(self, X: Any) -> Tensor:
        data, self.output_ = fit_data(X, self.output)
        return data

    def _fitted_facts(self) -> dict[str, Any]:
        return {"output": self.output_}

    def _unit_range(self) -> bool:
        return self.output == "sigmoid"  # auto and linear take real-valued rows too

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.output_ = facts["output"]
        super()._restore(facts, tensors)

    def _images(self, X: Any, name: str = "X") -> Tensor:
        self._check_fitted()
        return as_images(X, name, self.input_shape_, unit_range=self.output_ == "sigmoid")

    def discriminate(self, X: Any) -> np.ndarray:
        """D's probability ``(N,)`` that each row of ``X`` comes from the data."""
        data = self._images(X)
        return self._map(lambda x: self.module_.discriminator(x).sigmoid().squeeze(1), data)

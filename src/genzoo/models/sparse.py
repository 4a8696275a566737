"""The sparse autoencoder (seeds 002, 003): reconstruction + λ·ρ(h), a sparsity penalty on the code.

The reconstruction loss is summed over the D pixels of an image, so it grows with the image; the penalty is
scaled to match: λ · D · (the mean over code units of each unit's penalty). One λ then means the same trade-off
on 8×8 digits (D = 64) and on 28×28 images (D = 784), whatever the code size.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import ConfigError
from ..validation import check_choice, check_float
from .autoencoder import Autoencoder
from .presets import init_with

PENALTIES = ("l1", "kl")


def kl_sparsity(code: Tensor, target_rate: float, eps: float = 1e-6) -> Tensor:
    """Σ_j KL(ρ ‖ ρ̂_j) = Σ_j ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j)), ρ̂_j = unit j's mean activation in the batch.

    ``code`` is ``(B, units)`` with values in (0, 1) (sigmoid units).
    """
    rho_hat = code.mean(0).clamp(eps, 1 - eps)
    rho = target_rate
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


class SparseAutoencoder(Autoencoder):
    """An :class:`Autoencoder` whose loss adds ``weight`` × a sparsity penalty on the code.

    Args:
        penalty: ``l1`` (|h_j| averaged over the batch and the code units) or ``kl`` (KL(ρ‖ρ̂_j) averaged over
            the code units, against ``target_rate``; needs sigmoid code units, the default ``code_activation``).
        weight: λ; the penalty is λ × D (pixels per image) × that mean, to match the summed reconstruction loss.
        target_rate: ρ, the wanted mean activation of each unit (e.g. 0.05).
        The other parameters are :class:`Autoencoder`'s; the log shows ``recon`` and ``penalty`` apart.
    """

    __init__ = init_with(Autoencoder, latent_dim=64, code_activation="sigmoid", penalty="kl", weight=3.0,
                         target_rate=0.05)

    def _check_params(self) -> None:
        super()._check_params()
        check_choice("penalty", self.penalty, PENALTIES)
        check_float("weight", self.weight, 0.0)
        check_float("target_rate", self.target_rate, 0.0, 1.0, low_open=True, high_open=True)
        if self.penalty == "kl" and self.code_activation != "sigmoid":
            raise ConfigError("penalty='kl' needs code units in (0, 1): use code_activation='sigmoid' (or penalty='l1')")

    def _penalty(self, code: Tensor) -> Tensor:
        scale = self.weight * self.n_features_in_ / code.shape[1]  # λ · D · mean over the units
        if self.penalty == "l1":
            return scale * code.abs().sum(1).mean()
        return scale * kl_sparsity(code, self.target_rate)

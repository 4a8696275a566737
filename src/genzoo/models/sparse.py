"""The sparse autoencoder (seeds 002, 003): reconstruction + λ·ρ(h), a sparsity penalty on the code."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from ..errors import ConfigError
from ..validation import check_choice, check_float
from .autoencoder import Autoencoder
from .base import store_params

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
        penalty: ``l1`` (mean over the batch of ‖h‖₁) or ``kl`` (Σ_j KL(ρ‖ρ̂_j) against ``target_rate``,
            which needs sigmoid code units, the default ``code_activation``).
        weight: λ. target_rate: ρ, the wanted mean activation of each unit (e.g. 0.05).
        The other parameters are :class:`Autoencoder`'s; the log shows ``recon`` and ``penalty`` apart.
    """

    def __init__(
        self,
        penalty: str = "kl",
        weight: float = 0.1,
        target_rate: float = 0.05,
        hidden: Sequence[int] = (),
        latent_dim: int | None = 64,
        arch: str = "mlp",
        activation: str = "relu",
        code_activation: str = "sigmoid",
        loss: str = "bce",
        pretrain: str | None = None,
        pretrain_epochs: int = 5,
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
        check_choice("penalty", self.penalty, PENALTIES)
        check_float("weight", self.weight, 0.0)
        check_float("target_rate", self.target_rate, 0.0, 1.0, low_open=True, high_open=True)
        if self.penalty == "kl" and self.code_activation != "sigmoid":
            raise ConfigError("penalty='kl' needs code units in (0, 1): use code_activation='sigmoid' (or penalty='l1')")

    def _penalty(self, code: Tensor) -> Tensor:
        if self.penalty == "l1":
            return self.weight * code.abs().sum(1).mean()
        return self.weight * kl_sparsity(code, self.target_rate)

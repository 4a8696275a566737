"""The discrete (binary) autoencoder of seed 003: a hard 0/1 threshold forward, straight-through backward."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from ..validation import check_int
from .autoencoder import Autoencoder
from .base import store_params


class StraightThroughBinarizer(nn.Module):
    """``(B, bits)`` in (0, 1) -> exactly 0/1 (threshold 0.5); the gradient passes through unchanged."""

    def forward(self, p: Tensor) -> Tensor:
        hard = (p > 0.5).to(p.dtype)
        return p + (hard - p).detach()


class BinaryAutoencoder(Autoencoder):
    """An :class:`Autoencoder` with a ``code_bits``-bit binary code: sigmoid units thresholded at 0.5.

    ``transform`` returns the bits (float 0/1); ``inverse_transform`` decodes any bit pattern.
    The other parameters are :class:`Autoencoder`'s (its ``latent_dim`` is ``code_bits`` here).
    """

    def __init__(
        self,
        code_bits: int = 32,
        hidden: Sequence[int] = (256,),
        arch: str = "mlp",
        activation: str = "relu",
        loss: str = "bce",
        epochs: int | None = None,
        batch_size: int = 128,
        lr: float = 3e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    code_size_param = "code_bits"
    code_activation = "sigmoid"  # fixed: the binarizer thresholds probabilities
    latent_dim = property(lambda self: self.code_bits)
    pretrain, pretrain_epochs = None, 0

    def _check_params(self) -> None:
        check_int("code_bits", self.code_bits, 1)
        super()._check_params()

    def _quantizer(self) -> nn.Module:
        return StraightThroughBinarizer()

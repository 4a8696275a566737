"""The autoencoder: z = f(x), x' = g(z), trained to reconstruct x (seeds 000, 002, 003, 004).

One core, :class:`Autoencoder`; the variants of the lecture notes change only what they add:
a corruption of the input (denoising), a penalty on the code (sparse), a quantizer in the bottleneck
(binary), and a training schedule (greedy layer-wise pre-training, ``pretrain.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.trainer import Policy
from ..errors import ConfigError
from ..nets import ACTIVATIONS, ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, blocks
from ..validation import as_codes, check_choice, check_int, check_sizes
from .base import NeuralEstimator, Transformer, make_optimizer, store_params
from .capabilities import DECODE, ENCODE, RECONSTRUCT, SCORE
from .losses import RECONSTRUCTION_LOSSES, reconstruction_loss
from .pretrain import pretrain_layerwise

ARCHS = ("mlp", "conv")


class AutoencoderNet(nn.Module):
    """encoder ``(N, *shape)`` -> code ``(N, latent_dim)`` -> quantizer -> decoder -> logits ``(N, *shape)``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, quantizer: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.quantizer = quantizer or nn.Identity()
        self.decoder = decoder

    def encode(self, x: Tensor) -> Tensor:
        return self.quantizer(self.encoder(x))

    def forward(self, x: Tensor) -> Tensor:
        """The decoder's raw output: logits for ``loss="bce"`` (sigmoid gives the reconstruction), the
        reconstruction itself for ``loss="mse"``."""
        return self.decoder(self.encode(x))


def build_autoencoder_net(input_shape: Sequence[int], arch: str, hidden: Sequence[int], latent_dim: int | None,
                          activation: str, code_activation: str, quantizer: nn.Module | None = None) -> AutoencoderNet:
    """MLP: ``D -> hidden... -> latent_dim -> reversed(hidden)... -> D``; conv: seed 004's nets (``hidden`` unused)."""
    if arch == "conv":
        encoder = ConvEncoder(input_shape, latent_dim, activation, code_activation)
        decoder = ConvDecoder(input_shape, latent_dim, activation)
    else:
        encoder = MLPEncoder(input_shape, hidden, latent_dim, activation, code_activation)
        decoder = MLPDecoder(latent_dim, list(reversed(hidden)), input_shape, activation)
    return AutoencoderNet(encoder, decoder, quantizer)


class ReconstructionScoring:
    """What every autoencoder-like model with a ``loss`` (``bce`` or ``mse``) and a ``module_(x)`` that gives the
    decoder's raw output shares: reconstructions, the accepted input range, and scores by reconstruction loss."""

    def reconstruct(self, X: Any) -> np.ndarray:
        """``inverse_transform(transform(X))`` in one pass: reconstructions ``(N, *input_shape)`` in [0, 1]."""
        data = self._images(X)
        return self._map(lambda x: self._squash(self.module_(x)), data)

    def _squash(self, out: Tensor) -> Tensor:
        """The decoder's raw output as data: sigmoid for ``loss="bce"``, unchanged for ``mse``."""
        return out.sigmoid() if self.loss == "bce" else out

    def _unit_range(self) -> bool:
        return self.loss == "bce"

    def score_samples(self, X: Any) -> np.ndarray:
        """Minus each image's reconstruction loss ``(N,)`` (nats for ``bce``, squared error for ``mse``): higher means
        more typical of the training data, scikit-learn's convention for outlier scores."""
        data = self._images(X)
        return self._map(lambda x: -reconstruction_loss(self.module_(x), x, self.loss), data)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the mean reconstruction loss per image (higher is better, as scikit-learn expects)."""
        return float(self.score_samples(X).mean())


class Autoencoder(ReconstructionScoring, Transformer, NeuralEstimator):
    """A deterministic autoencoder, fully connected or convolutional, as a scikit-learn transformer.

    With the defaults it is the one-hidden-layer autoencoder of the notes, z = Wx+b, x' = σ(W'z+b'), trained
    with binary cross-entropy; ``code_activation="sigmoid"`` gives the notes' z = σ(Wx+b), which learns far more
    slowly (``benchmarks/defaults.py``: MNIST test MSE 0.041 against 0.0098 after the default 10 epochs).
    ``hidden=(128, 64, 10), latent_dim=2`` is the notes' deep 784→128→64→10→2 net for a 2-D map.

    Args:
        hidden: widths of the encoder's hidden layers (the decoder mirrors them); MLP only.
        latent_dim: the code size. For ``arch="conv"``, ``None`` keeps seed 004's (8, H/8, W/8) feature map.
        arch: ``mlp`` or ``conv``.
        activation: of the hidden layers. code_activation: of the code layer.
        loss: ``bce`` (nats per image; a sigmoid output, for inputs in [0, 1]) or ``mse`` (squared error per
            image; a linear output, for any real data such as standardised features).
        pretrain: ``"layerwise"`` trains each MLP layer first as a shallow autoencoder on the codes of the
            layers below (``pretrain_epochs`` each), then the whole stack is fine-tuned for ``epochs``.
        epochs: passes over the data; None (default): enough for 4,000 steps, at least 10 (10 on MNIST, 364 on
        the 8×8 digits). batch_size, lr, optimizer, weight_decay: training. validation_fraction: of the data held out
        to report validation loss per epoch. random_state: seeds weights, shuffling and noise. device: auto|cpu|cuda.

    Fitted: ``module_`` (the plain ``nn.Module``), ``input_shape_``, ``history_`` (one record per epoch).
    """

    capabilities = frozenset({ENCODE, DECODE, RECONSTRUCT, SCORE})

    def __init__(
        self,
        hidden: Sequence[int] = (),
        latent_dim: int | None = 32,
        arch: str = "mlp",
        activation: str = "relu",
        code_activation: str = "linear",
        loss: str = "bce",
        pretrain: str | None = None,
        pretrain_epochs: int = 5,
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

    def _check_params(self) -> None:
        super()._check_params()
        check_choice("arch", self.arch, ARCHS)
        check_sizes("hidden", self.hidden)
        check_int("latent_dim", self.latent_dim, 1, allow_none=self.arch == "conv")
        check_choice("pretrain", self.pretrain, (None, "layerwise"))
        check_int("pretrain_epochs", self.pretrain_epochs, 0)
        if self.pretrain and (self.arch != "mlp" or not self.hidden):
            raise ConfigError("pretrain='layerwise' needs arch='mlp' with hidden layers, e.g. hidden=[256, 64]")
        check_choice("activation", self.activation, tuple(ACTIVATIONS))
        check_choice("code_activation", self.code_activation, tuple(ACTIVATIONS))
        check_choice("loss", self.loss, RECONSTRUCTION_LOSSES)

    # -- what the variants change ----------------------------------------------------------------
    def _quantizer(self) -> nn.Module | None:
        """A module between encoder and decoder (the binary autoencoder's); None for none."""
        return None

    def _corrupt(self, x: Tensor, generator: torch.Generator) -> Tensor:
        """The input the encoder sees during training (the denoising autoencoder corrupts it)."""
        return x

    def _penalty(self, code: Tensor) -> Tensor | None:
        """A penalty on the batch's codes ``(B, latent_dim)`` added to the loss (the sparse autoencoder's)."""
        return None

    # -- the engine's objective ------------------------------------------------------------------
    def _build(self, input_shape: tuple[int, ...]) -> AutoencoderNet:
        return build_autoencoder_net(input_shape, self.arch, self.hidden, self._code_size(), self.activation,
                                     self.code_activation, self._quantizer())

    def _code_size(self) -> int | None:
        return self.latent_dim

    def _before_training(self, data: Tensor, resuming: bool, quiet: bool) -> None:
        """Greedy layer-wise pre-training (seed 002), unless resuming an end-to-end run already under way."""
        if self.pretrain == "layerwise" and not resuming:
            net = self.module_
            policy = Policy(epochs=self.pretrain_epochs, batch_size=self.batch_size, seed=self.random_state,
                            device=self.device_, quiet=quiet)
            self.pretrain_history_ = pretrain_layerwise(
                blocks(net.encoder.net), blocks(net.decoder.net), data, self.loss, policy,
                lambda params: make_optimizer(params, self.optimizer, self.lr, self.weight_decay))

    def _losses(self, x: Tensor, generator: torch.Generator, corrupt: bool = True) -> dict[str, Tensor]:
        """Reconstruction loss (and the variant's penalty) of the batch; training corrupts the input first."""
        code = self.module_.encode(self._corrupt(x, generator) if corrupt else x)
        recon = reconstruction_loss(self.module_.decoder(code), x, self.loss).mean()
        penalty = self._penalty(code)
        if penalty is None:
            return {"loss": recon}
        return {"loss": recon + penalty, "recon": recon, "penalty": penalty}

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return self._losses(x, generator, corrupt=False)

    # -- scikit-learn surface --------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Codes ``(N, latent_dim)`` of images ``X``."""
        data = self._images(X)
        return self._map(self.module_.encode, data)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Decoded images ``(N, *input_shape)`` in [0, 1] from codes ``Z`` ``(N, latent_dim)``."""
        self._check_fitted()
        return self._map(lambda z: self._squash(self.module_.decoder(z)), as_codes(Z, self.module_.encoder.out_dim))

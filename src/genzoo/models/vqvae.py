"""The vector-quantized VAE (van den Oord et al. 2017): a discrete code of ``n_codes`` indices into a learned codebook.

The encoder gives ``n_codes`` vectors z_e of size ``code_dim`` per image; each is replaced by its nearest codebook
entry e_k (the quantizer), and the decoder sees only those entries. The gradient passes straight through the
quantizer (the decoder's gradient at e_k is given to z_e). Loss per image, in nats (``bce``):

    −log p(x|z_q) + ‖sg[z_e] − e‖² + β‖z_e − sg[e]‖²

The second term (the codebook loss) moves the entries towards the codes that chose them; with ``codebook="ema"``
it is replaced by exponential moving averages of those codes (the paper's appendix), and the third, the commitment
loss, keeps the encoder near its entries. An entry that no code chooses for long (a dead code) is moved onto a
random code of the batch when ``reset_dead``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.utils import Tags
from torch import Tensor, nn

from ..errors import ConfigError
from ..nets import ACTIVATIONS, ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder
from ..validation import check_choice, check_float, check_int, check_sizes
from .autoencoder import ReconstructionScoring
from .base import NeuralEstimator, Transformer, store_params
from .capabilities import CODEBOOK, RECONSTRUCT, SCORE
from .losses import RECONSTRUCTION_LOSSES, reconstruction_loss

CODEBOOKS = ("ema", "loss")
DEAD_USAGE = 0.01  # a code chosen fewer times per batch than this, on the moving average, is dead
USAGE_DECAY = 0.95  # of that moving average: an entry unused for 90 batches falls below DEAD_USAGE
EMA_EPS = 1e-5  # Laplace smoothing of the EMA cluster sizes


class VectorQuantizer(nn.Module):
    """``(B, M, d)`` codes -> (nearest entries ``(B, M, d)`` with the straight-through gradient, indices ``(B, M)``).

    ``codebook`` ``(K, d)`` is a parameter (``ema=False``: learned by the codebook loss) or a buffer updated in training
    mode by moving averages (``ema=True``: ``cluster_size`` ``(K,)`` and ``code_sum`` ``(K, d)``). ``usage`` ``(K,)`` is the
    moving average of how many codes chose each entry per batch.
    """

    def __init__(self, size: int, dim: int, ema: bool, decay: float) -> None:
        super().__init__()
        codebook = torch.empty(size, dim).uniform_(-1 / size, 1 / size)  # the paper's initialisation
        self.ema, self.decay = ema, decay
        if ema:
            self.register_buffer("codebook", codebook)
            self.register_buffer("cluster_size", torch.zeros(size))
            self.register_buffer("code_sum", codebook.clone())
        else:
            self.codebook = nn.Parameter(codebook)
        self.register_buffer("usage", torch.full((size,), 1.0))  # no entry starts dead

    def nearest(self, z: Tensor) -> Tensor:
        """Indices ``(...)`` of the nearest entries to codes ``z`` ``(..., d)`` in Euclidean distance."""
        flat = z.reshape(-1, z.shape[-1])
        distance = flat.square().sum(1, keepdim=True) - 2 * flat @ self.codebook.T + self.codebook.square().sum(1)
        return distance.argmin(1).view(z.shape[:-1])

    def forward(self, z: Tensor, generator: torch.Generator | None = None,
                reset_dead: bool = False) -> tuple[Tensor, Tensor]:
        index = self.nearest(z)
        if self.training:
            self._update(z.detach(), index, generator, reset_dead)
        quantized = self.codebook[index]
        return z + (quantized - z).detach(), index

    @torch.no_grad()
    def _update(self, z: Tensor, index: Tensor, generator: torch.Generator | None, reset_dead: bool) -> None:
        """The moving averages of one training batch, then the reset of dead entries onto random codes of it."""
        flat, index = z.reshape(-1, z.shape[-1]), index.reshape(-1)
        counts = torch.bincount(index, minlength=len(self.codebook)).to(z.dtype)
        self.usage.mul_(USAGE_DECAY).add_(counts, alpha=1 - USAGE_DECAY)
        if self.ema:
            self.cluster_size.mul_(self.decay).add_(counts, alpha=1 - self.decay)
            sums = torch.zeros_like(self.code_sum).index_add_(0, index, flat)
            self.code_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
            n = self.cluster_size.sum()
            smoothed = (self.cluster_size + EMA_EPS) / (n + len(self.codebook) * EMA_EPS) * n
            self.codebook.copy_(self.code_sum / smoothed.unsqueeze(1))
        if reset_dead:
            dead = (self.usage < DEAD_USAGE).nonzero().squeeze(1)
            if len(dead):
                pick = torch.randint(len(flat), (len(dead),), generator=generator, device=flat.device)
                self.codebook.data[dead] = flat[pick]
                self.usage[dead] = 1.0
                if self.ema:
                    self.code_sum[dead], self.cluster_size[dead] = flat[pick], 1.0


def perplexity(index: Tensor, size: int) -> Tensor:
    """exp(entropy) of the share of codes ``index`` (any shape) choosing each of ``size`` entries: the number of
    entries in effective use (1 to ``size``)."""
    p = torch.bincount(index.reshape(-1), minlength=size).float() / index.numel()
    return torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum())


class VQVAENet(nn.Module):
    """encoder ``(N, *shape)`` -> ``(N, M·d)`` -> ``(N, M, d)`` -> quantizer -> decoder -> logits ``(N, *shape)``."""

    def __init__(self, encoder: nn.Module, quantizer: VectorQuantizer, decoder: nn.Module, n_codes: int) -> None:
        super().__init__()
        self.encoder, self.quantizer, self.decoder, self.n_codes = encoder, quantizer, decoder, n_codes

    def codes(self, x: Tensor) -> Tensor:
        """The encoder's continuous codes z_e ``(N, M, d)``."""
        return self.encoder(x).view(len(x), self.n_codes, -1)

    def decode(self, quantized: Tensor) -> Tensor:
        return self.decoder(quantized.flatten(1))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.quantizer(self.codes(x))[0])


class VQVAE(ReconstructionScoring, Transformer, NeuralEstimator):
    """A VQ-VAE: each image becomes ``n_codes`` indices into a codebook of ``codebook_size`` vectors, which is
    n_codes·log2(codebook_size) bits (16 codes of 256: 128 bits).

    Args:
        n_codes: code vectors per image (M). codebook_size: entries in the codebook (K). code_dim: their size (d).
        hidden: the MLP's hidden widths (the decoder mirrors them). arch: ``mlp`` or ``conv`` (seed 004's nets,
            with a linear layer to the M·d code). activation: of the hidden layers.
        beta: the commitment loss's weight. codebook: ``ema`` (moving averages, ``decay``) or ``loss`` (the codebook
            loss, learned by the optimizer). reset_dead: move entries no code chose for ~100 batches onto codes.
        loss: ``bce`` (nats per image) or ``mse``, as for :class:`Autoencoder`.
        The training parameters are those of every genzoo estimator.

    ``transform`` gives the indices ``(N, n_codes)`` (int64); ``inverse_transform`` decodes indices;
    ``codebook_usage(X)`` the perplexity and the dead entries on ``X``.
    """

    capabilities = frozenset({RECONSTRUCT, SCORE, CODEBOOK})
    code_size_param = "n_codes"

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # transform gives int64 indices, whatever the input
        return tags

    def __init__(
        self,
        n_codes: int = 16,
        codebook_size: int = 256,
        code_dim: int = 16,
        hidden: Sequence[int] = (512,),
        arch: str = "mlp",
        activation: str = "relu",
        beta: float = 0.25,
        codebook: str = "ema",
        decay: float = 0.99,
        reset_dead: bool = True,
        loss: str = "bce",
        epochs: int | None = None,
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
        check_int("n_codes", self.n_codes, 1)
        check_int("codebook_size", self.codebook_size, 2)
        check_int("code_dim", self.code_dim, 1)
        check_sizes("hidden", self.hidden)
        check_choice("arch", self.arch, ("mlp", "conv"))
        check_choice("activation", self.activation, tuple(ACTIVATIONS))
        check_float("beta", self.beta, 0.0)
        check_choice("codebook", self.codebook, CODEBOOKS)
        check_float("decay", self.decay, 0.0, 1.0, high_open=True)
        check_choice("reset_dead", self.reset_dead, (False, True))
        check_choice("loss", self.loss, RECONSTRUCTION_LOSSES)

    def _build(self, input_shape: tuple[int, ...]) -> VQVAENet:
        width = self.n_codes * self.code_dim
        if self.arch == "conv":
            encoder = ConvEncoder(input_shape, width, self.activation)
            decoder = ConvDecoder(input_shape, width, self.activation)
        else:
            encoder = MLPEncoder(input_shape, self.hidden, width, self.activation)
            decoder = MLPDecoder(width, list(reversed(self.hidden)), input_shape, self.activation)
        quantizer = VectorQuantizer(self.codebook_size, self.code_dim, self.codebook == "ema", self.decay)
        return VQVAENet(encoder, quantizer, decoder, self.n_codes)

    def _losses(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        """Reconstruction + codebook + β·commitment, per image (squared distances summed over the M·d entries)."""
        net = self.module_
        z = net.codes(x)
        quantized, index = net.quantizer(z, generator, self.reset_dead and net.training)
        recon = reconstruction_loss(net.decode(quantized), x, self.loss).mean()
        entries = net.quantizer.codebook[index]
        commitment = (z - entries.detach()).square().flatten(1).sum(1).mean()
        loss = recon + self.beta * commitment
        if self.codebook == "loss":
            loss = loss + (z.detach() - entries).square().flatten(1).sum(1).mean()
        dead = (net.quantizer.usage < DEAD_USAGE).sum().float()
        return {"loss": loss, "recon": recon, "commitment": commitment,
                "perplexity": perplexity(index, self.codebook_size), "dead_codes": dead}

    # -- scikit-learn surface --------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Codebook indices ``(N, n_codes)``, int64."""
        data = self._images(X)
        return self._map(lambda x: self.module_.quantizer.nearest(self.module_.codes(x)), data)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Decoded images ``(N, *input_shape)`` in [0, 1] of indices ``Z`` ``(N, n_codes)``."""
        self._check_fitted()
        index = np.asarray(Z)
        if (index.ndim != 2 or index.shape[1] != self.n_codes or not np.issubdtype(index.dtype, np.integer)
                or index.min(initial=0) < 0 or index.max(initial=0) >= self.codebook_size):
            raise ConfigError(f"Z must be integer codebook indices in [0, {self.codebook_size}) shaped "
                              f"(N, {self.n_codes}), got {index.dtype} {index.shape}")
        entries = self.module_.quantizer.codebook.detach().cpu()[torch.from_numpy(index.astype(np.int64))]
        return self._map(lambda e: self._squash(self.module_.decode(e)), entries)

    def codebook_usage(self, X: Any) -> dict[str, float]:
        """On images ``X``: the perplexity of the codes chosen (entries in effective use) and how many of the
        ``codebook_size`` entries no code chose (``dead_codes``)."""
        index = torch.from_numpy(self.transform(X))
        used = torch.bincount(index.reshape(-1), minlength=self.codebook_size) > 0
        return {"perplexity": float(perplexity(index, self.codebook_size)), "dead_codes": int((~used).sum())}

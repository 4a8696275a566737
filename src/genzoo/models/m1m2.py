"""M1+M2 (Kingma et al. 2014): the semi-supervised M2 trained on the codes of a VAE (M1) trained on every image.

M1's posterior means are far easier to separate than pixels, and M2 on them is cheap (a 50-number row instead of 784
pixels): Kingma et al. report 97.6% on MNIST with 1,000 labels against M2's 96.4%. M1's encoder and decoder are
copied into the model, frozen (no gradient, inference mode), so a saved M1+M2 classifies, encodes and generates
images on its own: M2's codes decode through M1's decoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from ..errors import ConfigError
from .base import store_params
from .capabilities import CLASSIFY, CONDITION, RECONSTRUCT, SAMPLE
from .classifier import ThroughSource, part_copies, pretrain_parts, saved_spec, source_model
from .m2 import M2
from .vae import VAE, VAENet, decoded_mean


class M1M2(ThroughSource, M2):
    """M2 on the posterior means of a :class:`VAE` (M1), with a Gaussian likelihood of learned per-code σ.

    Args:
        m1: a :class:`VAE` or the path of its run folder (``genzoo train vae ...``). A fitted one is copied; an
            unfitted one is first fitted (a clone of it) on every image of ``fit``, labelled or not, as Kingma et
            al. train M1. scikit-learn's ``clone`` unfits an estimator parameter, so cross-validation fits M1 on
            each fold's training images; ``FrozenEstimator(fitted)`` keeps one M1 for every fold.
        The other parameters are :class:`M2`'s.

    Every method takes and gives images, as :class:`M2`'s do: ``predict``, ``predict_proba`` and ``score``
    (accuracy); ``transform(X, y)`` (M2's z), ``score_samples`` and ``log_likelihood`` (M2's bounds on log p of M1's
    codes, in nats), and ``reconstruct``, ``inverse_transform`` and ``sample(n, y)``, decoded through M1.
    """

    capabilities = frozenset({CONDITION, CLASSIFY, RECONSTRUCT, SAMPLE})
    likelihood, sigma, learn_sigma, binarize = "gaussian", 1.0, "pixel", False

    def __init__(
        self,
        m1: Any = None,
        n_classes: int | None = None,
        alpha: float | None = None,
        labelled_batch: int = 100,
        hidden: Sequence[int] = (500,),
        latent_dim: int = 50,
        activation: str = "relu",
        epochs: int = 10,
        batch_size: int = 100,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        if self.m1 is None:
            raise ConfigError("M1M2 needs m1=: a VAE (fitted, or to be fitted on X first) or the path of its run "
                              "folder (genzoo train vae ...)")

    def _saved_params(self) -> dict[str, Any]:
        return {**super()._saved_params(), "m1": saved_spec(self.m1)}

    def _source(self) -> VAE:
        """M1 as ``m1`` names it (for what its parameters answer: its input range, its decoder's mean); the images go
        into M1, M2 sees M1's codes."""
        return source_model(self.m1, "m1", VAE)

    def _build(self, input_shape: tuple[int, ...]) -> VAENet:
        self.m1_likelihood_ = self._source().likelihood  # what M1's decoder outputs: read once, not per batch
        encoder, decoder = (m.requires_grad_(False) for m in part_copies(self.m1, ("encoder", "decoder"), "m1", VAE,
                                                                            input_shape))
        with torch.no_grad():
            width = encoder(torch.zeros(1, *input_shape)).shape[1] // 2  # the encoder gives (μ, log σ²)
        net = super()._build((width,))
        net.add_module("m1", encoder)
        net.add_module("m1_decoder", decoder)
        return net

    def _before_training(self, data: Tensor, resuming: bool, quiet: bool) -> None:
        if not resuming:
            pretrain_parts(self.m1, {"encoder": self.module_.m1, "decoder": self.module_.m1_decoder}, data, quiet,
                           "m1", VAE)
        super()._before_training(data, resuming, quiet)

    def _codes(self, x: Tensor) -> Tensor:
        """M1's posterior means ``(B, d)`` of images ``x``."""
        m1 = self.module_.m1.eval()
        with torch.no_grad():
            return m1(x).chunk(2, dim=1)[0]

    def _images(self, X: Any, name: str = "X") -> Tensor:
        """M1's codes ``(N, d)`` of images ``X``: what M2's every method reads (q(y|x), q(z|x, y), the bounds)."""
        return torch.from_numpy(self._map(self._codes, super()._images(X, name)))

    def _mean(self, out: Tensor) -> Tensor:
        """Images ``(B, *input_shape)``: M1's decoded mean of M2's mean code ``out`` ``(B, d)``."""
        return decoded_mean(self.module_.m1_decoder(out), self.m1_likelihood_, self.unit_data_)  # its images

    def _draw_labelled(self, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        x, y = super()._draw_labelled(generator)
        return self._codes(x), y

    def _m2_losses(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return super()._m2_losses(self._codes(x), generator)

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return super().eval_step(self._codes(x), generator)

"""The generative adversarial network of Goodfellow et al. 2014 (seeds 000 and 003), Algorithm 1.

Each engine step is one discriminator update on a real minibatch and a noise minibatch; every
``d_steps``-th step is followed by one generator update on a fresh noise minibatch. D ascends
log D(x) + log(1 − D(G(z))); G descends log(1 − D(G(z))) (``minimax``) or −log D(G(z)) (``non-saturating``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.step import Optimizers, Progress, Update
from ..nets import InfoGANDecoder, MLPDecoder
from ..validation import as_codes, check_choice, check_int, check_sizes
from .adversarial import (
    ARCHS,
    OUTPUTS,
    DiscriminatorMixin,
    build_discriminator,
    d_report,
    discriminator_loss,
    generator_loss,
    init_gan_weights,
    squash,
)
from .base import NeuralEstimator, make_optimizer, store_params
from .capabilities import DISCRIMINATE, SAMPLE

NOISES = ("normal", "uniform")
G_LOSSES = ("non-saturating", "minimax")


class GANNet(nn.Module):
    """``generator``: noise ``(N, noise_dim)`` -> raw output ``(N, *shape)``;
    ``discriminator``: ``(N, *shape)`` -> logits ``(N, 1)``."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, output: str) -> None:
        super().__init__()
        self.generator, self.discriminator, self.output = generator, discriminator, output

    def generate(self, z: Tensor) -> Tensor:
        """Samples ``(N, *shape)`` in data space from noise ``z``."""
        return squash(self.generator(z), self.output)

    def forward(self, z: Tensor) -> Tensor:
        return self.generate(z)


class GAN(DiscriminatorMixin, NeuralEstimator):
    """A GAN: an MLP pair for images or any real-valued rows ``(N, D)``, or the infoGAN-like conv pair.

    Args:
        arch: ``mlp`` or ``conv`` (D: conv64 4×4 s2 → LeakyReLU → conv128 4×4 s2 + BN → FC1024 + BN → 1;
            G: FC1024 + BN → FC 128·H/4·W/4 + BN → deconv64 4×4 s2 + BN → deconv C 4×4 s2).
        hidden: the MLP generator's hidden widths (the discriminator uses them reversed).
        noise_dim: the size of z. noise: ``normal`` N(0, I) or ``uniform`` U(−1, 1).
        g_loss: ``non-saturating`` (−log D(G(z))) or ``minimax`` (log(1 − D(G(z)))).
        d_steps: discriminator updates per generator update (k of Algorithm 1).
        output: ``auto`` (sigmoid for images in [0, 1], linear for other real data), ``sigmoid`` or ``linear``.
        optimizer: ``adam`` (β1 = 0.5) or ``sgd`` (momentum 0.9, as in the paper), the same for G and D.
        The other training parameters are those of every genzoo estimator; no validation split by default.

    ``sample(n)`` draws images; ``discriminate(X)`` gives D's probability that each row is real.
    """

    capabilities = frozenset({SAMPLE, DISCRIMINATE})
    code_size_param = "noise_dim"

    def __init__(
        self,
        arch: str = "mlp",
        hidden: Sequence[int] = (256, 256),
        noise_dim: int = 64,
        noise: str = "normal",
        g_loss: str = "non-saturating",
        d_steps: int = 1,
        output: str = "auto",
        epochs: int = 25,
        batch_size: int = 64,
        lr: float = 2e-4,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        check_choice("arch", self.arch, ARCHS)
        check_sizes("hidden", self.hidden)
        check_int("noise_dim", self.noise_dim, 1)
        check_choice("noise", self.noise, NOISES)
        check_choice("g_loss", self.g_loss, G_LOSSES)
        check_int("d_steps", self.d_steps, 1)
        check_choice("output", self.output, OUTPUTS)

    def _build(self, input_shape: tuple[int, ...]) -> GANNet:
        if self.arch == "conv":
            generator = InfoGANDecoder(self.noise_dim, input_shape)
        else:
            generator = MLPDecoder(self.noise_dim, self.hidden, input_shape)
        net = GANNet(generator, build_discriminator(self.arch, input_shape, list(reversed(self.hidden))), self.output_)
        if self.arch == "conv":
            init_gan_weights(net)
        return net

    # -- the engine's objective ------------------------------------------------------------------
    def modules(self) -> dict[str, nn.Module]:
        """D and G, each stepped by its own optimizer (and, under torchrun, replicated apart)."""
        return {"discriminator": self.module_.discriminator, "generator": self.module_.generator}

    def make_optimizers(self) -> Optimizers:
        def make(module: nn.Module) -> torch.optim.Optimizer:
            return make_optimizer(module.parameters(), self.optimizer, self.lr, self.weight_decay, betas=(0.5, 0.999))

        return {"discriminator": make(self.module_.discriminator), "generator": make(self.module_.generator)}

    def _noise(self, n: int, generator: torch.Generator, device: torch.device) -> Tensor:
        if self.noise == "uniform":
            return torch.rand(n, self.noise_dim, generator=generator, device=device).mul_(2).sub_(1)
        return torch.randn(n, self.noise_dim, generator=generator, device=device)

    def train_step(self, x: Tensor, generator: torch.Generator, progress: Progress) -> list[Update]:
        """D's update on the real batch against fresh fakes (G frozen); on every ``d_steps``-th step, then G's update
        on fresh noise against the D just updated (D frozen)."""
        net = self.module_

        def d_losses() -> dict[str, Tensor]:
            fake = net.generate(self._noise(len(x), generator, x.device))
            real_logits, fake_logits = net.discriminator(x), net.discriminator(fake)
            return d_report(discriminator_loss(real_logits, fake_logits), real_logits, fake_logits)

        def g_losses() -> dict[str, Tensor]:
            fake = net.generate(self._noise(len(x), generator, x.device))
            return {"g_loss": generator_loss(net.discriminator(fake), self.g_loss)}

        updates = [Update("discriminator", d_losses, minimise="d_loss")]
        if (progress.step + 1) % self.d_steps == 0:
            updates.append(Update("generator", g_losses, minimise="g_loss"))
        return updates

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        """D's report and G's loss against the same fakes."""
        net = self.module_
        real_logits = net.discriminator(x)
        fake_logits = net.discriminator(net.generate(self._noise(len(x), generator, x.device)))
        return {**d_report(discriminator_loss(real_logits, fake_logits), real_logits, fake_logits),
                "g_loss": generator_loss(fake_logits, self.g_loss)}

    def epoch_warnings(self, record: dict[str, float]) -> list[str]:
        """A sign of divergence or collapse: D tells real from fake almost perfectly, so G learns little."""
        if record["train_d_real"] > 0.99 and record["train_d_fake"] < 0.01:
            return [f"the discriminator wins outright (mean D(x) {record['train_d_real']:.3f}, D(G(z)) "
                    f"{record['train_d_fake']:.3f}): the generator gets little signal and may be diverging or "
                    "collapsed; try a lower learning rate, d_steps=1 or g_loss='non-saturating'"]
        return []

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        tensors.pop("module.d_updates", None)  # a counter saved by genzoo 0.1 before the engine counted steps
        super()._restore(facts, tensors)

    # -- using the model -------------------------------------------------------------------------
    def generate(self, Z: Any) -> np.ndarray:
        """G's output ``(N, *input_shape)`` for noise ``Z`` ``(N, noise_dim)``."""
        self._check_fitted()
        return self._map(self.module_.generate, as_codes(Z, self.noise_dim))

    def sample(self, n: int, random_state: int | None = None) -> np.ndarray:
        """``n`` samples ``(n, *input_shape)`` from G (images in [0, 1], or real-valued rows)."""
        self._check_fitted()
        check_int("n", n, 1)
        z = self._noise(n, self._generator(random_state), self._device())
        return self.generate(z.cpu())

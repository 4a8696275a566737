"""Generation with a discriminator alone (seed 003): x* = argmax_x D(x), found by gradient ascent.

With no generator, D needs negatives. Each training step is one round of the notes' algorithm: draw
noise, climb D from it (x ← x + η ∇ₓ logit D(x), ``ascent_steps`` times, kept inside the data's range)
to get the negatives D currently likes best, then update D to score the real minibatch high and those
negatives low. Sampling is the same climb from fresh noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.step import Optimizers, Progress, Update
from ..validation import check_choice, check_float, check_int, check_sizes
from .adversarial import ARCHS, OUTPUTS, DiscriminatorMixin, build_discriminator, d_report, discriminator_loss
from .base import NeuralEstimator, make_optimizer, store_params
from .capabilities import DISCRIMINATE, SAMPLE


class DGenNet(nn.Module):
    """``discriminator`` ``(N, *shape)`` -> logits ``(N, 1)``, and the box ``[low, high]`` ``(*shape)`` that
    negatives start in and stay in ([0, 1] for images; the data's range, widened by 10%, for real rows)."""

    def __init__(self, discriminator: nn.Module, low: Tensor, high: Tensor) -> None:
        super().__init__()
        self.discriminator = discriminator
        self.register_buffer("low", low)
        self.register_buffer("high", high)


class DiscriminatorGenerator(DiscriminatorMixin, NeuralEstimator):
    """Discriminator-only generation: a D trained against negatives it produces itself by gradient ascent.

    Args:
        arch: ``mlp`` or ``conv`` (the infoGAN-like discriminator). hidden: the MLP's widths.
        ascent_steps: gradient-ascent steps per negative (T). step_size: η.
        ascent_noise: standard deviation of Gaussian noise added at each ascent step (0: plain ascent).
        output: ``auto`` (images in [0, 1] or real-valued rows), ``sigmoid`` or ``linear``, as for :class:`GAN`.
        The training parameters are those of every genzoo estimator; ``epochs`` counts passes over the data.

    ``sample(n)`` climbs D from ``n`` noise draws; ``discriminate(X)`` gives D's probabilities.
    """

    capabilities = frozenset({SAMPLE, DISCRIMINATE})
    code_size_param = None

    def __init__(
        self,
        arch: str = "mlp",
        hidden: Sequence[int] = (256, 256),
        ascent_steps: int = 20,
        step_size: float = 0.05,
        ascent_noise: float = 0.0,
        output: str = "auto",
        epochs: int = 10,
        batch_size: int = 64,
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
        check_choice("arch", self.arch, ARCHS)
        check_sizes("hidden", self.hidden)
        check_int("ascent_steps", self.ascent_steps, 0)
        check_float("step_size", self.step_size, 0.0, low_open=True)
        check_float("ascent_noise", self.ascent_noise, 0.0)
        check_choice("output", self.output, OUTPUTS)

    def _fit_data(self, X: Any) -> Tensor:
        data = super()._fit_data(X)
        if self.output_ == "sigmoid":
            self._box = (torch.zeros(data.shape[1:]), torch.ones(data.shape[1:]))
        else:
            lo, hi = data.amin(0), data.amax(0)
            self._box = (lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        return data

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self._box = (tensors["module.low"], tensors["module.high"])
        super()._restore(facts, tensors)

    def _build(self, input_shape: tuple[int, ...]) -> DGenNet:
        return DGenNet(build_discriminator(self.arch, input_shape, self.hidden), *self._box)

    def make_optimizers(self) -> Optimizers:
        return {"main": make_optimizer(self.module_.discriminator.parameters(), self.optimizer, self.lr,
                                       self.weight_decay, betas=(0.5, 0.999))}

    # -- negatives by gradient ascent ------------------------------------------------------------
    def _climb(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` points ``(n, *shape)``: uniform noise in the box, then ``ascent_steps`` steps up D's logit."""
        net = self.module_
        low, high = net.low, net.high
        x = low + (high - low) * torch.rand((n, *low.shape), generator=generator, device=low.device)
        net.discriminator.requires_grad_(False)
        try:
            with torch.enable_grad():
                for _ in range(self.ascent_steps):
                    x.requires_grad_(True)
                    (grad,) = torch.autograd.grad(net.discriminator(x).sum(), x)
                    x = x.detach() + self.step_size * grad
                    if self.ascent_noise:
                        x += self.ascent_noise * torch.randn(x.shape, generator=generator, device=x.device)
                    x = torch.clamp(x, low, high)
        finally:
            net.discriminator.requires_grad_(True)
        return x.detach()

    def _losses(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        """D's loss on the real batch against negatives climbed from fresh noise (the climb steps only x)."""
        negatives = self._climb(len(x), generator)
        real_logits, fake_logits = self.module_.discriminator(x), self.module_.discriminator(negatives)
        return d_report(discriminator_loss(real_logits, fake_logits), real_logits, fake_logits)

    def train_step(self, x: Tensor, generator: torch.Generator, progress: Progress) -> list[Update]:
        return [Update("main", lambda: self._losses(x, generator), minimise="d_loss")]

    # -- using the model -------------------------------------------------------------------------
    def sample_gradient(self, X: Any) -> np.ndarray:
        """The direction sampling climbs at each row of ``X``: ∇ₓ of D's logit, ``(N, *input_shape)``."""
        data = self._images(X)

        def climb(x: Tensor) -> Tensor:
            with torch.inference_mode(False), torch.enable_grad():  # _map runs under inference mode
                x = x.clone().requires_grad_(True)
                (grad,) = torch.autograd.grad(self.module_.discriminator(x).sum(), x)
            return grad

        return self._map(climb, data)

    def sample(self, n: int, random_state: int | None = None) -> np.ndarray:
        """``n`` samples ``(n, *input_shape)``: noise climbed up D's logit, as in training."""
        self._check_fitted()
        check_int("n", n, 1)
        gen = self._generator(random_state)
        self.module_.eval()
        return torch.cat([self._climb(min(1024, n - i), gen).cpu() for i in range(0, n, 1024)]).numpy()

"""The toy-GAN lab: seed 003's theory to play with. A GAN (or the discriminator-only generator) on 2-D toy data,
trained one engine step at a time from the page, with what the notes draw: the data, the samples, D's contours,
the arrows along which training moves each sample, and the mode coverage as the GAN literature counts it.

Each step is the engine's own (``engine.Stepper``), so a lab step is exactly a step of ``genzoo train``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import torch

from ..data.toy import TOY_NAMES, toy, toy_modes, toy_std
from ..engine.step import Progress, Stepper
from ..errors import ConfigError
from ..metrics.modes import mode_coverage
from ..models import GAN, DiscriminatorGenerator
from ..models.gan_losses import G_LOSSES

MODELS = ("gan", "dgen")
GRID = 40  # D's contours: a GRID × GRID raster over the view
SHOWN = 500  # samples drawn, from the same noise at every step (so one sees them move)
ARROWS = 200  # samples that carry an arrow


class ToyLab:
    """One lab: its data, model, optimizers and step count. ``lock`` serialises the page's requests to it.

    Args:
        data: ``ring8``, ``grid25`` or ``moons``. model: ``gan`` or ``dgen`` (seed 003's generator-free one).
        g_loss: the GAN's ``non-saturating`` or ``minimax`` generator loss. d_steps: D updates per G update.
        seed: the data's, the weights' and the noise's seed.
    """

    def __init__(self, data: str = "ring8", model: str = "gan", g_loss: str = "non-saturating", d_steps: int = 1,
                 seed: int = 0) -> None:
        if data not in TOY_NAMES:
            raise ConfigError(f"data {data!r}: use one of {', '.join(TOY_NAMES)}")
        if model not in MODELS:
            raise ConfigError(f"model {model!r}: use one of {', '.join(MODELS)}")
        self.data, self.model = data, model
        self.x = toy(data, 5000, random_state=seed)
        params = {"epochs": 0, "random_state": seed, "device": "cpu"}
        self.estimator = GAN(**params) if model == "gan" else DiscriminatorGenerator(**params)
        self.configure(g_loss, d_steps)
        self.estimator.fit(self.x)  # builds the nets; no epoch runs
        self.stepper = Stepper(self.estimator, self.estimator.make_optimizers())
        self.draws = torch.Generator().manual_seed(seed)
        self.steps = 0
        self.lock = threading.Lock()
        half = float(np.abs(self.x).max()) * 1.25
        self.extent = [-half, -half, half, half]

    def configure(self, g_loss: str, d_steps: int) -> None:
        """Switch G's loss or D's steps per G step, between steps."""
        if g_loss not in G_LOSSES:
            raise ConfigError(f"g_loss {g_loss!r}: use one of {', '.join(G_LOSSES)}")
        if isinstance(d_steps, bool) or not isinstance(d_steps, int) or not 1 <= d_steps <= 10:
            raise ConfigError(f"d_steps {d_steps!r}: use a whole number from 1 to 10")
        self.g_loss, self.d_steps = g_loss, d_steps
        if self.model == "gan":
            self.estimator.set_params(g_loss=g_loss, d_steps=d_steps)

    def step(self, n: int) -> None:
        """``n`` engine steps, each on a fresh random batch of the data."""
        e = self.estimator
        data = torch.from_numpy(self.x)
        for module in e.modules().values():
            module.train()
        for _ in range(n):
            batch = data[torch.randint(len(data), (e.batch_size,), generator=self.draws)]
            self.stepper.step(batch, self.draws, Progress(self.steps, self.steps * e.batch_size / len(data)))
            self.steps += 1
        for module in e.modules().values():
            module.eval()

    def state(self, arrows: bool = False) -> dict[str, Any]:
        """What the page draws: data, samples (and arrows), D on a raster over the view, and the coverage."""
        e = self.estimator
        samples = e.sample(SHOWN, random_state=0)
        x0, y0, x1, y1 = self.extent
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID))  # row 0 at the top
        d = e.discriminate(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)).reshape(GRID, GRID)
        state = {"steps": self.steps, "data": self.data, "model": self.model, "extent": self.extent,
                 "real": self.x[:SHOWN].round(3).tolist(), "samples": samples.round(3).tolist(),
                 "d": d.round(4).tolist(), "d_range": [float(d.min()), float(d.max())],
                 "g_loss": self.g_loss, "d_steps": self.d_steps}
        if arrows:
            state["arrows"] = e.sample_gradient(samples[:ARROWS]).round(4).tolist()
        if self.data in ("ring8", "grid25"):
            coverage = mode_coverage(samples, toy_modes(self.data), toy_std(self.data))
            state["coverage"] = {"modes_covered": coverage["modes_covered"], "modes": coverage["modes"],
                                 "high_quality": round(coverage["high_quality"], 4)}
        return state

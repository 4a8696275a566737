"""The GAN paper's theory, made visible on 2-D data (seed 003, SPEC §2).

For a fixed generator with density p_G, the best discriminator is D* = p_data / (p_data + p_G), and
V(G, D*) = 2·JS(p_data ‖ p_G) − 2 log 2. On a 2-D grid both sides can be integrated numerically and
set beside a discriminator actually trained on samples (``fit_discriminator``). ``saturation`` shows why
the minimax generator loss log(1 − D(G(z))) gives G almost no gradient when D rejects its samples.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from .models.adversarial import build_discriminator, discriminator_loss, generator_loss
from .models.gan import GAN
from .validation import as_images, check_int

EPS = 1e-12


def grid(lim: float = 4.0, n: int = 200) -> tuple[np.ndarray, float]:
    """The centres ``(n·n, 2)`` of an n×n grid of cells over [−lim, lim]², and one cell's area."""
    step = 2 * lim / n
    c = -lim + step * (np.arange(n) + 0.5)
    return np.stack(np.meshgrid(c, c), -1).reshape(-1, 2), step * step


def optimal_discriminator(p_data: np.ndarray, p_model: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_G(x)) (½ where both densities vanish)."""
    total = p_data + p_model
    return np.where(total > EPS, p_data / np.maximum(total, EPS), 0.5)


def value(p_data: np.ndarray, p_model: np.ndarray, d: np.ndarray, cell_area: float) -> float:
    """V(G, D) = ∫ p_data log D + p_G log(1 − D) dx, as a sum over grid cells (nats)."""
    d = np.clip(d, EPS, 1 - EPS)
    return float(((p_data * np.log(d) + p_model * np.log1p(-d)) * cell_area).sum())


def jensen_shannon(p: np.ndarray, q: np.ndarray, cell_area: float) -> float:
    """JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, from densities on grid cells (nats, ≤ log 2)."""
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        mask = a > EPS
        return float((a[mask] * np.log(a[mask] / m[mask]) * cell_area).sum())

    return 0.5 * kl(p) + 0.5 * kl(q)


def fit_discriminator(real: np.ndarray, fake: np.ndarray, hidden: Sequence[int] = (64, 64), steps: int = 1000,
                      lr: float = 3e-3, random_state: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """Train an MLP discriminator on rows ``real`` ``(N, D)`` against ``fake`` ``(M, D)`` (full-batch Adam).

    Returns D as a function from rows ``(K, D)`` to probabilities ``(K,)`` that a row is real.
    """
    check_int("steps", steps, 1)
    r = as_images(real, "real", unit_range=False)
    f = as_images(fake, "fake", r.shape[1:], unit_range=False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(random_state)
        d = build_discriminator("mlp", r.shape[1:], hidden)
    opt = torch.optim.Adam(d.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        discriminator_loss(d(r), d(f)).backward()
        opt.step()
    d.eval()

    def probability(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return d(torch.as_tensor(np.asarray(x, np.float32))).sigmoid().squeeze(1).numpy()

    return probability


def saturation(gan: GAN, X: np.ndarray, d_steps: int = 200, n: int = 512, random_state: int = 0) -> dict[str, float]:
    """How much gradient each generator loss gives G once D has learnt to reject G's samples.

    On a copy of fitted ``gan``, D is trained ``d_steps`` full-batch steps on ``X`` against the fixed G
    (the start of training, in the notes' picture); then the norm of ∇θ_G of the ``minimax`` loss
    log(1 − D(G(z))) and of the ``non-saturating`` loss −log D(G(z)) over ``n`` noise draws.
    """
    gan._check_fitted()
    net = copy.deepcopy(gan.module_).cpu().train()
    x = gan._images(X).float()
    gen = torch.Generator().manual_seed(random_state)
    opt = torch.optim.Adam(net.discriminator.parameters(), lr=gan.learning_rate(), betas=(0.5, 0.999))
    for _ in range(d_steps):
        with torch.no_grad():
            fake = net.generate(gan._noise(len(x), gen, x.device))
        opt.zero_grad(set_to_none=True)
        discriminator_loss(net.discriminator(net.d_input(x)), net.discriminator(net.d_input(fake))).backward()
        opt.step()
    z = gan._noise(n, gen, x.device)
    result = {}
    for kind in ("minimax", "non-saturating"):
        net.zero_grad(set_to_none=True)
        logits = net.discriminator(net.d_input(net.generate(z)))  # what D sees: with minibatch_std, the batch's spread
        generator_loss(logits, kind).backward()
        grads = [p.grad.square().sum() for p in net.generator.parameters() if p.grad is not None]
        result[kind] = math.sqrt(float(sum(grads)))
        result["d_fake"] = float(logits.detach().sigmoid().mean())
    return result

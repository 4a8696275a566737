"""The adversarial losses of the GAN family, written on D's raw output per (packed) row ``(B,)``.

=========== ======================================== ======================================= ====================
loss        D's loss                                 G's loss                                D's output means
=========== ======================================== ======================================= ====================
gan, dragan softplus(−r) + softplus(f)               softplus(−f) (or −softplus(f), minimax) a logit: P(real) =
                                                                                                 sigmoid
lsgan       ½(r − 1)² + ½f²                          ½(f − 1)²                               a score, 1 = real
wgan,       f − r                                    −f                                      a critic value,
wgan-gp                                                                                      higher = more real
ebgan       e_r + max(0, m − e_f)                    e_f (+ the pulling-away term)           an energy: D's mean
                                                                                                 squared error
began       e_r − k_t e_f                            e_f                                     an energy: D's mean
                                                                                                 absolute error
=========== ======================================== ======================================= ====================

r, f: D's output on real and fake rows, each term a mean over the batch; e: the energy of an autoencoder D.
The penalties (WGAN-GP, DRAGAN) and BEGAN's equilibrium are here too, so that each is one function, testable on
fixed inputs against its closed form.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LOSSES = ("gan", "lsgan", "wgan", "wgan-gp", "dragan", "ebgan", "began")
ENERGY_LOSSES = ("ebgan", "began")  # D is an autoencoder
PENALISED = ("wgan-gp", "dragan")  # a gradient penalty on D
G_LOSSES = ("non-saturating", "minimax")

# what D's output is, in words, for warnings, the docs and ``discriminate``
MEANING = {
    "gan": "probability", "dragan": "probability", "lsgan": "score", "wgan": "critic", "wgan-gp": "critic",
    "ebgan": "energy", "began": "energy",
}


def d_loss(loss: str, real: Tensor, fake: Tensor, margin: float = 1.0, k: Tensor | float = 0.0) -> Tensor:
    """D's loss (minimised) from its outputs on real rows ``(B,)`` and fake rows ``(B,)``; ``margin``: EBGAN's m;
    ``k``: BEGAN's k_t."""
    if loss in ("gan", "dragan"):
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    if loss == "lsgan":
        return 0.5 * (real - 1).square().mean() + 0.5 * fake.square().mean()
    if loss in ("wgan", "wgan-gp"):
        return fake.mean() - real.mean()
    if loss == "ebgan":
        return real.mean() + F.relu(margin - fake).mean()
    if loss == "began":
        return real.mean() - k * fake.mean()
    raise ValueError(f"unknown loss {loss!r}")


def g_loss(loss: str, fake: Tensor, kind: str = "non-saturating") -> Tensor:
    """G's loss (minimised) from D's output on its samples ``(B,)``; ``kind`` chooses the GAN's generator loss:
    ``minimax`` mean log(1 − D(G(z))), which saturates when D rejects, or ``non-saturating`` −mean log D(G(z))."""
    if loss in ("gan", "dragan"):
        return -F.softplus(fake).mean() if kind == "minimax" else F.softplus(-fake).mean()
    if loss == "lsgan":
        return 0.5 * (fake - 1).square().mean()
    if loss in ("wgan", "wgan-gp"):
        return -fake.mean()
    if loss in ENERGY_LOSSES:
        return fake.mean()
    raise ValueError(f"unknown loss {loss!r}")


def gradient_penalty(critic: nn.Module, points: Tensor) -> Tensor:
    """mean (‖∇ₓ D(x̂)‖₂ − 1)² over rows ``points`` ``(B, ...)``, differentiable in D's weights (create_graph)."""
    points = points.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(points).sum(), points, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


def interpolates(real: Tensor, fake: Tensor, generator: torch.Generator) -> Tensor:
    """WGAN-GP's points: x̂ = α x + (1 − α) x̃ with α ~ U(0, 1) drawn per row."""
    alpha = torch.rand((len(real),) + (1,) * (real.ndim - 1), generator=generator, device=real.device)
    return alpha * real + (1 - alpha) * fake.detach()


def perturbed(real: Tensor, generator: torch.Generator) -> Tensor:
    """DRAGAN's points around the data: x + α·δ with δ = 0.5·std(x)·U(0, 1) per element and α ~ U(0, 1) per row."""
    delta = 0.5 * real.std() * torch.rand(real.shape, generator=generator, device=real.device)
    alpha = torch.rand((len(real),) + (1,) * (real.ndim - 1), generator=generator, device=real.device)
    return real + alpha * delta


def pulling_away(codes: Tensor) -> Tensor:
    """EBGAN's pulling-away term on D's codes of the fakes ``(B, H)``: the mean squared cosine similarity of
    distinct pairs, 1/(B(B − 1)) Σ_{i≠j} (sᵢ·sⱼ / ‖sᵢ‖‖sⱼ‖)². Small when the fakes' codes point different ways."""
    s = F.normalize(codes.flatten(1), dim=1)
    cos2 = (s @ s.T).square()
    n = len(s)
    return (cos2.sum() - cos2.diagonal().sum()) / max(n * (n - 1), 1)


def began_update(k: Tensor, real_energy: Tensor, fake_energy: Tensor, gamma: float,
                 lambda_k: float) -> tuple[Tensor, Tensor]:
    """BEGAN's equilibrium: k_{t+1} = clip(k_t + λ_k (γ L(x) − L(G(z))), 0, 1), and the convergence measure
    M_global = L(x) + |γ L(x) − L(G(z))|, from the step's mean energies (0-d tensors)."""
    balance = gamma * real_energy.detach() - fake_energy.detach()
    return (k + lambda_k * balance).clamp(0.0, 1.0), real_energy.detach() + balance.abs()


def mutual_information_loss(category_logits: Tensor, category: Tensor, continuous_pred: Tensor | None = None,
                            continuous: Tensor | None = None, continuous_weight: float = 1.0) -> Tensor:
    """infoGAN's −L_I up to the constant H(c): the cross-entropy of Q's category logits ``(B, K)`` against the
    category drawn ``(B,)``, plus ``continuous_weight`` × the mean squared error of Q's continuous codes ``(B, L)``
    (a fixed-variance Gaussian Q, as in the generative-model collections)."""
    loss = F.cross_entropy(category_logits, category)
    if continuous is not None and continuous.shape[1]:
        loss = loss + continuous_weight * F.mse_loss(continuous_pred, continuous)
    return loss

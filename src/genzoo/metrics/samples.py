"""How good a set of samples is, measured on features (a domain classifier's) or on pixels.

Fréchet distance (Heusel et al. 2017), KID (Bińkowski et al. 2018, unbiased, with its spread over
subsets), precision and recall on k-NN manifolds (Kynkäänniemi et al. 2019), and the Parzen-window
log-likelihood of the GAN paper: a weak estimate, reported because the literature does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..validation import as_images, check_float, check_int

CHUNK = 2048  # rows per block of pairwise distances


def as_rows(x: Any, name: str) -> torch.Tensor:
    """Images or codes as float64 rows ``(N, D)``; uint8 images scaled to [0, 1]."""
    t = as_images(x, name, unit_range=False)
    return t.flatten(1).double() if t.dtype != torch.uint8 else t.flatten(1).double() / 255.0


def frechet_distance(real: Any, fake: Any) -> float:
    """‖μ_r − μ_f‖² + Tr(Σ_r + Σ_f − 2(Σ_r Σ_f)^½) between Gaussians fitted to features ``(N, D)`` and ``(M, D)``."""
    a, b = as_rows(real, "real").numpy(), as_rows(fake, "fake").numpy()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    vals, vecs = np.linalg.eigh(cov_a)
    root_a = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    # Tr((Σa Σb)^½) = Σ sqrt(eig(Σa^½ Σb Σa^½)), a symmetric positive semi-definite matrix
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


def kernel_inception_distance(real: Any, fake: Any, subsets: int = 100, subset_size: int = 1000,
                              random_state: int = 0) -> tuple[float, float]:
    """Unbiased MMD² with the kernel k(x, y) = (xᵀy / D + 1)³, averaged over random subsets; (mean, std)."""
    check_int("subsets", subsets, 1)
    check_int("subset_size", subset_size, 2)
    a, b = as_rows(real, "real"), as_rows(fake, "fake")
    m = min(subset_size, len(a), len(b))
    d = a.shape[1]
    gen = torch.Generator().manual_seed(random_state)
    values = []
    for _ in range(subsets):
        x = a[torch.randperm(len(a), generator=gen)[:m]]
        y = b[torch.randperm(len(b), generator=gen)[:m]]
        kxx, kyy, kxy = ((x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3)
        off = (kxx.sum() - kxx.diagonal().sum() + kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
        values.append(float(off - 2 * kxy.mean()))
    return float(np.mean(values)), float(np.std(values))


def _kth_neighbour_radius(x: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row to its k-th nearest other row ``(N,)``."""
    radii = []
    for start in range(0, len(x), CHUNK):
        dist = torch.cdist(x[start : start + CHUNK], x)
        radii.append(dist.kthvalue(k + 1, dim=1).values)  # the 1st is the row itself, at distance 0
    return torch.cat(radii)


def _inside(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Whether each point lies in any ball (centre, radius), ``(N,)`` bool."""
    out = []
    for start in range(0, len(points), CHUNK):
        out.append((torch.cdist(points[start : start + CHUNK], centres) <= radii[None]).any(1))
    return torch.cat(out)


def precision_recall(real: Any, fake: Any, k: int = 3) -> dict[str, float]:
    """Kynkäänniemi et al. 2019: each set's manifold is the union of balls reaching every row's k-th neighbour;
    precision = share of fake rows inside the real manifold, recall = share of real rows inside the fake one."""
    check_int("k", k, 1)
    a, b = as_rows(real, "real"), as_rows(fake, "fake")
    if min(len(a), len(b)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} rows in each set")
    return {"precision": float(_inside(b, a, _kth_neighbour_radius(a, k)).double().mean()),
            "recall": float(_inside(a, b, _kth_neighbour_radius(b, k)).double().mean())}


def parzen_log_likelihood(samples: Any, test: Any, sigma: float) -> np.ndarray:
    """log p(x) ``(N,)`` in nats of each test row under a Gaussian Parzen window of width ``sigma`` on ``samples``:
    log (1/n) Σ_i N(x; s_i, σ²I). Images are compared as pixels in [0, 1]."""
    check_float("sigma", sigma, 0.0, low_open=True)
    s, x = as_rows(samples, "samples"), as_rows(test, "test")
    d = s.shape[1]
    const = -math.log(len(s)) - 0.5 * d * math.log(2 * math.pi * sigma**2)
    s_sq = s.square().sum(1)
    out = []
    for start in range(0, len(x), CHUNK // 4):
        xb = x[start : start + CHUNK // 4]
        sq = xb.square().sum(1, keepdim=True) - 2 * xb @ s.T + s_sq[None]
        out.append(torch.logsumexp(-sq.clamp_min(0) / (2 * sigma**2), dim=1) + const)
    return torch.cat(out).numpy()


def parzen_estimate(samples: Any, test: Any, sigmas: Sequence[float] | None = None) -> dict[str, float]:
    """The GAN paper's Parzen-window log-likelihood, with σ chosen on images that are not scored: σ on the test
    split's even rows (``parzen_bandwidth``), the mean log-likelihood in nats on its odd rows. Neither half was
    trained on (the model saw the train split), and the half that is scored did not choose σ.

    Returns ``parzen_sigma``, ``parzen_log_likelihood`` (mean over the odd rows) and ``parzen_n`` (how many)."""
    x = as_rows(test, "test")
    if len(x) < 2:
        raise ValueError("the Parzen estimate needs at least 2 test rows: one half chooses σ, the other is scored")
    sigma = parzen_bandwidth(samples, x[0::2], sigmas)
    scored = x[1::2]
    return {"parzen_sigma": sigma, "parzen_log_likelihood": float(parzen_log_likelihood(samples, scored, sigma).mean()),
            "parzen_n": len(scored)}


def parzen_bandwidth(samples: Any, validation: Any, sigmas: Sequence[float] | None = None) -> float:
    """The σ (from ``sigmas``, by default 20 values from 0.01 to 1) that gives ``validation`` the highest mean
    Parzen log-likelihood, as in Goodfellow et al. 2014."""
    sigmas = np.logspace(-2, 0, 20) if sigmas is None else sigmas
    scores = [parzen_log_likelihood(samples, validation, float(s)).mean() for s in sigmas]
    return float(sigmas[int(np.argmax(scores))])

"""Toy 2-D data on which a GAN trains in seconds and can be looked at whole.

``ring8``: 8 Gaussians on a circle of radius 2 (σ = 0.02); ``grid25``: a 5×5 grid of Gaussians at
−4, −2, …, 4 (σ = 0.05), as in the GAN mode-collapse literature (Metz et al. 2017, Srivastava et al.
2017); ``moons``: scikit-learn's two moons with noise 0.05. The mixtures' densities are known exactly
(``toy_density``), which the GAN-theory checks use.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError
from ..validation import check_float, check_int

TOY_NAMES = ("ring8", "grid25", "moons")
_DEFAULT_STD = {"ring8": 0.02, "grid25": 0.05, "moons": 0.05}


def toy_modes(name: str) -> np.ndarray:
    """The centres ``(M, 2)`` of a mixture (``ring8``: 8, ``grid25``: 25)."""
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    if name == "grid25":
        return np.stack(np.meshgrid(np.arange(-4.0, 5.0, 2.0), np.arange(-4.0, 5.0, 2.0)), -1).reshape(-1, 2)
    raise ConfigError(f"toy data {name!r} has no modes; use 'ring8' or 'grid25'")


def toy_std(name: str) -> float:
    """The default standard deviation of each component (or the moons' noise)."""
    _check_name(name)
    return _DEFAULT_STD[name]


def toy(name: str, n: int = 1000, std: float | None = None, random_state: int = 0) -> np.ndarray:
    """``n`` points ``(n, 2)`` float32 of toy dataset ``name`` (``ring8``, ``grid25`` or ``moons``).

    Mixtures draw each point's component uniformly; ``std`` overrides the default spread.
    """
    _check_name(name)
    check_int("n", n, 1)
    std = toy_std(name) if std is None else std
    check_float("std", std, 0.0, low_open=True)
    rng = np.random.default_rng(random_state)
    if name == "moons":
        from sklearn.datasets import make_moons

        return make_moons(n, noise=std, random_state=random_state)[0].astype(np.float32)
    modes = toy_modes(name)
    return (modes[rng.integers(len(modes), size=n)] + std * rng.standard_normal((n, 2))).astype(np.float32)


def toy_density(name: str, points: np.ndarray, std: float | None = None) -> np.ndarray:
    """The exact density ``(N,)`` of mixture ``name`` (``ring8`` or ``grid25``) at ``points`` ``(N, 2)``."""
    modes = toy_modes(name)
    std = toy_std(name) if std is None else std
    sq = ((np.asarray(points, np.float64)[:, None, :] - modes[None]) ** 2).sum(-1)
    return np.exp(-sq / (2 * std**2)).mean(1) / (2 * math.pi * std**2)


def _check_name(name: str) -> None:
    if name not in TOY_NAMES:
        raise ConfigError(f"unknown toy dataset {name!r}; use one of {', '.join(TOY_NAMES)}")

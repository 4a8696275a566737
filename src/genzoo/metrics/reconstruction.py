"""Reconstruction quality of images in [0, 1]: MSE, BCE per image, PSNR."""

from __future__ import annotations

import numpy as np


def _pair(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"shapes differ: {x.shape} and {y.shape}")
    return x.reshape(len(x), -1), y.reshape(len(y), -1)


def mse(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean squared error per image ``(N,)``, averaged over pixels."""
    x, y = _pair(x, y)
    return ((x - y) ** 2).mean(1)


def bce_per_image(x: np.ndarray, recon: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Binary cross-entropy of ``recon`` against targets ``x`` in [0, 1], summed over pixels ``(N,)``, in nats."""
    x, r = _pair(x, recon)
    r = np.clip(r, eps, 1 - eps)
    return -(x * np.log(r) + (1 - x) * np.log1p(-r)).sum(1)


def psnr(x: np.ndarray, y: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio per image ``(N,)`` in dB; identical images give ``inf``."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(data_range**2 / mse(x, y))


def reconstruction_report(x: np.ndarray, recon: np.ndarray) -> dict[str, float]:
    """Means over the images: ``mse`` (per pixel), ``bce`` (nats per image), ``psnr`` (dB)."""
    return {"mse": float(mse(x, recon).mean()), "bce": float(bce_per_image(x, recon).mean()),
            "psnr": float(np.mean(np.minimum(psnr(x, recon), 100.0)))}

"""Reconstruction quality of images in [0, 1]: MSE, BCE per image, PSNR, SSIM."""

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
    """Means over the images: ``mse`` (per pixel), ``bce`` (nats per image), ``psnr`` (dB, capped at 100), ``ssim``."""
    x, recon = np.asarray(x), np.asarray(recon)
    report = {"mse": float(mse(x, recon).mean()), "bce": float(bce_per_image(x, recon).mean()),
              "psnr": float(np.mean(np.minimum(psnr(x, recon), 100.0)))}
    if x.ndim == 4:
        report["ssim"] = float(ssim(x, recon).mean())
    return report


def ssim(x: np.ndarray, y: np.ndarray, data_range: float = 1.0, sigma: float = 1.5) -> np.ndarray:
    """Structural similarity per image ``(N,)`` (Wang et al. 2004), Gaussian window, of images ``(N, C, H, W)``.

    Local means, variances and covariance are Gaussian-weighted (σ = 1.5, an 11×11 window, or the
    largest odd window that fits a smaller image) and averaged over the positions where the whole
    window lies inside the image, then over channels — as ``skimage.metrics.structural_similarity``
    with ``gaussian_weights=True, use_sample_covariance=False``.
    """
    import torch
    import torch.nn.functional as F

    a, b = (torch.from_numpy(np.array(v, dtype=np.float64)) for v in (x, y))  # a copy: inputs may be read-only
    if a.shape != b.shape or a.ndim != 4:
        raise ValueError(f"ssim needs two image arrays (N, C, H, W) of one shape, got {a.shape} and {b.shape}")
    _, c, h, w = a.shape
    size = min(11, min(h, w) - (1 - min(h, w) % 2))
    radius = size // 2
    g = torch.exp(-torch.arange(-radius, radius + 1, dtype=torch.float64) ** 2 / (2 * sigma**2))
    g = g / g.sum()
    window = (g[:, None] * g[None, :]).expand(c, 1, size, size)

    def blur(t):
        return F.conv2d(t, window, groups=c)

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.mean(dim=(1, 2, 3)).numpy()

"""Mode coverage of samples from a mixture with known centres (the ring and grid toy data)."""

from __future__ import annotations

import numpy as np

from ..validation import as_images, check_float


def mode_coverage(samples: np.ndarray, modes: np.ndarray, std: float, min_share: float = 0.02) -> dict[str, float]:
    """How many modes samples ``(N, D)`` cover, and how many of the samples are good, as the GAN literature counts:

    a sample is *high quality* when it lies within 3σ of its nearest mode (``modes`` ``(M, D)``); a mode is
    *covered* when at least ``min_share`` of all samples are high-quality samples next to it (2%: 50 of 2,500,
    as in Srivastava et al. 2017). Returns ``modes_covered`` (of M), ``high_quality`` (a share) and
    ``per_mode`` (the high-quality count at each mode).
    """
    x = as_images(samples, "samples", unit_range=False).double().numpy()
    centres = np.asarray(modes, np.float64)
    check_float("std", std, 0.0, low_open=True)
    check_float("min_share", min_share, 0.0, 1.0)
    dist = np.sqrt(((x[:, None, :] - centres[None]) ** 2).sum(-1))
    good = dist.min(1) < 3 * std
    per_mode = np.bincount(dist.argmin(1)[good], minlength=len(centres))
    return {"modes_covered": int((per_mode >= min_share * len(x)).sum()), "modes": len(centres),
            "high_quality": float(good.mean()), "per_mode": per_mode.tolist()}

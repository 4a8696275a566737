"""Figures as PNG files (matplotlib, no display needed), each written atomically."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from ._io import atomic_write_bytes


def as_displayable(images: np.ndarray) -> np.ndarray:
    """Images ``(N, C, H, W)`` (or square flat rows ``(N, D)``) in [0, 1] to ``(N, H, W)`` or ``(N, H, W, 3)``."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(f"cannot draw rows of {x.shape[1]} values as images (not a square)")
        x = x.reshape(len(x), 1, side, side)
    x = np.clip(x, 0.0, 1.0)
    return x[:, 0] if x.shape[1] == 1 else x.transpose(0, 2, 3, 1)


def mosaic(rows: list[np.ndarray], pad: int = 1) -> np.ndarray:
    """Tile equally long rows of images into one picture ``(H', W')`` or ``(H', W', 3)`` (pad = white lines)."""
    rows = [as_displayable(r) for r in rows]
    n, h, w = len(rows[0]), rows[0].shape[1], rows[0].shape[2]
    shape = (len(rows) * (h + pad) - pad, n * (w + pad) - pad, *rows[0].shape[3:])
    out = np.ones(shape, dtype=np.float32)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            out[i * (h + pad) : i * (h + pad) + h, j * (w + pad) : j * (w + pad) + w] = img
    return out


def save_figure(fig: plt.Figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def reconstructions(inputs: np.ndarray, outputs: np.ndarray, path: str | os.PathLike, n: int = 10,
                    title: str | None = None) -> Path:
    """The first ``n`` inputs (top row) above their reconstructions (bottom row), as a PNG."""
    n = min(n, len(inputs))
    picture = mosaic([inputs[:n], outputs[:n]])
    fig, ax = plt.subplots(figsize=(n * 0.9, 2.2))
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([picture.shape[0] / 4, 3 * picture.shape[0] / 4], ["input", "output"])
    ax.set_xticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)

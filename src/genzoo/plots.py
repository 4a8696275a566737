"""Figures as PNG files (matplotlib, no display needed), each written atomically."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
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


def sample_grid(images: np.ndarray, path: str | os.PathLike, columns: int = 8, title: str | None = None) -> Path:
    """Images ``(N, C, H, W)`` in [0, 1] as a grid ``columns`` wide (the last row padded with white), as a PNG."""
    x = np.asarray(images, dtype=np.float32)
    columns = min(columns, len(x))
    rows = -(-len(x) // columns)
    padded = np.concatenate([x, np.ones((rows * columns - len(x), *x.shape[1:]), np.float32)])
    picture = mosaic([padded[i * columns : (i + 1) * columns] for i in range(rows)])
    fig, ax = plt.subplots(figsize=(columns * 0.8, rows * 0.8 + (0.3 if title else 0)))
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def toy_panel(data: np.ndarray, samples: np.ndarray, path: str | os.PathLike,
              discriminate: Callable[[np.ndarray], np.ndarray] | None = None, title: str | None = None,
              d_label: str = "D(x)") -> Path:
    """2-D data ``(N, 2)`` and model samples ``(M, 2)`` as scatter plots, over D's contours when given
    ``discriminate`` (rows ``(K, 2)`` -> D's output ``(K,)``: probabilities on 0-1, any other unit on its own
    range, named by ``d_label``), as a PNG."""
    data, samples = np.asarray(data, np.float32), np.asarray(samples, np.float32)
    both = np.concatenate([data, samples])
    lo, hi = np.percentile(both, 0.5, 0), np.percentile(both, 99.5, 0)
    margin = 0.15 * (hi - lo) + 1e-3
    lo, hi = lo - margin, hi + margin
    fig, ax = plt.subplots(figsize=(5, 5))
    if discriminate is not None:
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150))
        d = discriminate(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)).reshape(gx.shape)
        probability = d_label == "D(x)"
        levels = np.linspace(0, 1, 11) if probability else 11
        contour = ax.contourf(gx, gy, d, levels=levels, cmap="RdBu_r", alpha=0.35)
        fig.colorbar(contour, ax=ax, fraction=0.046, label=d_label)
    ax.scatter(data[:, 0], data[:, 1], s=3, c="tab:blue", alpha=0.5, label="data")
    ax.scatter(samples[:, 0], samples[:, 1], s=3, c="tab:red", alpha=0.5, label="samples")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.legend(loc="upper right", markerscale=4, fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def latent_scatter(codes: np.ndarray, labels: np.ndarray | None, path: str | os.PathLike, method: str = "pca",
                   title: str | None = None) -> Path:
    """Codes ``(N, D)`` as a 2-D scatter coloured by label; codes wider than 2 are projected by ``pca`` or ``tsne``."""
    z = np.asarray(codes, np.float64).reshape(len(codes), -1)
    how = "codes"
    if z.shape[1] > 2:
        if method == "tsne":
            from sklearn.manifold import TSNE

            z = TSNE(n_components=2, init="pca", random_state=0).fit_transform(z)
        else:
            from sklearn.decomposition import PCA

            z = PCA(n_components=2).fit_transform(z)
        how = f"{method.upper() if method == 'pca' else 't-SNE'} of {np.asarray(codes).shape[1]}-D codes"
    elif z.shape[1] == 1:
        z = np.concatenate([z, np.zeros_like(z)], 1)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    colours = {"c": labels, "cmap": "tab10"} if labels is not None else {"c": "tab:blue"}
    points = ax.scatter(z[:, 0], z[:, 1], s=3, alpha=0.7, **colours)
    if labels is not None:
        fig.colorbar(points, ax=ax, fraction=0.046, label="label")
    ax.set_title(title or how, fontsize=9)
    return save_figure(fig, path)


def manifold(decode: Callable[[np.ndarray], np.ndarray], path: str | os.PathLike, low: np.ndarray, high: np.ndarray,
             n: int = 20, gaussian: bool = False, title: str | None = None) -> Path:
    """Decodes of an n×n grid of 2-D codes, as one picture. The grid spans [low, high] per axis; with ``gaussian``
    it is N(0, I) quantiles from 5% to 95% instead (the VAE's prior)."""
    if gaussian:
        from scipy.stats import norm

        ticks = [norm.ppf(np.linspace(0.05, 0.95, n))] * 2
    else:
        ticks = [np.linspace(low[i], high[i], n) for i in range(2)]
    grid = np.stack(np.meshgrid(ticks[0], ticks[1][::-1]), -1).reshape(-1, 2).astype(np.float32)
    images = decode(grid)
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    ax.imshow(mosaic([images[i * n : (i + 1) * n] for i in range(n)], pad=0), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title or ("decodes of N(0, I) quantiles" if gaussian else "decodes over the codes' range"), fontsize=9)
    return save_figure(fig, path)


def interpolations(strips: dict[str, np.ndarray], path: str | os.PathLike, title: str | None = None) -> Path:
    """One row per model (``{name: images (steps, C, H, W)}``): decodes of α·a_start + (1 − α)·a_end, α from 1 to 0."""
    names = list(strips)
    picture = mosaic([strips[k] for k in names])
    h = picture.shape[0] / len(names)
    fig, ax = plt.subplots(figsize=(len(strips[names[0]]) * 0.9, 1.1 * len(names) + 0.3))
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([h * (i + 0.5) for i in range(len(names))], names)
    ax.set_xticks([])
    ax.set_title(title or "interpolating between two codes", fontsize=9)
    return save_figure(fig, path)


def denoising(noisy: np.ndarray, output: np.ndarray, clean: np.ndarray, path: str | os.PathLike, n: int = 8,
              title: str | None = None) -> Path:
    """Rows: noisy input, model output, clean target; each noisy and output image with its PSNR (dB) under it."""
    from .metrics import psnr

    n = min(n, len(clean))
    noisy, output, clean = noisy[:n], output[:n], clean[:n]
    scores = [psnr(clean, noisy), psnr(clean, output)]
    fig, axes = plt.subplots(3, n, figsize=(n * 1.0, 3.6))
    axes = np.asarray(axes).reshape(3, n)
    for row, (images, label) in enumerate(zip((noisy, output, clean), ("noisy", "output", "clean"))):
        shown = as_displayable(images)
        for j in range(n):
            ax = axes[row, j]
            ax.imshow(shown[j], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row < 2:
                ax.set_xlabel(f"{scores[row][j]:.1f} dB", fontsize=7)
            if j == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.suptitle(title or "denoising: PSNR under each image", fontsize=9)
    return save_figure(fig, path)


def retrieval(queries: np.ndarray, by_pixels: tuple[np.ndarray, np.ndarray], by_codes: tuple[np.ndarray, np.ndarray],
              path: str | os.PathLike, title: str | None = None) -> Path:
    """For each query image ``(Q, C, H, W)``: the query, then its neighbours by pixel distance, then by code distance.

    ``by_pixels`` / ``by_codes``: (neighbour images ``(Q, k, C, H, W)``, distances ``(Q, k)``).
    """
    q, k = len(queries), by_pixels[0].shape[1]
    fig, axes = plt.subplots(2 * q, k + 1, figsize=((k + 1) * 0.9, 2 * q * 1.05))
    axes = np.asarray(axes).reshape(2 * q, k + 1)
    for i in range(q):
        for r, ((images, dists), how) in enumerate(zip((by_pixels, by_codes), ("pixels", "codes"))):
            row = axes[2 * i + r]
            row[0].imshow(as_displayable(queries[i : i + 1])[0], cmap="gray", vmin=0, vmax=1)
            row[0].set_ylabel(f"by {how}", fontsize=7)
            shown = as_displayable(images[i])
            for j in range(k):
                row[j + 1].imshow(shown[j], cmap="gray", vmin=0, vmax=1)
                row[j + 1].set_xlabel(f"{dists[i, j]:.2f}", fontsize=6)
            for ax in row:
                ax.set_xticks([])
                ax.set_yticks([])
    fig.suptitle(title or "query (left), nearest neighbours by pixel and by code distance", fontsize=9)
    return save_figure(fig, path)


def training_curves(history: list[dict], path: str | os.PathLike, title: str | None = None) -> Path:
    """Every logged loss (``train_*`` and ``val_*``) against the epoch, one panel per quantity."""
    keys = sorted({k.split("_", 1)[1] for r in history for k in r if k.startswith(("train_", "val_"))})
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 2.8), squeeze=False)
    epochs = [r["epoch"] for r in history]
    for ax, key in zip(axes[0], keys):
        for split in ("train", "val"):
            values = [r.get(f"{split}_{key}", np.nan) for r in history]
            if not all(np.isnan(values)):
                ax.plot(epochs, values, marker=".", label=split)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)

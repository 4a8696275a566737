"""One trained run as ``genzoo explore`` shows it: loaded once, its test split encoded and projected once, and every
view of the page answered from NumPy. Which views a run gets follows from what its model declares it can do
(``models.capabilities``), never from its class.

Images go to the page as PNG data URLs of :func:`as_uint8` (the model's output in [0, 1] times 255, rounded), so a
decoded image on the page is ``inverse_transform`` 's, to the last bit of 8-bit colour.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..data.corrupt import NOISES, corrupt
from ..errors import ConfigError
from ..metrics.reconstruction import psnr
from ..metrics.representation import nearest_neighbours
from ..models import Estimator, can, load
from ..models.capabilities import CONDITION, DECODE, DENOISE, DISCRIMINATE, ENCODE, NORMAL_PRIOR, RECONSTRUCT, SAMPLE
from ..report import d_label, run_data, two_classes

MAX_POINTS = 10_000  # test images on the latent map
POOL = 10_000  # training images searched for nearest neighbours
SLIDERS = 32  # latent dimensions with a slider; the others are held
PROJECTIONS = ("pca", "tsne")


def as_uint8(images: np.ndarray) -> np.ndarray:
    """Images ``(N, C, H, W)`` in [0, 1] as the 8-bit values the page shows: ``rint(255 x)``, clipped."""
    return np.clip(np.rint(np.asarray(images, np.float64) * 255.0), 0, 255).astype(np.uint8)


def png_url(image: np.ndarray) -> str:
    """One image ``(C, H, W)`` in [0, 1] as a ``data:image/png`` URL (grey for one channel, RGB for three)."""
    pixels = as_uint8(image[None])[0]
    picture = Image.fromarray(pixels[0] if len(pixels) == 1 else pixels.transpose(1, 2, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def png_pixels(url: str) -> np.ndarray:
    """The pixels ``(C, H, W)`` uint8 of a :func:`png_url` (its inverse, for tests and benchmarks)."""
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    return picture[None] if picture.ndim == 2 else picture.transpose(2, 0, 1)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation ``(T, D)`` from ``a`` to ``b`` ``(D,)`` at fractions ``t`` ``(T,)`` (linear when the
    two are parallel)."""
    cos = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return (1 - t)[:, None] * a + t[:, None] * b
    return (np.sin((1 - t) * omega)[:, None] * a + np.sin(t * omega)[:, None] * b) / np.sin(omega)


class RunView:
    """A run folder's model with its test split (the map's points) and a training pool (the neighbours).

    Args:
        run_dir: the run folder. name: what the page calls it.
        data_dir: a folder to look in first for the dataset. projection: ``pca`` or ``tsne`` for codes wider than 2.
        max_points: test images on the map; pool: training images searched for neighbours.
    """

    def __init__(self, run_dir: str | os.PathLike, name: str, data_dir: str | None = None, projection: str = "pca",
                 max_points: int = MAX_POINTS, pool: int = POOL) -> None:
        if projection not in PROJECTIONS:
            raise ConfigError(f"projection {projection!r}: use one of {', '.join(PROJECTIONS)}")
        self.name, self.projection = name, projection
        self.estimator: Estimator = load(run_dir)
        self.data, x, y = run_data(run_dir, data_dir)
        shape = tuple(self.estimator.input_shape_)
        if len(shape) != 3:
            raise ConfigError(f"{run_dir} holds a model of {shape[0]}-number rows ({self.data}), not images; the page's "
                              "toy lab trains GANs on such data live: genzoo explore with no run")
        self.input_shape = shape
        self.x, self.y = x[:max_points], None if y is None else y[:max_points]
        self.classes = [] if self.y is None else sorted(set(self.y.tolist()))
        self.conditional = can(self.estimator, CONDITION)
        self.encodes = can(self.estimator, ENCODE) and can(self.estimator, DECODE) and not self.conditional
        self.codes = self.xy = None
        if self.encodes:
            self.codes = self.estimator.transform(self.x).astype(np.float32)
            self.xy = self._project(self.codes)
            _, x_pool, y_pool = run_data(run_dir, data_dir, "train")
            keep = np.random.default_rng(0).permutation(len(x_pool))[:pool]
            self.pool_x, self.pool_y = x_pool[keep], None if y_pool is None else y_pool[keep]
            self.pool_pixels = self.pool_x.reshape(len(keep), -1).astype(np.float32) / 255.0
            self.pool_codes = self.estimator.transform(self.pool_x).astype(np.float32)
            low, high = np.percentile(self.codes, [0.5, 99.5], axis=0)
            pad = 0.1 * (high - low) + 1e-3
            self.slider_range = np.stack([low - pad, high + pad], 1)

    # -- what the page may ask ------------------------------------------------------------------
    @property
    def code_size(self) -> int:
        return 0 if self.codes is None else self.codes.shape[1]

    def views(self) -> list[str]:
        """The page's views that apply to this model."""
        e = self.estimator
        views = ["map", "sliders", "interpolation", "neighbours"] if self.encodes else []
        if self.encodes and self.input_shape[0] == 1:
            views.append("draw")
        if can(e, DENOISE) and can(e, RECONSTRUCT):
            views.append("denoise")
        if can(e, SAMPLE):
            views.append("samples")
        if self._walks():
            views.append("walk")
        return views

    def info(self) -> dict[str, Any]:
        e = self.estimator
        info = {"name": self.name, "model": type(e).__name__, "data": self.data, "input_shape": list(self.input_shape),
                "views": self.views(), "code_size": self.code_size, "sliders": min(self.code_size, SLIDERS),
                "points": len(self.x), "classes": self.classes,
                "conditional": self.conditional, "spherical": can(e, NORMAL_PRIOR),
                "projection": "identity" if self.code_size == 2 else self.projection,
                "noises": list(NOISES), "noise": getattr(e, "noise", None), "noise_level": getattr(e, "noise_level", None),
                "pair": list(two_classes(self.y))}
        if self.encodes:
            info["slider_range"] = self.slider_range[:SLIDERS].round(4).tolist()
        return info

    def points(self) -> dict[str, Any]:
        """The map: every test image's place ``(N, 2)`` and label, and the extent to draw."""
        low, high = self.xy.min(0), self.xy.max(0)
        pad = 0.05 * (high - low) + 1e-6
        return {"xy": self.xy.round(4).tolist(), "labels": None if self.y is None else self.y.tolist(),
                "extent": [*(low - pad).tolist(), *(high + pad).tolist()]}

    # -- images ----------------------------------------------------------------------------------
    def image(self, i: int) -> np.ndarray:
        """Test image ``i`` ``(C, H, W)`` in [0, 1]."""
        return self.x[i].astype(np.float32) / 255.0

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Images ``(N, C, H, W)`` for codes ``(N, D)``: the model's ``inverse_transform``."""
        return self.estimator.inverse_transform(np.asarray(z, np.float32))

    def item(self, i: int) -> dict[str, Any]:
        """Test image ``i``: itself, its reconstruction, its code and place on the map."""
        z = self.codes[i]
        return {"index": i, "label": None if self.y is None else int(self.y[i]), "image": png_url(self.image(i)),
                "reconstruction": png_url(self.decode(z[None])[0]), "z": z.tolist(), "xy": self.xy[i].tolist()}

    def decode_code(self, z: np.ndarray) -> dict[str, Any]:
        """A whole code ``(D,)`` decoded, with its place on the map."""
        return {"image": png_url(self.decode(z[None])[0]), "xy": self._place(z[None])[0].tolist()}

    def decode_at(self, point: np.ndarray) -> dict[str, Any]:
        """A point of the map decoded: exactly for 2-D codes; for wider ones, the code in the projection's plane
        through the nearest test code (t-SNE: the nearest code itself)."""
        nearest = int(((self.xy - point) ** 2).sum(1).argmin())
        if self.code_size <= 2:
            z = point[: self.code_size].astype(np.float32)
        elif self.projection == "pca":
            z = self.codes[nearest] + self.components @ (point - self.xy[nearest])
        else:
            z = self.codes[nearest]
        return {"image": png_url(self.decode(z[None])[0]), "z": z.tolist(), "nearest": nearest}

    def interpolate(self, a: int, b: int, frames: int, spherical: bool) -> list[str]:
        """``frames`` images from test image ``a``'s code to ``b``'s."""
        t = np.linspace(0.0, 1.0, frames)
        za, zb = self.codes[a].astype(np.float64), self.codes[b].astype(np.float64)
        z = slerp(za, zb, t) if spherical else (1 - t)[:, None] * za + t[:, None] * zb
        return [png_url(image) for image in self.decode(z)]

    def neighbours(self, pixels: np.ndarray, z: np.ndarray, k: int) -> dict[str, list[dict[str, Any]]]:
        """The ``k`` training images nearest to an image ``(F,)`` in [0, 1] by pixels, and to its code ``(D,)``."""
        found = {}
        for kind, query, pool in (("pixels", pixels, self.pool_pixels), ("codes", z, self.pool_codes)):
            order, distances = nearest_neighbours(query[None].astype(np.float32), pool, k)
            found[kind] = [{"image": png_url(self.pool_x[j].astype(np.float32) / 255.0), "distance": round(float(d), 4),
                            "label": None if self.pool_y is None else int(self.pool_y[j])}
                           for j, d in zip(order[0], distances[0])]
        return found

    def neighbours_of(self, i: int, k: int) -> dict[str, Any]:
        return self.neighbours(self.image(i).reshape(-1), self.codes[i], k)

    def encode_drawing(self, pixels: np.ndarray, k: int) -> dict[str, Any]:
        """A drawn image ``(H, W)`` in [0, 1]: its code, place on the map, reconstruction and nearest training images."""
        x = pixels.reshape(1, *self.input_shape).astype(np.float32)
        z = self.estimator.transform(x).astype(np.float32)
        return {"z": z[0].tolist(), "xy": self._place(z)[0].tolist(), "reconstruction": png_url(self.decode(z)[0]),
                "neighbours": self.neighbours(x.reshape(-1), z[0], k)}

    def denoise(self, i: int, noise: str, level: float, seed: int) -> dict[str, Any]:
        """Test image ``i`` corrupted (``data.corrupt``), denoised by the model, with the PSNRs against the clean one."""
        clean = self.image(i)[None]
        noisy = corrupt(torch.from_numpy(clean), noise, level, torch.Generator().manual_seed(seed)).numpy()
        denoised = self.estimator.reconstruct(noisy)
        return {"noisy": png_url(noisy[0]), "denoised": png_url(denoised[0]), "clean": png_url(clean[0]),
                "psnr_noisy": round(float(psnr(clean, noisy)[0]), 2),
                "psnr_denoised": round(float(psnr(clean, denoised)[0]), 2)}

    def samples(self, n: int, seed: int, label: int | None) -> dict[str, Any]:
        """``n`` samples (of class ``label`` for a conditional model) and, for a model with a discriminator, what D
        says of each, in its unit (``d_label``)."""
        y = {} if label is None else {"y": label}
        images = self.estimator.sample(n, **y, random_state=seed)
        answer = {"images": [png_url(image) for image in images], "d": None, "d_label": None}
        if can(self.estimator, DISCRIMINATE):
            answer["d"] = self.estimator.discriminate(images, **y).round(4).tolist()
            answer["d_label"] = d_label(self.estimator)
        return answer

    def walk(self, seed_a: int, seed_b: int, frames: int) -> list[str]:
        """``frames`` images on the way between two of the model's draws: a VAE's prior codes (spherically, as
        both lie near the sphere of radius √D) or a GAN's inputs (linearly)."""
        t = np.linspace(0.0, 1.0, frames)
        e = self.estimator
        if hasattr(e, "draw_noise"):
            za, zb = e.draw_noise(1, seed_a)[0].astype(np.float64), e.draw_noise(1, seed_b)[0].astype(np.float64)
            return [png_url(image) for image in e.generate(((1 - t)[:, None] * za + t[:, None] * zb).astype(np.float32))]
        za, zb = (np.random.default_rng(s).standard_normal(self.code_size) for s in (seed_a, seed_b))
        return [png_url(image) for image in self.decode(slerp(za, zb, t))]

    # -- helpers ---------------------------------------------------------------------------------
    def _walks(self) -> bool:
        e = self.estimator
        return not self.conditional and (hasattr(e, "draw_noise") or (self.encodes and can(e, NORMAL_PRIOR)))

    def _project(self, codes: np.ndarray) -> np.ndarray:
        """Codes ``(N, D)`` to the map's 2-D: themselves for D = 2, else the top two principal directions (kept in
        ``components`` ``(D, 2)``, orthonormal) or t-SNE."""
        if codes.shape[1] <= 2:
            return np.pad(codes, ((0, 0), (0, 2 - codes.shape[1]))).astype(np.float32)
        self.mean = codes.mean(0)
        _, _, vt = np.linalg.svd(codes - self.mean, full_matrices=False)
        self.components = vt[:2].T.astype(np.float32)
        if self.projection == "tsne":
            from sklearn.manifold import TSNE

            return TSNE(2, init="pca", random_state=0).fit_transform(codes).astype(np.float32)
        return ((codes - self.mean) @ self.components).astype(np.float32)

    def _place(self, z: np.ndarray) -> np.ndarray:
        """Where codes ``(N, D)`` fall on the map (t-SNE: at their nearest test code's place)."""
        if self.code_size <= 2:
            return np.pad(z, ((0, 0), (0, 2 - z.shape[1])))
        if self.projection == "pca":
            return (z - self.mean) @ self.components
        return self.xy[nearest_neighbours(z.astype(np.float32), self.codes, 1)[0][:, 0]]


def run_name(run_dir: str | os.PathLike, taken: set[str]) -> str:
    """The page's name for a run: its folder's name, made unique."""
    base = Path(run_dir).resolve().name or "run"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name

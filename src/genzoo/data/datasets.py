"""``load_dataset``: every dataset genzoo knows, as uint8 images ``(N, C, H, W)`` and int64 labels ``(N,)``."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .idx import read_idx
from .sources import SOURCES, cache_dir, fetch, locate
from .toy import TOY_NAMES, toy

SPLITS = ("train", "test")
HOLDOUT_FRACTION = 0.2  # datasets published as one pool get a fixed 80/20 train/test split
HOLDOUT_SEED = 0
TOY_SPLITS = {"train": (4000, None, 0), "test": (1000, None, 1)}  # toy(name, n, std, random_state)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class DatasetInfo:
    """One line of ``genzoo datasets``."""

    name: str
    found: bool
    where: str
    shapes: dict[str, tuple[int, ...]]
    description: str


def load_dataset(
    name: str,
    split: str = "train",
    root: str | os.PathLike | None = None,
    *,
    image_size: int | tuple[int, int] | None = None,
    download: bool = True,
    quiet: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Load a dataset split.

    Args:
        name: ``mnist``, ``fashion-mnist``, ``digits`` (scikit-learn's 8×8 digits, no download),
            ``npz:PATH`` (arrays ``x`` and optional ``y``; ``x_test``/``y_test`` for a test split) or
            ``folder:PATH`` (PNG/JPEG files; class sub-folders become labels; ``train/`` and ``test/``
            sub-folders become the splits), or ``toy:ring8`` / ``toy:grid25`` / ``toy:moons`` (2-D points:
            4,000 for train, 1,000 for test, drawn with fixed seeds).
        split: ``train`` or ``test``. Datasets without a published test split are split 80/20 with a fixed seed.
        root: a folder to look in first for downloaded files (``--data-dir``).
        image_size: resize folder images to this size (``int`` for square, or ``(H, W)``).
        download: fetch missing MNIST / Fashion-MNIST files from the official mirrors.

    Returns:
        ``(images, labels)``: uint8 ``(N, C, H, W)`` and int64 ``(N,)``, or ``None`` where there are no labels;
        toy data gives float32 ``(N, 2)`` and no labels.
    """
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    if name in SOURCES:
        return _load_idx(name, split, root, download, quiet)
    if name == "digits":
        return _load_digits(split)
    if name.startswith("npz:"):
        return _load_npz(Path(name[4:]), split)
    if name.startswith("folder:"):
        return _load_folder(Path(name[7:]), split, image_size)
    if name.startswith("toy:") and name[4:] in TOY_NAMES:
        return toy(name[4:], *TOY_SPLITS[split]), None
    raise DatasetError(
        f"unknown dataset {name!r}; use one of: {', '.join(dataset_names())}, npz:PATH, folder:PATH, "
        f"{', '.join('toy:' + t for t in TOY_NAMES)}"
    )


def select_classes(x: np.ndarray, y: np.ndarray | None, classes: list[int], name: str = "the dataset") -> np.ndarray:
    """The images of ``x`` whose label is one of ``classes`` (to train a model of "normal" images only)."""
    if y is None:
        raise DatasetError(f"{name} has no labels, so it cannot be restricted to classes {classes}")
    missing = sorted(set(classes) - set(np.unique(y).tolist()))
    if missing:
        raise DatasetError(f"{name} has no images of class {', '.join(map(str, missing))}; its classes: "
                           f"{', '.join(map(str, np.unique(y).tolist()))}")
    return x[np.isin(y, classes)]


def dataset_names() -> list[str]:
    return [*SOURCES, "digits"]


def _load_idx(name: str, split: str, root, download: bool, quiet: bool) -> tuple[np.ndarray, np.ndarray]:
    roles = [f"{split}-images", f"{split}-labels"]
    paths = fetch(SOURCES[name], roles, root, download=download, quiet=quiet)
    images, labels = read_idx(paths[roles[0]]), read_idx(paths[roles[1]])
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f"{paths[roles[0]]}: expected uint8 images of 3 dimensions, got {images.dtype} {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetError(
            f"{paths[roles[1]]}: {labels.shape} labels do not match the {len(images)} images in {paths[roles[0]]}"
        )
    return images[:, None], labels.astype(np.int64)


def _holdout(n: int, split: str) -> np.ndarray:
    """Indices of a fixed 80/20 split of ``n`` items (the same on every machine)."""
    order = np.random.default_rng(HOLDOUT_SEED).permutation(n)
    n_test = int(round(n * HOLDOUT_FRACTION))
    return np.sort(order[:n_test] if split == "test" else order[n_test:])


def _held_out_split(images: np.ndarray, labels: np.ndarray | None, split: str,
                    where: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``split`` of a dataset that has no test split of its own: the fixed 80/20 split; never an empty one."""
    idx = _holdout(len(images), split)
    if len(idx) == 0:
        raise DatasetError(f"{where}: {len(images)} image(s) are too few to hold out a {split} split (20% of them "
                           "test); give at least 3, or give the test images separately")
    return images[idx], (labels[idx] if labels is not None else None)


def _load_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)[:, None]  # 0..16 -> 0..255
    idx = _holdout(len(images), split)
    return images[idx], digits.target[idx].astype(np.int64)


def _as_nchw_uint8(x: np.ndarray, where: str) -> np.ndarray:
    """Images as uint8 (N, C, H, W) from (N, H, W), (N, C, H, W) or (N, H, W, C), uint8 or float in [0, 1]."""
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1] not in (1, 3) and x.shape[-1] in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or x.size == 0:
        raise DatasetError(
            f"{where}: expected images shaped (N, H, W), (N, C, H, W) or (N, H, W, C) with C = 1 or 3, got {x.shape}"
        )
    if x.dtype == np.uint8:
        return np.ascontiguousarray(x)
    if np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
            raise DatasetError(f"{where}: float images must be finite and in [0, 1] (got min {x.min()}, max {x.max()})")
        return np.ascontiguousarray(np.round(x * 255).astype(np.uint8))
    raise DatasetError(f"{where}: images must be uint8 (0-255) or float in [0, 1], got dtype {x.dtype}")


def _load_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise DatasetError(f"{path}: not a readable .npz file ({e})") from None
    if "x" not in arrays:
        found = ", ".join(arrays) or "none"
        raise DatasetError(f"{path}: no array named 'x' (found: {found}); save with np.savez(path, x=images, y=labels)")
    has_test = "x_test" in arrays
    if has_test:
        x, y = (arrays["x"], arrays.get("y")) if split == "train" else (arrays["x_test"], arrays.get("y_test"))
        key = "x" if split == "train" else "x_test"
    else:
        x, y, key = arrays["x"], arrays.get("y"), "x"
    images = _as_nchw_uint8(x, f"{path}[{key}]")
    labels = None
    if y is not None:
        if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
            raise DatasetError(f"{path}: labels must be integers shaped ({len(x)},), got {y.dtype} {y.shape}")
        labels = y.astype(np.int64)
    if not has_test:
        images, labels = _held_out_split(images, labels, split, str(path))
    return images, labels


def _load_folder(path: Path, split: str, image_size) -> tuple[np.ndarray, np.ndarray | None]:
    if not path.is_dir():
        raise DatasetError(f"{path}: no such folder")
    has_splits = (path / "train").is_dir() and (path / "test").is_dir()
    base = path / split if has_splits else path
    files, labels = _image_files(base)
    if not files:
        raise DatasetError(f"{base}: no PNG or JPEG files found (looked in it and its class sub-folders)")
    images = _read_images(files, image_size)
    if not has_splits:
        images, labels = _held_out_split(images, labels, split, str(path))
    return images, labels


def _image_files(base: Path) -> tuple[list[Path], np.ndarray | None]:
    classes = sorted(d for d in base.iterdir() if d.is_dir())
    if classes:
        files, labels = [], []
        for label, d in enumerate(classes):
            found = sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            files += found
            labels += [label] * len(found)
        return files, np.asarray(labels, dtype=np.int64)
    return sorted(p for p in base.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), None


def _read_images(files: list[Path], image_size) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    pictures = []
    for p in files:
        try:
            with Image.open(p) as im:
                im.load()
                pictures.append(im.copy())
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
            raise DatasetError(f"{p}: not a readable image ({e})") from None
    gray = all(im.mode in ("1", "L", "I;16", "I", "F") for im in pictures)
    mode = "L" if gray else "RGB"
    arrays = []
    for p, im in zip(files, pictures):
        im = im.convert(mode)
        if size is not None:
            im = im.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        elif im.size != pictures[0].size:
            raise DatasetError(
                f"{p}: size {im.size[1]}x{im.size[0]} differs from {files[0].name}'s "
                f"{pictures[0].size[1]}x{pictures[0].size[0]}; pass image_size= (CLI: --image-size) to resize all"
            )
        arrays.append(np.asarray(im, dtype=np.uint8))
    stacked = np.stack(arrays)
    return stacked[:, None] if gray else stacked.transpose(0, 3, 1, 2).copy()


def dataset_info(root: str | os.PathLike | None = None) -> list[DatasetInfo]:
    """What ``genzoo datasets`` prints: every named dataset, found or not, where, and its split shapes."""
    infos = []
    for name, source in SOURCES.items():
        found = locate(source, list(source.files), root)
        shapes: dict[str, tuple[int, ...]] = {}
        if found:
            where = str(found["train-images"].parent)
            for split in SPLITS:
                try:
                    shapes[split] = load_dataset(name, split, root, download=False)[0].shape
                except DatasetError as e:
                    where += f" (broken: {e})"
        else:
            where = f"not found; downloaded on first use into {cache_dir() / name}"
        infos.append(DatasetInfo(name, bool(found), where, shapes, source.description))
    shapes = {split: load_dataset("digits", split)[0].shape for split in SPLITS}
    infos.append(DatasetInfo("digits", True, "ships with scikit-learn", shapes,
                             "8x8 handwritten digits, UCI, scaled to 0-255 (the zero-download default)"))
    return infos

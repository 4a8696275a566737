"""Input validation at the edge: arrays given to ``fit``/``transform``, and parameter values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from scipy import sparse as scipy_sparse
from torch import Tensor

from .errors import ConfigError, InputTypeError


def as_images(X: Any, name: str = "X", input_shape: Sequence[int] | None = None, unit_range: bool = True,
              keep_float64: bool = False) -> Tensor:
    """``X`` as a tensor ``(N, C, H, W)`` or ``(N, D)``: uint8 (kept as is) or float32 in [0, 1].

    ``unit_range=False`` accepts any finite values, integers too (real-valued rows such as 2-D toy data);
    ``keep_float64`` keeps float64 input in float64 (for PCA, which computes in float64).

    Accepts NumPy arrays, torch tensors and nested lists. With ``input_shape`` (what a model was
    fitted on), flat rows of the same size are reshaped to it and any other shape is refused.
    """
    t = X.detach().cpu() if isinstance(X, Tensor) else torch.from_numpy(_as_numeric_array(X, name))
    if t.dtype == torch.bool:
        t = t.float()
    if t.ndim not in (2, 4):
        hint = {3: f" (add the channel axis: {name}[:, None])",
                1: f" (Reshape your data: {name}[None] for one sample, {name}[:, None] for one feature)"}.get(t.ndim, "")
        raise ConfigError(f"{name} must be images (N, C, H, W) or rows (N, D), got shape {tuple(t.shape)}{hint}")
    if len(t) == 0:
        raise ConfigError(f"{name} is empty (shape {tuple(t.shape)}): it needs at least one sample")
    if t[0].numel() == 0:
        raise ConfigError(f"{name} has 0 feature(s) (shape={tuple(t.shape)}) while a minimum of 1 is required.")
    if t.dtype != torch.uint8:
        if t.is_complex():
            raise ConfigError(f"{name} has complex values: Complex data not supported; pass real numbers")
        if not t.is_floating_point() and unit_range:
            raise ConfigError(f"{name} has dtype {t.dtype}; pass uint8 images (0-255) or floats in [0, 1]")
        t = t.double() if keep_float64 and t.dtype in (torch.float64, torch.int64, torch.int32) else t.float()
        if not torch.isfinite(t).all():
            raise ConfigError(f"{name} contains NaN or infinite values")
        lo, hi = t.min().item(), t.max().item()
        if unit_range and (lo < 0 or hi > 1):
            raise ConfigError(f"{name} has values in [{lo:.3g}, {hi:.3g}]; scale them to [0, 1] (or pass uint8 0-255)")
    if input_shape is not None:
        t = _match_shape(t, tuple(input_shape), name)
    return t


def _as_numeric_array(X: Any, name: str) -> np.ndarray:
    """``X`` as a C-contiguous NumPy array of numbers (an object array of numbers is converted)."""
    if scipy_sparse.issparse(X):
        raise ConfigError(f"{name} is a sparse matrix; genzoo needs dense data: pass {name}.toarray()")
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{name} is not an array of images ({e})") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise InputTypeError(f"{name} holds values that are not numbers ({e}); pass a numeric array") from None
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ConfigError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    return np.array(arr, order="C", copy=not arr.flags.writeable or not arr.flags.c_contiguous)


def as_codes(Z: Any, width: int, name: str = "Z") -> Tensor:
    """Latent codes as float32 ``(N, width)``, finite."""
    try:
        z = torch.as_tensor(np.asarray(Z.detach().cpu() if isinstance(Z, Tensor) else Z, dtype=np.float32))
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{name} is not an array of codes ({e})") from None
    if z.ndim != 2 or z.shape[1] != width or len(z) == 0:
        raise ConfigError(f"{name} must be codes shaped (N, {width}), got {tuple(z.shape)}")
    if not torch.isfinite(z).all():
        raise ConfigError(f"{name} contains NaN or infinite values")
    return z


def _match_shape(t: Tensor, shape: tuple[int, ...], name: str) -> Tensor:
    if tuple(t.shape[1:]) == shape:
        return t
    if t.ndim == 2 and t.shape[1] == math.prod(shape):
        return t.reshape(len(t), *shape)
    got, want = math.prod(t.shape[1:]), math.prod(shape)
    raise ConfigError(f"{name} has samples of shape {tuple(t.shape[1:])} but the model was fitted on {shape} ({name} "
                      f"has {got} features, but genzoo is expecting {want} features as input)")


def check_choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}={_shown(value)} is not allowed; use one of {', '.join(map(repr, allowed))}")


def check_int(name: str, value: Any, low: int = 1, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{name}={_shown(value)} is not allowed; use an integer >= {low}")


def check_float(name: str, value: Any, low: float = 0.0, high: float = math.inf,
                low_open: bool = False, high_open: bool = False) -> None:
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and _finite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        lo, hi = ("(" if low_open else "[") + f"{low:g}", f"{high:g}" + (")" if high_open else "]")
        raise ConfigError(f"{name}={_shown(value)} is not allowed; use a number in {lo}, {hi}")


def _shown(value: Any) -> str:
    """``repr(value)``, cut to 60 characters (a config may hold a number of 400 digits)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float (a config's 10**400)
        return False


def check_sizes(name: str, value: Any) -> None:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in value
    ):
        raise ConfigError(f"{name}={_shown(value)} is not allowed; use a list of positive layer widths, e.g. [128, 64]")


def resolve_device(device: str) -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; ``cuda`` without a GPU is a clear error."""
    if not isinstance(device, str):
        raise ConfigError(f"device={device!r} is not allowed; use 'auto', 'cpu' or 'cuda'")
    check_choice("device", device if device in ("auto", "cpu") else device.split(":")[0], ("auto", "cpu", "cuda"))
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device='cuda' was asked for but PyTorch sees no CUDA GPU; use device='cpu' or 'auto'")
    return torch.device(device)

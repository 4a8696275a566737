"""Input validation at the edge: arrays given to ``fit``/``transform``, and parameter values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .errors import ConfigError


def as_images(X: Any, name: str = "X", input_shape: Sequence[int] | None = None, unit_range: bool = True) -> Tensor:
    """``X`` as a tensor ``(N, C, H, W)`` or ``(N, D)``: uint8 (kept as is) or float32 in [0, 1].

    ``unit_range=False`` accepts any finite float values (real-valued rows such as 2-D toy data).

    Accepts NumPy arrays, torch tensors and nested lists. With ``input_shape`` (what a model was
    fitted on), flat rows of the same size are reshaped to it and any other shape is refused.
    """
    if isinstance(X, Tensor):
        t = X.detach().cpu()
    else:
        try:
            arr = np.asarray(X)
        except (ValueError, TypeError) as e:
            raise ConfigError(f"{name} is not an array of images ({e})") from None
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise ConfigError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.dtype == torch.bool:
        t = t.float()
    if t.ndim not in (2, 4):
        hint = f" (add the channel axis: {name}[:, None])" if t.ndim == 3 else ""
        raise ConfigError(f"{name} must be images (N, C, H, W) or rows (N, D), got shape {tuple(t.shape)}{hint}")
    if len(t) == 0:
        raise ConfigError(f"{name} is empty (shape {tuple(t.shape)})")
    if t.dtype != torch.uint8:
        if not t.is_floating_point():
            raise ConfigError(f"{name} has dtype {t.dtype}; pass uint8 images (0-255) or floats in [0, 1]")
        t = t.float()
        if not torch.isfinite(t).all():
            raise ConfigError(f"{name} contains NaN or infinite values")
        lo, hi = t.min().item(), t.max().item()
        if unit_range and (lo < 0 or hi > 1):
            raise ConfigError(f"{name} has values in [{lo:.3g}, {hi:.3g}]; scale them to [0, 1] (or pass uint8 0-255)")
    if input_shape is not None:
        t = _match_shape(t, tuple(input_shape), name)
    return t


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
    raise ConfigError(f"{name} has samples of shape {tuple(t.shape[1:])} but the model was fitted on {shape}")


def check_choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is not allowed; use one of {', '.join(map(repr, allowed))}")


def check_int(name: str, value: Any, low: int = 1, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{name}={value!r} is not allowed; use an integer >= {low}")


def check_float(name: str, value: Any, low: float = 0.0, high: float = math.inf,
                low_open: bool = False, high_open: bool = False) -> None:
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        lo, hi = ("(" if low_open else "[") + f"{low:g}", f"{high:g}" + (")" if high_open else "]")
        raise ConfigError(f"{name}={value!r} is not allowed; use a number in {lo}, {hi}")


def check_sizes(name: str, value: Any) -> None:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in value
    ):
        raise ConfigError(f"{name}={value!r} is not allowed; use a list of positive layer widths, e.g. [128, 64]")


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

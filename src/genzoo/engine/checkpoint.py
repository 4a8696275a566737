"""Nested training state <-> one safetensors file, without pickle.

A state is a tree of dicts and lists whose leaves are tensors, numbers, strings, booleans or None
(a model's ``state_dict``, an optimizer's ``state_dict``, RNG states, the epoch). Tensors go into the
safetensors body under their path in the tree; everything else goes, as JSON, into its metadata.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .._io import atomic_write_bytes
from ..errors import CheckpointError

FORMAT_VERSION = 1
_TENSOR = "__tensor__"


def _flatten(node: Any, path: str, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(node, torch.Tensor):
        tensors[path] = node.detach().to("cpu").contiguous().clone()
        return {_TENSOR: path}
    if isinstance(node, dict):
        return {"dict": [[k, _flatten(v, f"{path}.{k}", tensors)] for k, v in node.items()]}
    if isinstance(node, (list, tuple)):
        return {"list": [_flatten(v, f"{path}.{i}", tensors) for i, v in enumerate(node)]}
    if node is None or isinstance(node, (bool, int, float, str)):
        return {"value": node}
    raise TypeError(f"cannot checkpoint a {type(node).__name__} at {path}")


def _unflatten(node: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if _TENSOR in node:
        return tensors[node[_TENSOR]]
    if "dict" in node:
        return {k: _unflatten(v, tensors) for k, v in node["dict"]}
    if "list" in node:
        return [_unflatten(v, tensors) for v in node["list"]]
    return node["value"]


def save_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename)."""
    tensors: dict[str, torch.Tensor] = {}
    tree = _flatten(state, "s", tensors)
    meta = {"genzoo_format": str(FORMAT_VERSION), "tree": json.dumps(tree)}
    atomic_write_bytes(path, st_save(tensors, metadata=meta))


def load_state(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a state written by :func:`save_state`; any problem is a one-line :class:`CheckpointError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read checkpoint ({e.strerror or e})") from None
    try:
        tensors = st_load(data)
        meta = _metadata(data)
    except (SafetensorError, ValueError, OSError) as e:
        raise CheckpointError(f"{path}: not a valid safetensors file ({e})") from None
    if meta.get("genzoo_format") != str(FORMAT_VERSION) or "tree" not in meta:
        raise CheckpointError(
            f"{path}: checkpoint format {meta.get('genzoo_format')!r} is not genzoo's format {FORMAT_VERSION}"
        )
    try:
        state = _unflatten(json.loads(meta["tree"]), tensors)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: checkpoint structure is damaged ({e})") from None
    return _to(state, map_location)


def _metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors blob (its JSON header)."""
    n = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + n]).get("__metadata__") or {}


def _to(node: Any, device) -> Any:
    if isinstance(node, torch.Tensor):
        return node.to(device)
    if isinstance(node, dict):
        return {k: _to(v, device) for k, v in node.items()}
    if isinstance(node, list):
        return [_to(v, device) for v in node]
    return node

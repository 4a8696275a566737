"""A run folder: ``config.json``, ``model.safetensors``, ``checkpoint/``, ``metrics.jsonl``, ``figures/``.

One process writes a run folder at a time: it holds the folder's ``.lock`` (``lock.py``: a kernel lock, free the
moment its holder dies, so a killed run's lock is taken over).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .._io import atomic_write_json, atomic_write_text
from ..errors import CheckpointError
from . import distributed
from .lock import Lock

CONFIG = "config.json"
LOCK = ".lock"
WEIGHTS = "model.safetensors"
METRICS = "metrics.jsonl"
CHECKPOINT = "checkpoint/last.safetensors"
FIGURES = "figures"


class Run:
    """A run folder opened for writing (use as a context manager to hold its lock).

    ``write=False`` opens it for reading its checkpoint only: no lock. By default the process writes unless it is a
    rank other than 0 of a distributed run (under torchrun, rank 0 alone writes the run folder).
    """

    def __init__(self, path: str | os.PathLike, write: bool | None = None) -> None:
        self.path = Path(path)
        self.write = distributed.rank() == 0 if write is None else write

    # -- locking -------------------------------------------------------------------------------
    def __enter__(self) -> Run:
        if not self.write:
            return self
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CheckpointError(f"{self.path}: cannot create the run folder ({e.strerror or e})") from None
        self._lock = Lock(self.path / LOCK)
        try:
            self._lock.acquire()
        except OSError as e:
            raise CheckpointError(f"{self.path}: cannot write to the run folder ({e.strerror or e})") from None
        for tmp in self.path.rglob(".*.tmp"):  # temporaries of writes a killed run left half done
            tmp.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.write:
            self._lock.release()

    # -- files ---------------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT

    def resuming(self, resume: bool) -> bool:
        """Whether training continues from this folder's checkpoint; refuse to overwrite one without ``resume``."""
        if not self.checkpoint_path.exists():
            return False
        if not resume:
            raise CheckpointError(
                f"{self.path} already holds a training checkpoint; pass --resume (resume=True) to continue it, "
                "or choose another output folder"
            )
        return True

    def claim(self, model: str, resume: bool) -> bool:
        """Take this folder for a run of ``model`` (a class name); return whether training resumes its checkpoint.

        The one guard every model passes: a folder that holds another model's run is refused (resuming it would
        leave half of one model and half of the other), and a checkpoint or saved model is never overwritten
        without ``resume``. For a model without epochs (PCA), ``resume`` on its own finished run refits it.
        """
        check_not_other_model(self.path, model)
        if not resume and (self.path / WEIGHTS).exists() and not self.checkpoint_path.exists():
            raise CheckpointError(
                f"{self.path} already holds a trained {model}; pass --resume (resume=True) to continue or refit it, "
                "or choose another output folder"
            )
        return self.resuming(resume)

    def write_config(self, config: dict[str, Any]) -> None:
        atomic_write_json(self.path / CONFIG, config)

    def log(self, record: dict[str, Any]) -> None:
        """Add one JSON line to ``metrics.jsonl`` (the file is replaced atomically: never a torn line)."""
        path = self.path / METRICS
        old = path.read_text() if path.exists() else ""
        atomic_write_text(path, old + json.dumps(record) + "\n")

    def truncate_metrics(self, epochs_done: int) -> None:
        """Keep only the epoch records up to ``epochs_done`` (after resuming from that checkpoint)."""
        records = [r for r in read_metrics(self.path) if r.get("epoch", 0) <= epochs_done]
        atomic_write_text(self.path / METRICS, "".join(json.dumps(r) + "\n" for r in records))


def read_metrics(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of ``metrics.jsonl``; a torn last line (a kill mid-write) is skipped."""
    path = Path(run_dir) / METRICS
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def read_config(run_dir: str | os.PathLike) -> dict[str, Any]:
    path = Path(run_dir) / CONFIG
    if not Path(run_dir).is_dir():
        raise CheckpointError(f"{run_dir}: no such run folder")
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{run_dir}: not a genzoo run folder (no {CONFIG})") from None
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path}: unreadable config ({e})") from None
    if not isinstance(config, dict) or "model" not in config:
        raise CheckpointError(f"{path}: not a genzoo config (no 'model' entry)")
    return config


def check_not_other_model(run_dir: str | os.PathLike, model: str) -> None:
    """Refuse to write a ``model`` into a folder that holds a run of another model."""
    path = Path(run_dir) / CONFIG
    if not path.exists():
        return
    try:
        held = json.loads(path.read_text()).get("model")
    except (OSError, ValueError, AttributeError):
        held = None
    if held is None and (Path(run_dir) / CHECKPOINT).exists():
        raise CheckpointError(f"{run_dir} holds a checkpoint beside an unreadable {CONFIG}; choose another output "
                              "folder (--out)")
    if held is not None and held != model:
        raise CheckpointError(
            f"{run_dir} holds a run of {held}, not of {model}; choose another output folder (--out) for this one"
        )

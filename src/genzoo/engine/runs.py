"""A run folder: ``config.json``, ``model.safetensors``, ``checkpoint/``, ``metrics.jsonl``, ``figures/``.

One process writes a run folder at a time: a ``.lock`` file holds the writer's PID, and a lock whose
process is gone (a killed run) is taken over.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from .._io import atomic_write_json, atomic_write_text
from ..errors import CheckpointError
from . import distributed

CONFIG = "config.json"
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
        lock = self.path / ".lock"
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pid = _read_pid(lock)
                if pid is not None and pid != os.getpid() and _alive(pid):
                    raise CheckpointError(
                        f"{self.path} is in use by another genzoo process (PID {pid}); wait for it or use another --out"
                    ) from None
                lock.unlink(missing_ok=True)  # stale: its process is gone
                continue
            except OSError as e:
                raise CheckpointError(f"{self.path}: cannot write to the run folder ({e.strerror or e})") from None
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
            for tmp in self.path.rglob(".*.tmp"):  # temporaries of writes a killed run left half done
                tmp.unlink(missing_ok=True)
            return self
        raise CheckpointError(f"{self.path}: could not take the run folder's lock {lock}")

    def __exit__(self, *exc) -> None:
        if not self.write:
            return
        with contextlib.suppress(FileNotFoundError):
            (self.path / ".lock").unlink()

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


def _read_pid(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""What every results file records beside its numbers: the commit, the command and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


def commit() -> str:
    """HEAD's hash, with ``+dirty`` when tracked files differ from it (then the figures are not HEAD's)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks")
    return head + ("+dirty" if dirty else "")


def provenance() -> dict[str, str]:
    return {
        "commit": commit(),
        "command": " ".join(["python", *sys.argv]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, "
                   f"torch {torch.__version__}, Python {platform.python_version()}",
    }


def footer(p: dict[str, str]) -> str:
    """One Markdown line for the bottom of a results table."""
    return f"Commit `{p['commit']}`; command `{p['command']}`; machine: {p['machine']}."

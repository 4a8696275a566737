"""What every results file records beside its numbers: the commit, the command and the machine (the benchmarks' and
``genzoo bench``'s)."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

import torch

from ._version import __version__

REPO = Path(__file__).resolve().parents[2]  # the source checkout, when genzoo runs from one


def commit(repo: Path = REPO) -> str:
    """HEAD's hash, with ``+dirty`` when the code differs from it (then the figures are not HEAD's): a changed tracked
    file or a new untracked one under ``src/`` or ``benchmarks/``; results files written by an earlier benchmark do not
    count."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") if (repo / ".git").exists() else ""
    if not head:
        return f"genzoo {__version__} (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=all", "--", "src", "benchmarks", ":!benchmarks/results")
    return head + ("+dirty" if dirty else "")


def command() -> str:
    """This process's command line, quoted as a shell would need it: ``genzoo bench ...`` or
    ``python benchmarks/x.py ...``."""
    if Path(sys.argv[0]).name == "genzoo":
        return shlex.join(["genzoo", *sys.argv[1:]])
    return shlex.join(["python", *sys.argv])


def cpu() -> str:
    """The processor's model name and the instruction set PyTorch's kernels run with (``AVX512``, ``AVX2``,
    ``DEFAULT``): machines that differ in either compute other floating-point results."""
    model = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
                 platform.processor() or platform.machine())
    return f"{model}, {torch.backends.cpu.get_cpu_capability()} kernels"


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def provenance() -> dict[str, str]:
    return {
        "commit": commit(),
        "command": command(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs ({cpu()}), {torch.get_num_threads()} torch threads, "
                   f"torch {torch.__version__}, Python {platform.python_version()}",
    }


def footer(p: dict[str, str]) -> str:
    """One Markdown line for the bottom of a results table."""
    return f"Commit `{p['commit']}`; command `{p['command']}`; machine: {p['machine']}."


def footer_or_missing(p: dict[str, str] | None, machine: str = "") -> str:
    """``footer(p)``, or for figures measured before provenance was kept a line that says so."""
    if p:
        return footer(p)
    return f"No provenance recorded: measured before it was kept{f' ({machine})' if machine else ''}; rerun it."

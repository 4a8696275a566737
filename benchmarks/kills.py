"""SIGKILL a training run again and again, then resume it: the weights must equal an uninterrupted run's.

    python benchmarks/kills.py [--kills 300] [--seed 0]

Each launch of ``genzoo train ae --data digits`` is watched, not timed blindly: the killer first waits until the
new process holds the run folder (its PID is in ``.lock``), then kills it at a moment chosen from what the run is
doing, half the time
- inside a write: the instant the n-th temporary file of this launch appears (a checkpoint, a metrics line or the
  config; n drawn from 1 to 4), and half the time
- mid-epoch: a uniform fraction (0 to 1.2) of the last epoch's logged duration after a new metrics line appears.

After every kill each file of the run folder must read whole; a kill that left a temporary file behind landed
inside a write (between creating the temporary and renaming it over the file). At the end the run is resumed to
completion and its weights are compared with an uninterrupted run's, bit for bit.
tests/engine/test_faults.py runs 20 kills; this script runs hundreds and writes benchmarks/results/kills.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import torch

from genzoo import load
from genzoo.cli import main as genzoo
from genzoo.engine.checkpoint import load_state
from genzoo.engine.runs import read_metrics
from genzoo.provenance import footer, provenance

EPOCHS = 40  # enough that 20 kills never see the run finish (each launch gets through 2 epochs at most)


def train_args(epochs: int) -> list[str]:
    return ["train", "ae", "--data", "digits", "--epochs", str(epochs), "--quiet", "--set", "hidden=[256,256]",
            "--set", "latent_dim=16", "--batch-size", "16"]

WAIT = 120.0  # seconds: the longest a launch may take to reach the moment chosen for it


def assert_every_file_whole(run_dir: Path) -> None:
    """Each real (non-hidden) file of the run folder is a complete, readable version."""
    if (run_dir / "config.json").exists():
        json.loads((run_dir / "config.json").read_text())
    if (run_dir / "checkpoint" / "last.safetensors").exists():
        load_state(run_dir / "checkpoint" / "last.safetensors")
    if (run_dir / "metrics.jsonl").exists():
        for line in (run_dir / "metrics.jsonl").read_text().splitlines():
            json.loads(line)


def temporaries(run_dir: Path) -> list[Path]:
    """The temporary files of writes under way (``.<name>.<random>.tmp`` beside their file), not the lock's."""
    return [p for d in (run_dir, run_dir / "checkpoint") if d.is_dir() for p in d.iterdir()
            if p.name.endswith(".tmp") and not p.name.startswith(".lock.")]


def _holds_lock(run_dir: Path, pid: int) -> bool:
    try:
        return (run_dir / ".lock").read_text().split()[0] == str(pid)
    except (OSError, IndexError):
        return False


def _metrics_lines(run_dir: Path) -> int:
    try:
        return (run_dir / "metrics.jsonl").read_bytes().count(b"\n")
    except OSError:
        return 0


def _kill_in_a_write(proc: subprocess.Popen, run_dir: Path, nth: int, deadline: float) -> None:
    seen: set[str] = set()
    while time.time() < deadline and proc.poll() is None:
        names = {p.name for p in temporaries(run_dir)}
        if names - seen:
            seen |= names
            if len(seen) >= nth:
                break
    proc.send_signal(signal.SIGKILL)


def _kill_mid_epoch(proc: subprocess.Popen, run_dir: Path, rng: random.Random, deadline: float) -> None:
    lines = _metrics_lines(run_dir)
    while _metrics_lines(run_dir) == lines and time.time() < deadline and proc.poll() is None:
        time.sleep(0.0005)
    records = read_metrics(run_dir)
    epoch_s = records[-1]["seconds"] if records else 0.2
    time.sleep(rng.uniform(0.0, 1.2) * epoch_s)
    proc.send_signal(signal.SIGKILL)


def campaign(workdir: Path, kills: int, seed: int = 0, epochs: int = EPOCHS) -> dict:
    """Kill a run of ``epochs`` epochs ``kills`` times (it must not finish first), resume it, compare with a run
    never interrupted."""
    TRAIN = train_args(epochs)
    assert genzoo([*TRAIN, "--out", str(workdir / "straight")]) == 0  # in this process: the same numbers
    victim, rng = workdir / "victim", random.Random(seed)
    landed = {"in a checkpoint write": 0, "in a metrics write": 0, "in the config write": 0, "elsewhere": 0}
    epochs_at_kill = []
    for i in range(kills):
        resume = ["--resume"] if (victim / "checkpoint").exists() else []
        proc = subprocess.Popen([sys.executable, "-m", "genzoo", *TRAIN, "--out", str(victim), *resume],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + WAIT
        while not _holds_lock(victim, proc.pid) and time.time() < deadline and proc.poll() is None:
            time.sleep(0.001)  # Python is still importing: a kill now would prove nothing
        if rng.random() < 0.5:
            _kill_in_a_write(proc, victim, rng.randint(1, 4), deadline)
        else:
            _kill_mid_epoch(proc, victim, rng, deadline)
        proc.wait()
        if proc.returncode != -signal.SIGKILL or (victim / "model.safetensors").exists():
            raise AssertionError(f"launch {i + 1} ended before its kill (exit {proc.returncode}); raise EPOCHS")
        left = temporaries(victim)
        kind = ("in a checkpoint write" if any(p.parent.name == "checkpoint" for p in left) else
                "in a metrics write" if any(".metrics.jsonl." in p.name for p in left) else
                "in the config write" if left else "elsewhere")
        landed[kind] += 1
        assert_every_file_whole(victim)
        epochs_at_kill.append(len(read_metrics(victim)))
    done = subprocess.run([sys.executable, "-m", "genzoo", *TRAIN, "--out", str(victim), "--resume"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(done.stderr)
    a, b = load(workdir / "straight").module_.state_dict(), load(victim).module_.state_dict()
    return {"kills": kills, "landed": landed, "epochs_logged_at_kills": epochs_at_kill,
            "weights_equal": a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a),
            "epochs_logged": [r["epoch"] for r in read_metrics(victim)],
            "temporaries_after_resume": [p.name for p in victim.rglob("*.tmp")],
            "lock_after_resume": (victim / ".lock").exists()}


def markdown(result: dict) -> str:
    ok = result["weights_equal"] and not result["temporaries_after_resume"] and not result["lock_after_resume"]
    rows = "\n".join(f"| {k} | {v} |" for k, v in result["landed"].items())
    return (
        f"SIGKILLs of `genzoo train ae --data digits` ({result['epochs']} epochs), each resumed: {result['kills']} "
        f"kills in {result['seconds']} s.\n\n| where the kill landed | kills |\n|---|---|\n{rows}\n\n"
        f"Every file whole after every kill; after the last resume the weights "
        f"{'equal' if result['weights_equal'] else 'DIFFER FROM'} the uninterrupted run's bit for bit, "
        f"{len(result['temporaries_after_resume'])} temporaries left: {'pass' if ok else 'FAIL'}.\n\n"
        f"{footer(result)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    epochs = max(EPOCHS, args.kills)  # a longer run, so that hundreds of kills do not finish it
    started, t0 = provenance(), time.perf_counter()  # the tree as the run starts
    with TemporaryDirectory() as tmp:
        result = campaign(Path(tmp), args.kills, args.seed, epochs)
    result |= {"seconds": round(time.perf_counter() - t0), "epochs": epochs, **started}
    out = Path(__file__).resolve().parent / "results"
    (out / "kills.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "kills.md").write_text(markdown(result))
    print(markdown(result))
    ok = result["weights_equal"] and not result["temporaries_after_resume"] and not result["lock_after_resume"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("GENZOO_OFFLINE", "1")
    main()

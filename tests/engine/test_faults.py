"""Faults: kills at random moments, Ctrl-C, non-finite steps, a full disk, an unwritable folder, GAN divergence."""

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

from genzoo import GAN, Autoencoder, load
from genzoo.cli import main
from genzoo.engine import Policy, TrainingStopped, Update, read_metrics, train
from genzoo.engine.checkpoint import load_state
from genzoo.engine.runs import Run
from genzoo.errors import CheckpointError, GenzooWarning, OutputError

ARGS = [sys.executable, "-m", "genzoo", "train", "ae", "--data", "digits", "--epochs", "8", "--quiet",
        "--set", "hidden=[256,256]", "--set", "latent_dim=16", "--batch-size", "16"]


def _assert_every_file_whole(run_dir):
    """Each real (non-hidden) file of the run folder is a complete, readable version."""
    if (run_dir / "config.json").exists():
        json.loads((run_dir / "config.json").read_text())
    if (run_dir / "checkpoint" / "last.safetensors").exists():
        load_state(run_dir / "checkpoint" / "last.safetensors")
    if (run_dir / "metrics.jsonl").exists():
        for line in (run_dir / "metrics.jsonl").read_text().splitlines():
            json.loads(line)


def test_repeated_sigkill_at_random_moments_then_resume_equals_a_straight_run(tmp_path):
    assert main([*ARGS[3:], "--out", str(tmp_path / "straight")]) == 0
    victim = tmp_path / "victim"
    rng = random.Random(0)
    kills = 0
    for _ in range(3):
        args = [*ARGS, "--out", str(victim)] + (["--resume"] if (victim / "checkpoint").exists() else [])
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = time.time()
        while not (victim / "checkpoint" / "last.safetensors").exists() and time.time() - start < 120:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.6))  # mid-epoch, or while a checkpoint or metrics line is being written
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if (victim / "model.safetensors").exists():
            break
        kills += 1
        _assert_every_file_whole(victim)
    assert kills >= 1, "the run finished before it could be killed"
    done = subprocess.run([*ARGS, "--out", str(victim), "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    a, b = load(tmp_path / "straight"), load(victim)
    assert all(torch.equal(a.module_.state_dict()[k], v) for k, v in b.module_.state_dict().items())
    assert [r["epoch"] for r in read_metrics(victim)] == list(range(1, 9))
    assert not list(victim.rglob("*.tmp")), "temporaries of killed writes are cleaned when the run is resumed"


def test_ctrl_c_keeps_the_checkpoint_and_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    # Python handles SIGINT only where it is not ignored: a shell's background job inherits it ignored
    proc = subprocess.Popen([*ARGS, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    start = time.time()
    while not (out / "checkpoint" / "last.safetensors").exists() and time.time() - start < 120:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert not (out / ".lock").exists()
    assert load_state(out / "checkpoint" / "last.safetensors")["epoch"] >= 1
    assert subprocess.run([*ARGS, "--out", str(out), "--resume"], capture_output=True).returncode == 0


class Poisoned:
    """A linear least-squares objective whose loss is NaN at one chosen step."""

    def __init__(self, bad_step: int) -> None:
        torch.manual_seed(0)
        self.net, self.bad_step, self.steps = nn.Linear(4, 1), bad_step, 0

    def modules(self):
        return {"main": self.net}

    def make_optimizers(self):
        return {"main": torch.optim.SGD(self.net.parameters(), lr=0.1)}

    def train_step(self, x, generator, step):
        self.steps += 1
        poison = float("nan") if self.steps == self.bad_step else 1.0
        return [Update("main", lambda: {"loss": (self.net(x[:, :4]) - x[:, 4:]).square().mean() * poison})]

    def eval_step(self, x, generator):
        return {"loss": (self.net(x[:, :4]) - x[:, 4:]).square().mean()}


def test_non_finite_step_stops_with_epoch_and_step_or_is_skipped(tmp_path):
    data = torch.rand(100, 5)
    message = r"non-finite loss at epoch 2, step 3: .*lower learning rate.*epoch 1 is kept"
    stopped = pytest.raises(TrainingStopped, match=message)
    with stopped, Run(tmp_path / "stop") as run:
        train(Poisoned(bad_step=13), data, Policy(epochs=3, batch_size=10), run=run)
    kept = load_state(tmp_path / "stop" / "checkpoint" / "last.safetensors")
    assert kept["epoch"] == 1 and torch.isfinite(kept["modules"]["main"]["weight"]).all()
    objective = Poisoned(bad_step=13)
    history = train(objective, data, Policy(epochs=3, batch_size=10, on_nonfinite="skip"))
    assert [r["skipped_batches"] for r in history] == [0, 1, 0]
    assert all(np.isfinite(r["train_loss"]) for r in history)
    assert torch.isfinite(objective.net.weight).all()


def test_a_diverging_autoencoder_stops_with_a_clear_message(digits):
    (x, _), _ = digits
    with pytest.raises(TrainingStopped, match="non-finite .* at epoch 1, step .*lower learning rate"):
        Autoencoder(hidden=(32,), activation="linear", code_activation="linear", optimizer="sgd", lr=1e3).fit(x)


def test_full_disk_keeps_the_previous_checkpoint(digits, tmp_path, monkeypatch):
    (x, _), _ = digits
    import genzoo._io as io

    real_replace, writes = os.replace, []

    def replace(src, dst):
        if str(dst).endswith("last.safetensors"):
            writes.append(dst)
            if len(writes) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(io.os, "replace", replace)
    with pytest.raises(OutputError, match=r"cannot write .*last.safetensors \(No space left on device\); the previous"):
        Autoencoder(hidden=(16,), epochs=3).fit(x, run_dir=tmp_path / "run")
    assert load_state(tmp_path / "run" / "checkpoint" / "last.safetensors")["epoch"] == 1
    assert not list((tmp_path / "run").rglob("*.tmp"))
    assert not (tmp_path / "run" / ".lock").exists()


def test_unwritable_output_folder(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(CheckpointError, match="cannot create the run folder"):
        Autoencoder(epochs=1).fit(np.zeros((20, 4), np.uint8), run_dir=tmp_path / "a-file" / "run")
    assert main(["train", "pca", "--out", str(tmp_path / "a-file" / "pca")]) == 2
    assert "cannot create the run folder (Not a directory)" in capsys.readouterr().err


def test_gan_warns_when_the_discriminator_wins_outright(digits):
    (x, _), _ = digits
    with pytest.warns(GenzooWarning, match="the discriminator wins outright"):
        gan = GAN(hidden=(64,), epochs=10, d_steps=10**6, lr=2e-3).fit(x)  # G never moves: D learns to reject it
    assert "warnings" in gan.history_[-1]

"""Faults: kills at random moments, Ctrl-C, non-finite steps, a full disk, an unwritable folder, GAN divergence."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from genzoo import GAN, Autoencoder
from genzoo.cli import main
from genzoo.engine import Policy, TrainingStopped, Update, read_metrics, train
from genzoo.engine.checkpoint import load_state
from genzoo.engine.runs import Run
from genzoo.errors import CheckpointError, GenzooWarning, OutputError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from kills import EPOCHS, campaign

pytestmark = pytest.mark.slow  # subprocesses, kills or a browser: seconds each

ARGS = [sys.executable, "-m", "genzoo", "train", "ae", "--data", "digits", "--epochs", "8", "--quiet",
        "--set", "hidden=[256,256]", "--set", "latent_dim=16", "--batch-size", "16"]


def test_twenty_sigkills_at_observed_moments_then_resume_equals_a_straight_run(tmp_path):
    """benchmarks/kills.py's campaign, 20 kills: each waits until the new process holds the run folder, then lands
    inside the n-th write of the launch or mid-epoch; every file reads whole after each; the resumed run's weights
    equal an uninterrupted run's bit for bit. (The script itself runs hundreds.)"""
    result = campaign(tmp_path, kills=20, seed=0)
    in_writes = sum(v for k, v in result["landed"].items() if k != "elsewhere")
    assert result["kills"] == 20 and in_writes >= 5, result["landed"]  # a leftover temporary: killed mid-write
    assert result["landed"]["in a checkpoint write"] >= 1 and result["landed"]["in a metrics write"] >= 1
    assert len(set(result["epochs_logged_at_kills"])) >= 5  # spread over the run, not all at its start
    assert result["weights_equal"]
    assert result["epochs_logged"] == list(range(1, EPOCHS + 1))
    assert result["temporaries_after_resume"] == [] and not result["lock_after_resume"]


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


def _mount_tmpfs(where, size: int) -> bool:
    where.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def test_a_real_full_disk_keeps_the_previous_checkpoint_and_resumes_after(digits, tmp_path):
    """A tmpfs just big enough for the first checkpoint: the second one fails in write(2) with ENOSPC. Then the
    same filesystem is grown (remount) and the run resumes to the weights of a run that never hit a full disk."""
    (x, _), _ = digits
    ae = lambda: Autoencoder(hidden=(512, 512), latent_dim=16, epochs=3)  # noqa: E731 - a 7.3 MB checkpoint
    straight = ae().fit(x, run_dir=tmp_path / "straight")
    checkpoint = (tmp_path / "straight" / "checkpoint" / "last.safetensors").stat().st_size
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, checkpoint + 3 * 2**20):
        pytest.skip("cannot mount a small tmpfs here (needs root); test_a_file_size_limit_... covers the write fault")
    try:
        with pytest.raises(OutputError, match=r"cannot write .*last.safetensors \(No space left on device\); the prev"):
            ae().fit(x, run_dir=disk / "run")
        assert load_state(disk / "run" / "checkpoint" / "last.safetensors")["epoch"] == 1
        assert not list((disk / "run").rglob("*.tmp")) and not (disk / "run" / ".lock").exists()
        subprocess.run(["mount", "-o", f"remount,size={4 * checkpoint}", str(disk)], check=True)
        resumed = ae().fit(x, run_dir=disk / "run", resume=True)
        assert all(torch.equal(v, resumed.module_.state_dict()[k]) for k, v in straight.module_.state_dict().items())
        assert [r["epoch"] for r in read_metrics(disk / "run")] == [1, 2, 3]  # epoch 2's line, logged then lost, once
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_file_size_limit_fails_the_write_cleanly(tmp_path):
    """RLIMIT_FSIZE (what an unprivileged user can set): the checkpoint's write(2) fails with EFBIG, in a real
    second process, and the run says which file it could not write, with no temporary left behind."""
    limit = "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); " \
            "resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20)); from genzoo.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", limit, *ARGS[3:], "--out", str(tmp_path / "run")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write" in done.stderr and "last.safetensors (File too large)" in done.stderr
    assert not list((tmp_path / "run").rglob("*.tmp")) and not (tmp_path / "run" / ".lock").exists()
    json.loads((tmp_path / "run" / "config.json").read_text())


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

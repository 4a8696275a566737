"""torchrun + DistributedDataParallel on the CPU (gloo): 2 ranks × batch 64 follow 1 process × batch 128."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from genzoo import load
from genzoo.cli import main
from genzoo.engine import read_metrics

pytestmark = pytest.mark.slow  # subprocesses, kills or a browser: seconds each

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "genzoo"]
AE = ["train", "ae", "--data", "digits", "--epochs", "4", "--quiet", "--set", "hidden=[64]", "--latent-dim", "8"]


def torchrun(*args):
    # faulthandler: a rank that dies on a signal prints every thread's Python stack
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    done = subprocess.run([*TORCHRUN, *args], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-8000:]
    return done


def test_two_ranks_follow_one_process_with_the_same_global_batch(tmp_path):
    assert main([*AE, "--batch-size", "128", "--out", str(tmp_path / "one")]) == 0
    done = torchrun(*AE, "--batch-size", "64", "--out", str(tmp_path / "two"))
    assert done.stdout.count("trained ae") == 1  # rank 0 alone reports
    one, two = read_metrics(tmp_path / "one"), read_metrics(tmp_path / "two")
    for key in ("train_loss", "val_loss"):
        np.testing.assert_allclose([r[key] for r in two], [r[key] for r in one], rtol=1e-5)
    a, b = load(tmp_path / "one"), load(tmp_path / "two")
    for name, weight in a.module_.state_dict().items():
        torch.testing.assert_close(b.module_.state_dict()[name], weight, rtol=1e-4, atol=1e-5, msg=name)
    for name in ("config.json", "model.safetensors", "metrics.jsonl", "checkpoint/last.safetensors",
                 "figures/reconstructions.png"):
        assert (tmp_path / "two" / name).is_file(), name
    assert not (tmp_path / "two" / ".lock").exists()


def test_a_gan_trains_under_ddp_and_resumes_with_another_number_of_processes(tmp_path):
    gan = ["train", "gan", "--data", "digits", "--quiet", "--set", "hidden=[64]", "--out", str(tmp_path / "gan")]
    torchrun(*gan, "--epochs", "1")
    assert main([*gan, "--epochs", "2", "--resume"]) == 0  # 2 processes, then 1
    torchrun(*gan, "--epochs", "3", "--resume")  # and 2 again
    assert [r["epoch"] for r in read_metrics(tmp_path / "gan")] == [1, 2, 3]
    assert load(tmp_path / "gan").sample(4).shape == (4, 1, 8, 8)


def test_pca_refuses_torchrun(tmp_path):
    done = subprocess.run([*TORCHRUN, "train", "pca", "--out", str(tmp_path / "p")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode != 0 and "run it without torchrun" in done.stderr


def test_outside_torchrun_nothing_is_distributed():
    from genzoo.engine import distributed

    assert distributed.world_size() == 1 and distributed.rank() == 0


def test_bf16_mixed_precision_trains_with_float32_weights(digits, tmp_path):
    from genzoo import Autoencoder
    from genzoo.engine import Stepper, Update

    class Linear:  # the engine runs a model's loss closure under autocast, and steps float32 weights
        def __init__(self):
            self.net, self.seen = torch.nn.Linear(4, 2), []

        def modules(self):
            return {"main": self.net}

        def train_step(self, x, generator, step):
            def losses():
                out = self.net(x)
                self.seen.append(out.dtype)
                return {"loss": out.float().square().mean()}
            return [Update("main", losses)]

    model = Linear()
    Stepper(model, {"main": torch.optim.SGD(model.net.parameters(), lr=0.1)},
            autocast=("cpu", torch.bfloat16)).step(torch.ones(3, 4), torch.Generator())
    assert model.seen == [torch.bfloat16] and model.net.weight.dtype == torch.float32
    (x, _), _ = digits
    fp32 = Autoencoder(hidden=(64,), epochs=3).fit(x)
    bf16 = Autoencoder(hidden=(64,), epochs=3).fit(x, run_dir=tmp_path / "bf16", precision="bf16")
    losses = [r["train_loss"] for r in bf16.history_]
    assert losses[-1] < losses[0] and losses != [r["train_loss"] for r in fp32.history_]
    assert all(p.dtype == torch.float32 for p in load(tmp_path / "bf16").module_.parameters())
    assert main(["train", "ae", "--out", str(tmp_path / "cli"), "--epochs", "1", "--precision", "bf16", "--quiet"]) == 0

"""genzoo bench: FLOP counts against the closed form, and one small measured row through the CLI."""

import json

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from genzoo import VAE, Autoencoder
from genzoo.bench import PHASES, PhaseClock, heavy_calls, kernel_rate, matmul_ceiling, step_flops, variants
from genzoo.cli import main


def test_flops_of_the_mlp_vae_match_the_closed_form():
    vae = VAE(hidden=(400,), latent_dim=20, epochs=0).fit(np.zeros((4, 784), np.float32))
    train, forward = step_flops(vae, torch.rand(32, 784))
    # multiply-adds of 784-400-(2·20) and 20-400-784, two FLOPs each
    assert forward == 2 * (784 * 400 + 400 * 40 + 20 * 400 + 400 * 784)
    assert 2.5 * forward < train < 3.5 * forward  # backward costs about twice the forward pass
    assert matmul_ceiling(n=256, repeats=2) > 0.1
    # the replayed kernels are the step's: every FLOP of an MLP's step is in its matmuls
    calls = heavy_calls(vae, torch.rand(32, 784))
    with FlopCounterMode(display=False) as counter:
        for func, args, kwargs in calls:
            func(*args, **kwargs)
    assert counter.get_total_flops() == train * 32 and len(calls) == 4 + 7  # forward: 4 addmm; backward: 7 mm
    assert kernel_rate(vae, torch.rand(32, 784), repeats=1) > 0.1


def test_bench_cli_writes_json_and_markdown(tmp_path, fashion, capsys):
    assert main(["bench", "--images", "512", "--models", "vae-mlp", "--out", str(tmp_path)]) == 0
    row = json.loads((tmp_path / "performance.json").read_text())["rows"][0]
    assert row["images"] == 512 and row["images_per_s"] > 0 and 0 < row["share_of_ceiling"] < 1.5
    assert 0 <= row["outside_steps_share"] < 1 and row["peak_rss_mib"] > 50 and row["kernels_gflop_per_s"] > 0.1
    # the profile: every phase seen (the instrumentation reached the engine), and the phases make up the epoch
    assert all(row[k] > 0 for k in PHASES if k != "data_share") and row["data_share"] >= 0
    assert row["backward_share"] > 0.1 and row["optimizer_share"] > 0.01
    assert abs(sum(row[k] for k in PHASES) - 1) < 1e-9
    assert row["outside_steps_share"] == pytest.approx(row["data_share"] + row["other_share"])
    md = (tmp_path / "performance.md").read_text()
    assert "| vae-mlp 784-400-20" in md and "| where an epoch goes |" in md
    assert main(["bench", "--models", "nothing", "--out", str(tmp_path)]) == 2


def test_the_phase_clock_sees_every_phase_and_puts_everything_back(digits):
    (x, _), _ = digits
    ae = Autoencoder(hidden=(32,), epochs=2, validation_fraction=0)
    clock = PhaseClock()
    ae.fit(x, hooks=clock)
    assert all(v > 0 for v in clock.seconds.values()), clock.seconds
    assert clock.seconds["backward"] + clock.seconds["optimizer"] < clock.seconds["step"]
    shares = clock.shares(clock.seconds["step"] + clock.seconds["data"] + 0.01)
    assert abs(sum(shares[k] for k in PHASES) - 1) < 1e-9 and shares["other_share"] > 0


def test_variants_are_timed_in_turns_against_the_default(fashion):
    rows = variants(["gan-conv infoGAN-like, batch 64"], rounds=1, seconds=0.0)
    assert [r["variant"] for r in rows] == ["contiguous layout (PyTorch's default)",
                                           "channels-last layout (genzoo's choice)"]
    assert rows[0]["speedup"] == 1.0 and all(0 < r["ms_per_step"] < 1e5 and r["steps"] >= 2 for r in rows)

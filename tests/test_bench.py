"""genzoo bench: FLOP counts against the closed form, and one small measured row through the CLI."""

import json

import numpy as np
import torch

from genzoo import VAE
from genzoo.bench import matmul_ceiling, step_flops
from genzoo.cli import main


def test_flops_of_the_mlp_vae_match_the_closed_form():
    vae = VAE(hidden=(400,), latent_dim=20, epochs=0).fit(np.zeros((4, 784), np.float32))
    train, forward = step_flops(vae, torch.rand(32, 784))
    # multiply-adds of 784-400-(2·20) and 20-400-784, two FLOPs each
    assert forward == 2 * (784 * 400 + 400 * 40 + 20 * 400 + 400 * 784)
    assert 2.5 * forward < train < 3.5 * forward  # backward costs about twice the forward pass
    assert matmul_ceiling(n=256, repeats=2) > 0.1


def test_bench_cli_writes_json_and_markdown(tmp_path, fashion, capsys):
    assert main(["bench", "--images", "512", "--models", "vae-mlp", "--out", str(tmp_path)]) == 0
    row = json.loads((tmp_path / "performance.json").read_text())["rows"][0]
    assert row["images"] == 512 and row["images_per_s"] > 0 and 0 < row["share_of_ceiling"] < 1.5
    assert 0 <= row["outside_steps_share"] < 1 and row["peak_rss_mib"] > 50
    assert "| vae-mlp 784-400-20" in (tmp_path / "performance.md").read_text()
    assert main(["bench", "--models", "nothing", "--out", str(tmp_path)]) == 2

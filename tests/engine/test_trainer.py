
import numpy as np
import pytest
import torch

from genzoo import VAE, Autoencoder, CheckpointError, load
from genzoo.engine import Hooks, read_metrics


def _ae(**kw):
    return Autoencoder(hidden=(32,), latent_dim=4, batch_size=64, **kw)


def _weights(est):
    return {k: v.clone() for k, v in est.module_.state_dict().items()}


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_same_seed_same_numbers(digits):
    (x, _), _ = digits
    a, b = _ae(epochs=2).fit(x), _ae(epochs=2).fit(x)
    def losses(history):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in history]

    assert _same(_weights(a), _weights(b)) and losses(a.history_) == losses(b.history_)
    c = _ae(epochs=2, random_state=1).fit(x)
    assert not _same(_weights(a), _weights(c))


def test_resume_gives_the_weights_of_an_uninterrupted_run(digits, tmp_path):
    (x, _), _ = digits
    straight = _ae(epochs=3).fit(x, run_dir=tmp_path / "straight")
    _ae(epochs=1).fit(x, run_dir=tmp_path / "resumed")  # "killed" after epoch 1
    with pytest.raises(CheckpointError, match="already holds a training checkpoint; pass --resume"):
        _ae(epochs=3).fit(x, run_dir=tmp_path / "resumed")
    resumed = _ae(epochs=3).fit(x, run_dir=tmp_path / "resumed", resume=True)
    assert _same(_weights(straight), _weights(resumed))
    assert [r["epoch"] for r in read_metrics(tmp_path / "resumed")] == [1, 2, 3]
    loaded = load(tmp_path / "resumed")
    np.testing.assert_array_equal(loaded.transform(x[:50]), straight.transform(x[:50]))


class _StopAfter(Hooks):
    def __init__(self, epochs):
        self.epochs, self.ended = epochs, 0

    def end(self, phase):
        self.ended += phase == "epoch"

    def stop(self):
        return self.ended >= self.epochs


def test_a_hook_stops_training_after_an_epoch_and_resuming_goes_on(digits, tmp_path):
    """A budget kept by the clock: ``Hooks.stop`` ends training after an epoch as if ``epochs`` had been that many;
    the run's checkpoint is that epoch's, and resuming trains on to ``epochs``."""
    (x, _), _ = digits
    two = _ae(epochs=2).fit(x)
    stopped = _ae(epochs=5).fit(x, run_dir=tmp_path / "stopped", hooks=_StopAfter(2))
    assert _same(_weights(two), _weights(stopped)) and [r["epoch"] for r in stopped.history_] == [1, 2]
    assert [r["epoch"] for r in read_metrics(tmp_path / "stopped")] == [1, 2]
    five = _ae(epochs=5).fit(x)
    assert not _same(_weights(two), _weights(five))
    resumed = _ae(epochs=5).fit(x, run_dir=tmp_path / "stopped", resume=True)
    assert _same(_weights(five), _weights(resumed))


def test_a_conv_net_trains_channels_last_and_resumes_exactly(digits, tmp_path):
    """Conv nets train in the channels-last layout on the CPU; the checkpoint holds the default layout, and the
    resumed optimizer state must be put back in the parameters' layout (fused Adam pairs elements by memory order)."""
    (x, _), _ = digits

    def vae(epochs):
        return VAE(arch="conv", latent_dim=2, batch_size=64, epochs=epochs, device="cpu")

    straight = vae(3).fit(x, run_dir=tmp_path / "straight")
    conv = straight.module_.encoder.net[2].weight  # (64, 32, 3, 3)
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    vae(1).fit(x, run_dir=tmp_path / "resumed")
    resumed = vae(3).fit(x, run_dir=tmp_path / "resumed", resume=True)
    assert _same(_weights(straight), _weights(resumed))
    loaded = load(tmp_path / "resumed")
    assert loaded.module_.encoder.net[2].weight.is_contiguous(memory_format=torch.channels_last)
    codes = loaded.transform(x[:50])
    assert codes.flags.c_contiguous
    np.testing.assert_array_equal(codes, straight.transform(x[:50]))


def test_loss_falls_and_validation_is_logged(digits):
    (x, _), _ = digits
    ae = _ae(epochs=5).fit(x)
    losses = [r["train_loss"] for r in ae.history_]
    assert losses[-1] < 0.8 * losses[0] and all("val_loss" in r for r in ae.history_)

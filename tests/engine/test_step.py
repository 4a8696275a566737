"""The engine applies a model's updates: freezing what is not stepped, and a skipped step that changes nothing."""

import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from genzoo import GAN, VAE
from genzoo.engine import NonFiniteStep, Progress, Stepper, Update
from genzoo.engine.step import Batch


def _state(model, optimizers):
    """Every parameter, buffer (BatchNorm statistics) and optimizer state tensor, copied."""
    modules = {k: copy.deepcopy(m.state_dict()) for k, m in model.modules().items()}
    return modules, copy.deepcopy({k: o.state_dict()["state"] for k, o in optimizers.items()})


def _assert_same(a, b):
    (ma, oa), (mb, ob) = a, b
    for name in ma:
        for key, value in ma[name].items():
            assert torch.equal(value, mb[name][key]), f"{name}.{key} changed"
    for name in oa:
        assert oa[name].keys() == ob[name].keys(), f"optimizer {name}'s state changed"
        for p, state in oa[name].items():
            for key, value in state.items():
                assert torch.equal(value, ob[name][p][key]), f"optimizer {name}: {key} of parameter {p} changed"


class Poisoned:
    """Wraps a model's step: update ``which`` (an index) of step ``at`` gets a NaN loss, once."""

    def __init__(self, model, at: int, which: int) -> None:
        self.model, self.at, self.which, self.done = model, at, which, False

    def modules(self):
        return self.model.modules()

    def train_step(self, batch: Batch, generator, progress):
        updates = list(self.model.train_step(batch, generator, progress))
        if progress.step == self.at and not self.done:
            self.done = True
            u = updates[self.which]
            updates[self.which] = Update(u.optimizer, lambda: {k: v * float("nan") for k, v in u.losses().items()},
                                         u.minimise)
        return updates


def _conv_gan(digits_x):
    """A conv GAN (batch norm in D and G) after a few real steps, with its optimizers and batch."""
    gan = GAN(arch="conv", noise_dim=8, epochs=0).fit(digits_x)
    gan.module_.train()
    optimizers = gan.make_optimizers()
    x = torch.rand(16, 1, 8, 8)
    stepper = Stepper(gan, optimizers)
    for i in range(3):
        stepper.step(x, torch.Generator().manual_seed(i), Progress(i))
    return gan, optimizers, x


@pytest.fixture()
def digits8():
    return np.random.default_rng(0).integers(0, 256, (32, 1, 8, 8), dtype=np.uint8)


def test_a_gan_step_whose_generator_update_is_not_finite_changes_nothing(digits8):
    """D's update has been applied when G's loss turns out NaN: the skipped step puts D, its Adam state and every
    BatchNorm statistic (moved by the forward passes) back."""
    gan, optimizers, x = _conv_gan(digits8)
    before = _state(gan, optimizers)
    stepper = Stepper(Poisoned(gan, at=3, which=1), optimizers, rollback=True)
    with pytest.raises(NonFiniteStep, match="loss"):
        stepper.step(x, torch.Generator().manual_seed(3), Progress(3))
    _assert_same(before, _state(gan, optimizers))
    # without putting things back, D's update (and the statistics) would have stayed: the check above can fail
    unguarded = Stepper(Poisoned(gan, at=3, which=1), optimizers, rollback=False)
    with pytest.raises(NonFiniteStep):
        unguarded.step(x, torch.Generator().manual_seed(3), Progress(3))
    with pytest.raises(AssertionError, match="discriminator"):
        _assert_same(before, _state(gan, optimizers))


def test_a_vae_step_whose_loss_is_not_finite_leaves_the_batchnorm_statistics(digits8):
    vae = VAE(arch="infogan", latent_dim=4, epochs=0).fit(digits8)  # batch norm in encoder and decoder
    vae.module_.train()
    optimizers = vae.make_optimizers()
    x = torch.rand(16, 1, 8, 8)
    Stepper(vae, optimizers).step(x, torch.Generator().manual_seed(0), Progress(0))
    before = _state(vae, optimizers)
    with pytest.raises(NonFiniteStep):
        Stepper(Poisoned(vae, at=1, which=0), optimizers, rollback=True).step(x, torch.Generator(), Progress(1))
    _assert_same(before, _state(vae, optimizers))
    running = [n for n, _ in vae.module_.named_buffers() if n.endswith("running_mean")]
    assert running, "the infoGAN-like nets have batch norm"


def test_a_skipped_step_in_fit_is_counted_and_training_goes_on(digits8):
    gan = GAN(hidden=(16,), noise_dim=4, epochs=2, batch_size=8)
    real_step = gan.train_step
    gan.train_step = Poisoned(SimpleNamespace(train_step=real_step), at=2, which=1).train_step  # G's update: NaN
    gan.fit(digits8, on_nonfinite="skip")
    assert [r["skipped_batches"] for r in gan.history_] == [1, 0]
    assert all(np.isfinite(r["train_g_loss"]) for r in gan.history_)


class Two:
    """Two linear modules: ``a`` is stepped on a loss computed through ``b``."""

    def __init__(self) -> None:
        torch.manual_seed(0)
        self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 1)
        self.inside = []

    def modules(self):
        return {"a": self.a, "b": self.b}

    def train_step(self, x, generator, progress):
        def losses():
            self.inside.append((self.a.weight.requires_grad, self.b.weight.requires_grad))
            return {"loss": self.b(self.a(x)).square().mean()}
        return [Update("a", losses)]


def test_the_engine_freezes_every_module_it_is_not_stepping():
    model = Two()
    optimizers = {"a": torch.optim.SGD(model.a.parameters(), lr=0.1), "b": torch.optim.SGD(model.b.parameters(), lr=0.1)}
    a0, b0 = model.a.weight.clone(), model.b.weight.clone()
    Stepper(model, optimizers).step(torch.ones(4, 3), torch.Generator())
    assert model.inside == [(True, False)]  # b frozen while a's loss was computed (gradients flow through it)
    assert model.b.weight.grad is None and torch.equal(model.b.weight, b0)
    assert not torch.equal(model.a.weight, a0)
    assert model.b.weight.requires_grad  # and unfrozen afterwards


def test_optimizers_must_match_the_modules():
    model = Two()
    with pytest.raises(ValueError, match="do not match the modules"):
        Stepper(model, {"a": torch.optim.SGD(model.a.parameters(), lr=0.1)})

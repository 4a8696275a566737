"""Closing the VAE's likelihood gap: the IWAE objective, KL warm-up and Burda et al.'s learning-rate schedule."""

import numpy as np
import pytest
import torch

from genzoo import VAE, ConfigError, load
from genzoo.cli import main
from genzoo.data import binarize
from genzoo.engine import Hooks, Progress, load_state
from genzoo.engine.schedules import burda, cosine


@pytest.fixture(scope="module")
def trained(digits):
    (x, _), (xt, _) = digits
    return VAE(hidden=(64,), latent_dim=4, epochs=15, binarize=True).fit(x), binarize(xt)


def _loss(vae, x, **params):
    vae.set_params(**params)
    with torch.no_grad():
        return vae._losses(torch.from_numpy(x), torch.Generator().manual_seed(0))["loss"].item()


def test_the_iwae_objective_at_k_1_is_the_elbo_in_expectation(trained):
    """k = 1: log-mean-exp of one weight is the single-sample ELBO, whose mean is the closed-form-KL ELBO."""
    vae, xt = trained
    x = np.repeat(xt[:4], 2000, axis=0)  # many draws of z for 4 images
    iwae1 = _loss(vae, x, objective="iwae", k=1)
    elbo = _loss(vae, x, objective="elbo", k=1)
    assert abs(iwae1 - elbo) < 0.15, (iwae1, elbo)  # Monte-Carlo noise only (a few nats apart per draw)
    vae.set_params(objective="iwae", k=1)
    with torch.no_grad():  # one weight: the bound is its log, so the logged terms add up to the loss
        terms = vae._losses(torch.from_numpy(x[:64]), torch.Generator().manual_seed(0))
    assert terms["loss"].item() == pytest.approx(terms["recon"].item() + terms["kl"].item(), rel=1e-5)
    vae.set_params(objective="elbo", k=1)


@pytest.mark.statistical
def test_the_iwae_bound_is_tighter_than_the_elbo_on_a_trained_model(trained):
    vae, x = trained
    elbo = _loss(vae, x, objective="elbo", k=1)
    iwae = {k: _loss(vae, x, objective="iwae", k=k) for k in (5, 50)}
    assert iwae[50] < iwae[5] < elbo, (elbo, iwae)  # losses: −bound, so the tighter bound is the smaller loss
    vae.set_params(objective="elbo", k=1)


def test_kl_warm_up_weights_the_kl_term_by_the_share_of_it_done(digits):
    (x, _), _ = digits
    vae = VAE(hidden=(32,), latent_dim=3, epochs=0, kl_warmup=2.0).fit(x)
    batch = torch.from_numpy(x[:64]).float() / 255

    def losses(epoch):
        (update,) = vae.train_step(batch, torch.Generator().manual_seed(1), Progress(0, epoch))
        return {k: v.item() for k, v in update.losses().items()}

    for epoch, weight in ((0.0, 0.0), (1.0, 0.5), (3.0, 1.0)):
        got = losses(epoch)
        assert got["loss"] == pytest.approx(got["recon"] + weight * got["kl"], rel=1e-6), epoch


def test_burdas_schedule_fitted_into_the_epochs():
    theirs = burda(3280)  # stage i lasts 3^i epochs at 10^(-i/7)
    assert [theirs(e) for e in (0, 0.99, 1, 3.99, 4, 3279)] == pytest.approx(
        [1, 1, 10 ** (-1 / 7), 10 ** (-1 / 7), 10 ** (-2 / 7), 0.1])
    ours = burda(100)  # the engine asks before every step, with the fractional epochs done
    factors = [ours(e) for e in np.linspace(0, 100, 100_000, endpoint=False)]
    assert factors[0] == 1 and factors[-1] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(factors, factors[1:])) and len(set(factors)) == 8
    assert np.mean(np.isclose(factors, 0.1)) == pytest.approx(2187 / 3280, abs=1e-3)  # the last stage: 2/3


def test_cosine_schedule_anneals_from_the_base_rate_to_zero():
    f = cosine(40)
    assert [f(e) for e in (0, 10, 20, 30, 40, 45)] == pytest.approx([1, (1 + 0.5**0.5) / 2, 0.5, (1 - 0.5**0.5) / 2, 0, 0])


class StopAtEpoch(Hooks):
    """Interrupts training as epoch ``n`` + 1 fetches its first batch (epoch n's checkpoint is written)."""

    def __init__(self, n: int) -> None:
        self.n, self.epochs = n, 0

    def end(self, phase: str) -> None:
        self.epochs += phase == "epoch"

    def begin(self, phase: str) -> None:
        if phase == "data" and self.epochs == self.n:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_iwae_with_warm_up_and_schedule_from_the_cli_resumes_bit_for_bit(tmp_path, digits):
    (x, _), _ = digits
    args = ["train", "vae", "--quiet", "--latent-dim", "4", "--set", "hidden=[32]", "--set", "objective=iwae",
            "--set", "k=5", "--set", "kl_warmup=1.5", "--set", "lr_schedule=burda", "--set", "binarize=true",
            "--epochs", "3"]
    assert main([*args, "--out", str(tmp_path / "straight")]) == 0
    same = VAE(latent_dim=4, hidden=(32,), objective="iwae", k=5, kl_warmup=1.5, lr_schedule="burda", binarize=True,
               epochs=3)
    with pytest.raises(KeyboardInterrupt):  # stopped during epoch 2: the schedule is the 3-epoch run's
        same.fit(x, run_dir=tmp_path / "resumed", hooks=StopAtEpoch(1))
    assert load_state(tmp_path / "resumed" / "checkpoint" / "last.safetensors")["epoch"] == 1
    assert main([*args, "--out", str(tmp_path / "resumed"), "--resume"]) == 0
    a, b = load(tmp_path / "straight"), load(tmp_path / "resumed")
    assert a.objective == "iwae" and a.k == 5 and a.lr_schedule == "burda"
    for name, value in a.module_.state_dict().items():
        assert torch.equal(value, b.module_.state_dict()[name]), name
    state = load_state(tmp_path / "straight" / "checkpoint" / "last.safetensors")
    lr = state["optimizers"]["main"]["param_groups"][0]["lr"]
    assert lr == pytest.approx(1e-3 * 0.1)  # the last stage (from epoch 2,186/3,280 × 3 ≈ 2.0 on) at 10^(-7/7)


@pytest.mark.parametrize("params, match", [
    ({"objective": "vi"}, "objective='vi' is not allowed"),
    ({"k": 0}, "k=0 is not allowed"),
    ({"kl_warmup": -1.0}, "kl_warmup=-1.0 is not allowed"),
    ({"lr_schedule": "step"}, "lr_schedule='step' is not allowed"),
])
def test_bad_parameters(params, match, digits):
    (x, _), _ = digits
    with pytest.raises(ConfigError, match=match):
        VAE(epochs=0, **params).fit(x)

import json

import numpy as np
import pytest
import torch

from genzoo import GAN, ConfigError, DiscriminatorGenerator, load, toy
from genzoo.data import toy_density, toy_modes, toy_std
from genzoo.engine.checkpoint import load_state
from genzoo.metrics import mode_coverage
from genzoo.models.adversarial import discriminator_loss, generator_loss
from genzoo.theory import fit_discriminator, grid, jensen_shannon, optimal_discriminator, saturation, value


def test_toy_data_shapes_determinism_and_densities():
    for name in ("ring8", "grid25", "moons"):
        x = toy(name, n=500, random_state=3)
        assert x.shape == (500, 2) and x.dtype == np.float32
        np.testing.assert_array_equal(x, toy(name, n=500, random_state=3))
        assert not np.array_equal(x, toy(name, n=500, random_state=4))
    ring = toy("ring8", 4000)
    assert np.abs(np.linalg.norm(ring, axis=1) - 2).max() < 6 * toy_std("ring8")
    points, cell = grid(6.0, 300)
    for name in ("ring8", "grid25"):
        assert toy_density(name, points, std=0.2).sum() * cell == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ConfigError, match="unknown toy dataset 'spiral'"):
        toy("spiral")


def test_mode_coverage_counts():
    modes, std = toy_modes("ring8"), 0.02
    exact = np.repeat(modes, 10, axis=0)
    assert mode_coverage(exact, modes, std) == {"modes_covered": 8, "modes": 8, "high_quality": 1.0, "per_mode": [10] * 8}
    collapsed = np.concatenate([np.repeat(modes[:1], 90, 0), np.zeros((10, 2))])  # 90 at one mode, 10 in the middle
    result = mode_coverage(collapsed, modes, std)
    assert result["modes_covered"] == 1 and result["high_quality"] == pytest.approx(0.9)


def test_generator_losses_gradients_saturate_as_the_notes_say():
    """d/dℓ log(1 − sigmoid ℓ) = −sigmoid ℓ → 0 when D rejects (ℓ ≪ 0); d/dℓ −log sigmoid ℓ = sigmoid ℓ − 1 → −1."""
    logits = torch.tensor([-8.0, -2.0, 0.0, 3.0], requires_grad=True)
    for kind, expected in (("minimax", -torch.sigmoid(logits)), ("non-saturating", torch.sigmoid(logits) - 1)):
        (grad,) = torch.autograd.grad(generator_loss(logits, kind) * len(logits), logits)
        torch.testing.assert_close(grad, expected.detach())
    real, fake = torch.randn(7), torch.randn(5)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    torch.testing.assert_close(discriminator_loss(real, fake), bce(real, torch.ones(7)) + bce(fake, torch.zeros(5)))
    assert torch.isfinite(discriminator_loss(torch.tensor([-1e4]), torch.tensor([1e4])))  # stable from logits


@pytest.mark.statistical
def test_trained_discriminator_approaches_d_star_and_v_equals_2js_minus_2log2():
    """Fixed generator p_G = N(0, I); data: a ring of 8 Gaussians with σ = 0.3; both densities known."""
    real = toy("ring8", 4000, std=0.3, random_state=0)
    fake = np.random.default_rng(1).standard_normal((4000, 2)).astype(np.float32)
    points, cell = grid(5.0, 200)
    p_data = toy_density("ring8", points, std=0.3)
    p_model = np.exp(-(points**2).sum(1) / 2) / (2 * np.pi)
    d_star = optimal_discriminator(p_data, p_model)
    v_star = value(p_data, p_model, d_star, cell)
    js = jensen_shannon(p_data, p_model, cell)
    assert 0 < js < np.log(2)
    assert v_star == pytest.approx(2 * js - 2 * np.log(2), abs=1e-3)
    d = fit_discriminator(real, fake, steps=300)(points)
    weights = (p_data + p_model) / 2 * cell  # where the data or the generator put mass
    assert (np.abs(d - d_star) * weights).sum() < 0.05
    v_trained = value(p_data, p_model, d, cell)
    assert v_star - 0.03 < v_trained <= v_star + 1e-6  # D* maximises V(G, ·)


@pytest.mark.statistical
def test_minimax_generator_gets_far_less_gradient_than_non_saturating_at_the_start():
    x = toy("ring8", 1000)
    gan = GAN(hidden=(128, 128), noise_dim=8, lr=2e-4, epochs=0).fit(x)
    result = saturation(gan, x, d_steps=300, n=256)
    assert result["d_fake"] < 0.2  # D rejects G's samples
    assert result["minimax"] < 0.3 * result["non-saturating"]


@pytest.mark.statistical
def test_toy_gan_covers_the_ring():
    x = toy("ring8", 2000, std=0.1, random_state=0)
    gan = GAN(hidden=(128, 128), noise_dim=8, epochs=40, batch_size=64, lr=1e-3, random_state=0).fit(x)
    coverage = mode_coverage(gan.sample(2000), toy_modes("ring8"), 0.1)
    assert coverage["modes_covered"] >= 7, coverage
    assert coverage["high_quality"] > 0.4
    assert gan.output_ == "linear"
    probs = gan.discriminate(x[:100])
    assert probs.shape == (100,) and ((probs > 0) & (probs < 1)).all()


@pytest.mark.statistical
def test_discriminator_only_generation_on_the_ring():
    x = toy("ring8", 1000, std=0.1, random_state=0)
    noise = np.random.default_rng(0).uniform(-2.5, 2.5, (1000, 2)).astype(np.float32)
    before = mode_coverage(noise, toy_modes("ring8"), 0.1)["high_quality"]
    model = DiscriminatorGenerator(hidden=(128, 128), epochs=20, random_state=0).fit(x)
    after = mode_coverage(model.sample(1000), toy_modes("ring8"), 0.1)
    assert after["modes_covered"] == 8 and after["high_quality"] > max(0.5, 5 * before), (before, after)


@pytest.mark.statistical
def test_image_gan_learns_digits_samples_shapes_and_round_trips(digits, tmp_path):
    (x, _), _ = digits
    target = x.reshape(len(x), -1).mean(0) / 255.0

    def distance(model):  # how far the mean sample is from the mean digit
        return np.abs(model.sample(500).reshape(500, -1).mean(0) - target).mean()

    untrained = GAN(hidden=(128,), noise_dim=16, epochs=0).fit(x)
    gan = GAN(hidden=(128,), noise_dim=16, epochs=15, lr=1e-3).fit(x, run_dir=tmp_path / "gan")
    assert gan.output_ == "sigmoid"
    assert distance(gan) < 0.4 * distance(untrained)
    samples = gan.sample(9, random_state=1)
    assert samples.shape == (9, 1, 8, 8) and samples.min() >= 0 and samples.max() <= 1
    loaded = load(tmp_path / "gan")
    np.testing.assert_array_equal(loaded.sample(9, random_state=1), samples)
    np.testing.assert_array_equal(loaded.discriminate(x[:5]), gan.discriminate(x[:5]))


def test_an_image_gan_batch_normalises_its_mlp_generator_and_a_row_gan_does_not(digits, tmp_path):
    (x, _), _ = digits

    def norms(model):
        return sum(isinstance(m, torch.nn.BatchNorm1d) for m in model.module_.generator.modules())

    assert (norms(GAN(epochs=0).fit(x)), norms(GAN(epochs=0).fit(toy("ring8", 50)))) == (2, 0)
    assert (norms(GAN(epochs=0, g_norm="none").fit(x)), norms(GAN(epochs=0, g_norm="batch").fit(toy("ring8", 64)))) \
        == (0, 2)
    # a run saved before g_norm existed (no norm layers, no g_norm in its config) still loads, as g_norm="none"
    before = GAN(hidden=(32,), noise_dim=4, g_norm="none", epochs=1).fit(x, run_dir=tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    del config["params"]["g_norm"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    loaded = load(tmp_path / "old")
    assert loaded.g_norm == "none"
    np.testing.assert_array_equal(loaded.sample(5, random_state=2), before.sample(5, random_state=2))


def test_d_steps_and_resume(digits, tmp_path):
    (x, _), _ = digits
    init = GAN(hidden=(32,), noise_dim=4, epochs=0).fit(x)
    gan = GAN(hidden=(32,), noise_dim=4, d_steps=30, epochs=2, batch_size=100, lr=1e-3).fit(x, run_dir=tmp_path / "k")
    # 2 epochs of 15 batches: 30 D updates, then 1 G update; the engine counts the steps in its checkpoint
    assert load_state(tmp_path / "k" / "checkpoint" / "last.safetensors")["steps"] == 30
    pairs = zip(gan.module_.generator.parameters(), init.module_.generator.parameters())
    assert all(not torch.equal(a, b) for a, b in pairs)
    once = GAN(hidden=(32,), noise_dim=4, d_steps=30, epochs=1, batch_size=100).fit(x)  # 15 D updates, no G update
    for a, b in zip(once.module_.generator.parameters(), init.module_.generator.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    straight = GAN(hidden=(32,), noise_dim=4, d_steps=3, epochs=2, batch_size=100).fit(x, run_dir=tmp_path / "a")
    GAN(hidden=(32,), noise_dim=4, d_steps=3, epochs=1, batch_size=100).fit(x, run_dir=tmp_path / "b")
    resumed = GAN(hidden=(32,), noise_dim=4, d_steps=3, epochs=2, batch_size=100).fit(x, run_dir=tmp_path / "b",
                                                                                       resume=True)
    for (name, a), b in zip(straight.module_.state_dict().items(), resumed.module_.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)


@pytest.mark.slow
def test_conv_gan_sizes_from_the_image_and_trains(mnist):
    (x, _), _ = mnist
    gan = GAN(arch="conv", noise_dim=16, epochs=1, batch_size=64).fit(x[:640])
    assert gan.sample(4).shape == (4, 1, 28, 28)
    assert np.isfinite(gan.history_[0]["train_d_loss"])
    small = GAN(arch="conv", noise_dim=8, epochs=0).fit(np.zeros((8, 3, 12, 16), np.uint8))
    assert small.sample(2).shape == (2, 3, 12, 16)


@pytest.mark.parametrize("params, match", [
    ({"g_loss": "wasserstein"}, "g_loss='wasserstein' is not allowed"),
    ({"d_steps": 0}, "d_steps=0 is not allowed"),
    ({"noise": "cauchy"}, "noise='cauchy'"),
    ({"g_norm": "layer"}, "g_norm='layer' is not allowed"),
    ({"output": "sigmoid"}, r"values in \[-2"),
])
def test_bad_parameters_and_data(params, match):
    with pytest.raises(ConfigError, match=match):
        GAN(epochs=0, **params).fit(toy("ring8", 50))

import math

import numpy as np
import pytest
import torch

from genzoo import VAE, ConfigError, load
from genzoo.models import kl_standard_normal


def test_kl_matches_monte_carlo():
    gen = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(3, 4, generator=gen), torch.randn(3, 4, generator=gen) * 0.5
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(400_000, 3, 4, generator=gen, dtype=torch.float64)
    log_q = torch.distributions.Normal(mu.double(), std.double()).log_prob(z).sum(-1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    np.testing.assert_allclose(kl_standard_normal(mu, logvar).numpy(), (log_q - log_p).mean(0).numpy(), rtol=0.02)
    assert kl_standard_normal(torch.zeros(2, 5), torch.zeros(2, 5)).abs().max() == 0


def test_iwae_on_a_linear_gaussian_vae_converges_to_the_exact_log_likelihood():
    """hidden=() and a Gaussian likelihood make p(x) = N(b, WWᵀ + σ²I): probabilistic PCA, in closed form."""
    rng = np.random.default_rng(0)
    x = rng.random((30, 6)).astype(np.float32)
    vae = VAE(hidden=(), latent_dim=2, likelihood="gaussian", sigma=0.3, epochs=0).fit(x)
    w = vae.module_.decoder.net[0].weight.detach().double()
    b = vae.module_.decoder.net[0].bias.detach().double()
    exact = torch.distributions.MultivariateNormal(b, w @ w.T + 0.09 * torch.eye(6)).log_prob(
        torch.from_numpy(x).double()).numpy()
    estimates = {k: vae.log_likelihood(x, k=k).mean() for k in (1, 10, 100, 5000)}
    assert estimates[1] < estimates[10] < estimates[100] < estimates[5000] <= exact.mean() + 0.02
    assert abs(estimates[5000] - exact.mean()) < 0.05
    assert abs(estimates[5000] - exact.mean()) < abs(estimates[1] - exact.mean()) / 10
    elbos = [vae.score_samples(x, random_state=s).mean() for s in range(20)]
    assert np.mean(elbos) < estimates[5000]
    one_draw = vae.score_samples(x, random_state=3)  # random_state fixes the draw, and only it
    np.testing.assert_array_equal(vae.score_samples(x, random_state=3), one_draw)
    assert not np.array_equal(vae.score_samples(x, random_state=4), one_draw)
    with pytest.raises(ConfigError, match="k=0"):
        vae.log_likelihood(x, k=0)


@pytest.mark.statistical
def test_mlp_vae_learns_binarized_mnist(mnist, tmp_path):
    (x, _), (xt, _) = mnist
    xt = xt[:500]
    vae = VAE(hidden=(256,), latent_dim=10, binarize=True, epochs=2, lr=2e-3).fit(x[:10000], run_dir=tmp_path / "vae")
    h = vae.history_
    assert h[-1]["train_loss"] < h[0]["train_loss"] and {"train_recon", "train_kl", "val_kl"} <= set(h[-1])
    binary = (np.random.default_rng(0).random(xt.shape) < xt / 255.0).astype(np.float32)
    elbo = vae.score(binary)
    iwae = vae.log_likelihood(binary, k=50).mean()
    assert -200 < elbo < iwae < 0, (elbo, iwae)  # nats per image; an untrained VAE sits near -543
    samples = vae.sample(16, random_state=1)
    assert samples.shape == (16, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(16, random_state=1))
    assert vae.transform(xt).shape == (500, 10) and vae.reconstruct(xt).shape == (500, 1, 28, 28)
    back = load(tmp_path / "vae")
    np.testing.assert_array_equal(back.transform(xt), vae.transform(xt))
    assert back.score(binary) == pytest.approx(elbo)


@pytest.mark.statistical
def test_conv_vae_and_learned_sigma(digits):
    (x, _), (xt, _) = digits
    vae = VAE(arch="conv", latent_dim=2, epochs=2).fit(x)  # 8x8: multiples of 4
    assert vae.sample(3).shape == (3, 1, 8, 8) and vae.transform(xt).shape == (359, 2)
    g = VAE(hidden=(64,), latent_dim=4, likelihood="gaussian", learn_sigma="global", epochs=20, lr=3e-3).fit(x)
    sigma = math.exp(g.module_.log_sigma.item())
    assert abs(sigma - 0.1) > 0.01  # learned: it moved from its starting value
    assert np.isfinite(g.score(xt))
    with pytest.raises(ConfigError, match="multiples of 4"):
        VAE(arch="conv").fit(np.zeros((4, 1, 10, 10), np.uint8))


@pytest.mark.parametrize("params,match", [
    ({"likelihood": "poisson"}, "likelihood='poisson'"),
    ({"learn_sigma": "global"}, "learn_sigma needs likelihood='gaussian'"),
    ({"beta": -1}, "beta=-1"),
    ({"sigma": 0}, "sigma=0"),
])
def test_bad_parameters(params, match, digits):
    (x, _), _ = digits
    with pytest.raises(ConfigError, match=match):
        VAE(**params).fit(x)


@pytest.mark.slow
def test_infogan_vae_trains_samples_and_round_trips(mnist, tmp_path):
    (x, _), (xt, _) = mnist
    vae = VAE(arch="infogan", latent_dim=8, binarize=True, epochs=1, batch_size=64).fit(x[:2000], run_dir=tmp_path / "v")
    h = vae.history_[0]
    assert np.isfinite(h["train_loss"]) and h["val_loss"] < 543  # below an untrained model's ~784·log 2 nats
    assert vae.sample(5).shape == (5, 1, 28, 28)
    back = load(tmp_path / "v")
    np.testing.assert_array_equal(back.transform(xt[:50]), vae.transform(xt[:50]))  # batch-norm statistics saved


@pytest.mark.statistical
def test_a_gaussian_vae_models_real_valued_rows(digits, tmp_path):
    """likelihood="gaussian" takes any real data (scikit-learn's checks feed it standard-normal rows): on rows near a
    2-D plane, far outside [0, 1], its reconstructions are not clipped and come near PCA's with 2 components."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2)) @ rng.normal(size=(2, 6)) * 3 + 5 + 0.3 * rng.normal(size=(2000, 6))
    vae = VAE(hidden=(32,), latent_dim=2, likelihood="gaussian", learn_sigma="global", epochs=60, lr=3e-3)
    vae.fit(x, run_dir=tmp_path / "vae")
    error = ((vae.reconstruct(x) - x) ** 2).mean()
    centred = x - x.mean(0)
    top = np.linalg.svd(centred, full_matrices=False)[2][:2]  # PCA's 2 axes
    pca_error = ((centred - centred @ top.T @ top) ** 2).mean()
    assert error < 2 * pca_error < 0.1 * (centred**2).mean(), (error, pca_error, (centred**2).mean())
    np.testing.assert_array_equal(load(tmp_path / "vae").reconstruct(x[:50]), vae.reconstruct(x[:50]))
    (images, _), _ = digits  # images in [0, 1]: the Gaussian mean is clipped to their range
    assert VAE(likelihood="gaussian", hidden=(8,), latent_dim=2, epochs=1).fit(images).reconstruct(images).max() <= 1
    with pytest.raises(ConfigError, match=r"X has values in \[.*\]; scale them to \[0, 1\]"):
        VAE(epochs=1).fit(x)  # a Bernoulli decoder models images in [0, 1] only

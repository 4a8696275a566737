"""The conditional VAE: its terms against closed forms, samples of the class asked for, the label surface and its
errors, the CLI (train, sample --label, report) and bit-for-bit resume."""

import json

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from genzoo import CVAE, VAE, ConfigError, load
from genzoo.cli import main
from genzoo.metrics import domain_classifier
from genzoo.models import kl_standard_normal


@pytest.fixture(scope="module")
def trained(digits):
    (x, y), _ = digits
    return CVAE(hidden=(128,), latent_dim=4, epochs=60).fit(x, y)


def test_the_kl_and_likelihood_terms_match_their_closed_forms(trained, digits):
    _, (xt, yt) = digits
    x, y = torch.from_numpy(xt[:16] / np.float32(255)), torch.from_numpy(yt[:16].astype(np.int64))
    c = torch.nn.functional.one_hot(y, 10).float()
    net = trained.module_.eval()
    with torch.no_grad():
        nll, kl = trained._terms(x, torch.Generator().manual_seed(3), c=c)
        flat = torch.cat([x.flatten(1), c], 1)  # q(z|x, y): the label joined to the pixels
        mu, logvar = net.encoder(flat).chunk(2, 1)
        eps = torch.randn(1, *mu.shape, generator=torch.Generator().manual_seed(3))[0]
        p = net.decoder(torch.cat([mu + (0.5 * logvar).exp() * eps, c], 1)).sigmoid().double()  # p(x|z, y)
        m, s2 = net.prior.mean[y].double().numpy(), net.prior.logvar[y].exp().double().numpy()  # p(z|y)
    mu, var, xd = mu.double().numpy(), logvar.exp().double().numpy(), x.double().numpy()
    kl_closed = 0.5 * (np.log(s2) - np.log(var) + (var + (mu - m) ** 2) / s2 - 1).sum(1)
    nll_closed = -(xd * np.log(p.numpy()) + (1 - xd) * np.log(1 - p.numpy())).reshape(16, -1).sum(1)
    np.testing.assert_allclose(kl.numpy(), kl_closed, rtol=1e-4)
    np.testing.assert_allclose(nll.numpy(), nll_closed, rtol=1e-4)


@pytest.mark.statistical
def test_samples_have_the_class_asked_for_and_the_label_helps_the_bound(trained, digits):
    (x, y), (xt, yt) = digits
    judge = LogisticRegression(max_iter=3000).fit(x.reshape(len(x), -1) / 255.0, y)
    asked = np.arange(500) % 10
    samples = trained.sample(500, y=asked, random_state=1)
    assert samples.shape == (500, 1, 8, 8)
    assert (judge.predict(samples.reshape(500, -1)) == asked).mean() > 0.9
    wrong = (judge.predict(trained.sample(500, y=(asked + 1) % 10, random_state=1).reshape(500, -1)) == asked).mean()
    assert wrong < 0.1  # the same z with another label: another digit
    vae = VAE(hidden=(128,), latent_dim=4, epochs=60).fit(x)
    assert trained.score(xt, yt) > vae.score(xt) + 0.5  # log p(x|y) beats log p(x)
    assert trained.score(xt, yt) > trained.score(xt, (yt + 3) % 10) + 5  # and the right label beats a wrong one


def test_the_label_surface_and_its_errors(trained, digits):
    (x, y), (xt, yt) = digits
    assert trained.transform(xt[:5], yt[:5]).shape == (5, 4)
    assert trained.inverse_transform(np.zeros((3, 4)), 7).shape == (3, 1, 8, 8)
    assert trained.sample(4, y=2).shape == (4, 1, 8, 8)
    refit = CVAE(hidden=(16,), latent_dim=2, epochs=1)  # fit_transform keeps the labels for the transform
    np.testing.assert_array_equal(refit.fit_transform(x, y), refit.transform(x, y))
    for bad, match in ((yt[:4], r"one label per image: shaped \(5,\), got \(4,\)"),
                       (yt[:5] + 0.5, r"Unknown label type: continuous. y holds \d.5"),
                       (np.full(5, 12), "class 12, which the model was not trained on"),
                       (None, r"give class labels y, shaped \(5,\)")):
        with pytest.raises(ConfigError, match=match):
            trained.reconstruct(xt[:5], bad)
    with pytest.raises(ConfigError, match="requires y to be passed, but the target y is None: give class labels y"):
        CVAE(epochs=1).fit(x)
    with pytest.raises(ConfigError, match="one class"):
        CVAE(epochs=1).fit(x[:20], np.zeros(20, dtype=int))


@pytest.mark.slow
def test_train_sample_by_label_report_and_resume_from_the_cli(digits, tmp_path, capsys):
    args = ["train", "cvae", "--quiet", "--latent-dim", "2", "--set", "hidden=[32]"]
    assert main([*args, "--epochs", "3", "--out", str(tmp_path / "straight")]) == 0
    assert main([*args, "--epochs", "1", "--out", str(tmp_path / "resumed")]) == 0
    assert main([*args, "--epochs", "3", "--out", str(tmp_path / "resumed"), "--resume"]) == 0
    a, b = load(tmp_path / "straight"), load(tmp_path / "resumed")
    assert isinstance(a, CVAE) and list(a.classes_) == list(range(10))
    for name, value in a.module_.state_dict().items():
        assert torch.equal(value, b.module_.state_dict()[name]), name
    assert main(["sample", str(tmp_path / "straight"), "-n", "6", "--label", "3", "--out", str(tmp_path / "s.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), a.sample(6, y=3))
    assert main(["eval", str(tmp_path / "straight"), "--fd-samples", "200"]) == 0
    metrics = json.loads((tmp_path / "straight" / "metrics.json").read_text())
    judge = domain_classifier("digits")  # what eval used: the samples of class i % 10 it calls i % 10
    assert metrics["class_accuracy"] == (judge.predict(a.sample(200, random_state=1)) == np.arange(200) % 10).mean()
    assert metrics["elbo"] == pytest.approx(a.score(*digits[1]), abs=0.5) and "mse" in metrics
    assert main(["report", str(tmp_path / "straight")]) == 0
    figures = {p.stem for p in (tmp_path / "straight" / "figures").glob("*.png")}
    assert {"samples", "same-z-every-class", "reconstructions"} <= figures
    main(["train", "vae", "--quiet", "--epochs", "1", "--out", str(tmp_path / "vae")])
    capsys.readouterr()
    assert main(["sample", str(tmp_path / "vae"), "--label", "3", "--out", str(tmp_path / "v.png")]) == 2
    assert "--label is for conditional models (cgan, acgan, cvae, m2, m1m2); " in capsys.readouterr().err


@pytest.mark.parametrize("arch", ["conv", "infogan"])
def test_conv_nets_take_the_label_as_channels(arch, digits, tmp_path):
    (x, y), (xt, yt) = digits
    cvae = CVAE(arch=arch, latent_dim=2, epochs=2).fit(x, y, run_dir=tmp_path / arch)
    first = cvae.module_.encoder.net[0]
    assert first.in_channels == 1 + 10  # the image's channel and one per class
    np.testing.assert_array_equal(load(tmp_path / arch).reconstruct(xt[:9], yt[:9]), cvae.reconstruct(xt[:9], yt[:9]))
    assert cvae.sample(3, y=1).shape == (3, 1, 8, 8)


@pytest.mark.statistical
def test_the_class_prior_is_learned_and_its_kl_and_log_density_match_torch(digits, tmp_path):
    (x, y), (xt, yt) = digits
    cvae = CVAE(prior="class", hidden=(64,), latent_dim=2, epochs=20).fit(x, y, run_dir=tmp_path / "run")
    prior = cvae.module_.prior
    xb, yb = torch.from_numpy(xt[:16] / np.float32(255)), torch.from_numpy(yt[:16].astype(np.int64))
    c = torch.nn.functional.one_hot(yb, 10).float()
    with torch.no_grad():
        _, kl = cvae._terms(xb, torch.Generator().manual_seed(0), c=c)
        mu, logvar = cvae.module_.encode(xb, c)
        assert kl.mean() < kl_standard_normal(mu, logvar).mean() - 0.05  # the learned p(z|y) fits the codes better
        p = torch.distributions.Normal(prior.mean[yb], (0.5 * prior.logvar[yb]).exp())
        q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
        np.testing.assert_allclose(kl.numpy(), torch.distributions.kl_divergence(q, p).sum(1).numpy(), rtol=1e-4)
        _, log_ratio = cvae._log_weights(xb, 3, torch.Generator().manual_seed(1), c)
        z = mu + (0.5 * logvar).exp() * torch.randn(3, *mu.shape, generator=torch.Generator().manual_seed(1))
        expected = (p.log_prob(z) - q.log_prob(z)).sum(-1)  # log p(z|y) − log q(z|x, y) at the same draws
    np.testing.assert_allclose(log_ratio.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
    eps = torch.randn(5, 2, generator=torch.Generator().manual_seed(1)).numpy()
    codes = prior.mean.detach()[3] + (0.5 * prior.logvar.detach()[3]).exp() * eps
    np.testing.assert_allclose(cvae.prior_codes(eps, 3), codes.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(cvae.sample(5, y=3, random_state=1), cvae.inverse_transform(codes.numpy(), 3))
    again = load(tmp_path / "run")
    assert again.prior == "class" and torch.equal(again.module_.prior.logvar, prior.logvar)
    with pytest.raises(ConfigError, match="prior"):
        CVAE(prior="gaussian").fit(x, y)

"""The semi-supervised VAE (M2) and M1+M2: the unlabelled bound against its definition, learning from few labels on
digits (beating logistic regression on the same labelled pixels), the label subset, the CLI and resume."""

import json
import shutil

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from genzoo import M1M2, M2, VAE, Autoencoder, ConfigError, load
from genzoo.cli import main
from genzoo.models.labels import labelled_subset


@pytest.fixture(scope="module")
def few_labels(digits):
    (_, y), _ = digits
    return labelled_subset(y, 50, 0)


def test_the_unlabelled_bound_is_the_expected_labelled_bound_minus_the_entropy(digits):
    """U(x) = Σ_y q(y|x) L(x, y) − H(q(y|x)), with L(x, y) the labelled loss of every class for the same z noise."""
    (x, y), (xt, _) = digits
    m2 = M2(hidden=(32,), latent_dim=4, epochs=2).fit(x, y)
    batch = torch.from_numpy(xt[:7] / np.float32(255))
    with torch.no_grad():
        u, logits = m2._unlabelled_loss(batch, torch.Generator().manual_seed(5))
        every = torch.arange(10).repeat_interleave(7)  # class-major, as U draws its noise
        per_class = m2._labelled_loss(batch.repeat(10, 1, 1, 1), every, torch.Generator().manual_seed(5))
    q = logits.softmax(1).double().numpy()
    losses = per_class.double().numpy().reshape(10, 7).T  # (image, class)
    entropy = -(q * np.log(q)).sum(1)
    np.testing.assert_allclose(u.numpy(), (q * losses).sum(1) - entropy, rtol=1e-5)
    assert np.ptp(losses, axis=1).mean() > 1  # the classes' bounds differ: a mix-up of rows would show


@pytest.mark.statistical
def test_m2_with_few_labels_beats_logistic_regression_on_the_labelled_pixels(digits, few_labels):
    (x, y), (xt, yt) = digits
    kept = few_labels >= 0
    assert kept.sum() == 50 and set(np.bincount(y[kept])) == {5}  # class-balanced
    baseline = LogisticRegression(max_iter=5000).fit(x[kept].reshape(50, -1) / 255.0, y[kept])
    baseline_accuracy = baseline.score(xt.reshape(len(xt), -1) / 255.0, yt)
    m2 = M2(hidden=(256,), latent_dim=16, epochs=100).fit(x, few_labels)
    assert m2.n_labelled_ == 50
    assert m2.score(xt, yt) > baseline_accuracy + 0.02, (m2.score(xt, yt), baseline_accuracy)
    proba = m2.predict_proba(xt[:20])
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    np.testing.assert_array_equal(m2.predict(xt[:20]), proba.argmax(1))
    assert m2.sample(3, y=4).shape == (3, 1, 8, 8)
    # without labels, the codes and reconstructions are those of the class M2 predicts (not of some fixed class)
    predicted = m2.predict(xt[:20])
    np.testing.assert_array_equal(m2.transform(xt[:20]), m2.transform(xt[:20], predicted))
    np.testing.assert_array_equal(m2.reconstruct(xt[:20]), m2.reconstruct(xt[:20], predicted))
    assert not np.array_equal(m2.transform(xt[:20]), m2.transform(xt[:20], (predicted + 1) % 10))


@pytest.mark.statistical
def test_m1_m2_classifies_images_through_a_copy_of_m1(digits, few_labels, tmp_path):
    (x, _), (xt, yt) = digits
    m1 = VAE(hidden=(128,), latent_dim=16, epochs=60).fit(x)
    model = M1M2(m1=m1, hidden=(128,), latent_dim=8, epochs=60).fit(x, few_labels, run_dir=tmp_path / "m1m2")
    assert model.score(xt, yt) > 0.8
    np.testing.assert_array_equal(load(tmp_path / "m1m2").predict_proba(xt), model.predict_proba(xt))
    flat = xt.reshape(len(xt), -1) / 255.0
    m1_error = ((m1.reconstruct(xt).reshape(len(xt), -1) - flat) ** 2).mean()  # 0.036; the mean image's 0.072
    for p in m1.module_.parameters():  # M1 itself is untouched
        p.data.zero_()
    np.testing.assert_array_equal(model.predict(xt), load(tmp_path / "m1m2").predict(xt))
    # images out, through M1's decoder: reconstructions near M1's own (0.044), samples of the class asked for
    error = ((model.reconstruct(xt).reshape(len(xt), -1) - flat) ** 2).mean()
    assert error < 1.4 * m1_error < ((flat.mean(0) - flat) ** 2).mean(), (error, m1_error)
    assert (model.predict(model.sample(50, y=4)) == 4).mean() > 0.8
    assert model.transform(xt[:5]).shape == (5, 8)
    with pytest.raises(ConfigError, match="M1M2 needs m1="):
        M1M2().fit(x, few_labels)
    with pytest.raises(ConfigError, match="m1=Autoencoder is not a VAE: pass one"):
        M1M2(m1=Autoencoder()).fit(x, few_labels)


def test_m1_m2_fits_an_unfitted_m1_on_every_image_first(digits, few_labels, tmp_path):
    """Given an unfitted VAE, fit trains (a clone of) it on all of X, labelled or not, then M2 on its codes: the
    same model, bit for bit, as fitting M1 by hand first."""
    (x, _), (xt, _) = digits
    m1 = VAE(hidden=(32,), latent_dim=8, epochs=3)
    settings = {"hidden": (32,), "latent_dim": 4, "epochs": 2}
    by_hand = M1M2(m1=clone(m1).fit(x), **settings).fit(x, few_labels)
    in_one = M1M2(m1=m1, **settings).fit(x, few_labels, run_dir=tmp_path / "m1m2")
    assert not hasattr(m1, "module_")
    np.testing.assert_array_equal(in_one.predict_proba(xt), by_hand.predict_proba(xt))
    np.testing.assert_array_equal(load(tmp_path / "m1m2").predict_proba(xt), in_one.predict_proba(xt))
    by_hand.m1.save(tmp_path / "m1")  # on a run folder, then without it: M1's range was read once, at fit
    on_folder = M1M2(m1=str(tmp_path / "m1"), **settings).fit(x, few_labels)
    shutil.rmtree(tmp_path / "m1")
    np.testing.assert_array_equal(on_folder.predict_proba(xt), by_hand.predict_proba(xt))
    gaussian = M1M2(m1=VAE(hidden=(32,), latent_dim=8, likelihood="gaussian", epochs=1), **settings)
    images = gaussian.fit(x, few_labels, run_dir=tmp_path / "gaussian").reconstruct(xt[:5])  # M1 stays unfitted
    np.testing.assert_array_equal(load(tmp_path / "gaussian").reconstruct(xt[:5]), images)
    assert images.shape == (5, 1, 8, 8) and images.min() >= 0 and images.max() <= 1  # images in, images out


def test_labels_and_their_errors(digits):
    (x, y), _ = digits
    a, b, c = labelled_subset(y, 23, 0), labelled_subset(y, 23, 0), labelled_subset(y, 23, 1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and (a >= 0).sum() == 23 and sorted(np.bincount(a[a >= 0])) == [2] * 7 + [3] * 3
    for n in (5, len(y) + 1):
        with pytest.raises(ConfigError, match=f"--labels {n}: choose from 10"):
            labelled_subset(y, n)
    for bad, match in ((np.full(len(y), -1), "no labelled row"), (y + 0.5, "Unknown label type: continuous"),
                       (y[:10], "one label per image")):
        with pytest.raises(ConfigError, match=match):
            M2(epochs=1).fit(x, bad)


@pytest.mark.slow
def test_train_with_labels_from_the_cli_resumes_bit_for_bit_and_reports_accuracy(tmp_path, capsys):
    args = ["train", "m2", "--quiet", "--labels", "100", "--latent-dim", "4", "--set", "hidden=[32]"]
    assert main([*args, "--epochs", "3", "--out", str(tmp_path / "straight")]) == 0
    assert main([*args, "--epochs", "1", "--out", str(tmp_path / "resumed")]) == 0
    assert main([*args, "--epochs", "3", "--out", str(tmp_path / "resumed"), "--resume"]) == 0
    a, b = load(tmp_path / "straight"), load(tmp_path / "resumed")
    assert a.n_labelled_ == 100
    for name, value in a.module_.state_dict().items():
        assert torch.equal(value, b.module_.state_dict()[name]), name
    assert main(["eval", str(tmp_path / "straight"), "--fd-samples", "0"]) == 0
    metrics = json.loads((tmp_path / "straight" / "metrics.json").read_text())
    from genzoo import load_dataset

    xt, yt = load_dataset("digits", "test")
    assert metrics["accuracy"] == (a.predict(xt) == yt).mean()
    capsys.readouterr()
    assert main(["train", "vae", "--labels", "100", "--out", str(tmp_path / "v")]) == 2
    assert "--labels is for the semi-supervised models (m2, m1m2); vae takes no labels" in capsys.readouterr().err


@pytest.mark.slow
def test_m1_m2_from_the_cli_on_an_m1_run_folder(tmp_path):
    """The README's commands: a VAE run, then M1+M2 naming its folder; the saved M1+M2 loads and classifies on its
    own, the M1 folder gone (it holds M1's config and weights)."""
    m1 = ["train", "vae", "--quiet", "--latent-dim", "8", "--set", "hidden=[64]", "--epochs", "5"]
    assert main([*m1, "--out", str(tmp_path / "m1")]) == 0
    assert main(["train", "m1m2", "--quiet", "--labels", "50", "--set", f"m1={tmp_path / 'm1'}", "--latent-dim", "4",
                 "--set", "hidden=[64]", "--epochs", "3", "--out", str(tmp_path / "m1m2")]) == 0
    assert main(["eval", str(tmp_path / "m1m2")]) == 0
    from genzoo import load_dataset

    xt, yt = load_dataset("digits", "test")
    shutil.rmtree(tmp_path / "m1")
    model = load(tmp_path / "m1m2")
    assert json.loads((tmp_path / "m1m2" / "metrics.json").read_text())["accuracy"] == (model.predict(xt) == yt).mean()

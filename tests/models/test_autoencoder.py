import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from genzoo import PCA, Autoencoder, ConfigError, load


def _mse(a, b):
    return float(np.mean((a - b) ** 2))


@pytest.mark.statistical
@pytest.mark.slow
def test_one_hidden_layer_ae_learns_fashion_mnist(fashion):
    (x, _), (xt, _) = fashion
    xt = xt[:2000]
    ae = Autoencoder(latent_dim=32, epochs=2, batch_size=128, lr=1e-2).fit(x)
    losses = [r["train_loss"] for r in ae.history_]
    assert losses[-1] < losses[0]
    target = xt / 255.0
    err = _mse(ae.reconstruct(xt), target)
    mean_image = _mse(np.broadcast_to(x.mean(0) / 255.0, target.shape), target)
    assert err < 0.3 * mean_image, (err, mean_image)
    assert ae.transform(xt).shape == (2000, 32)


@pytest.mark.statistical
def test_deep_ae_beats_pca_at_two_dimensions(digits):
    (x, _), (xt, _) = digits
    ae = Autoencoder(hidden=(128, 64), latent_dim=2, code_activation="linear", epochs=60, batch_size=64, lr=2e-3).fit(x)
    target = xt / 255.0
    assert _mse(ae.reconstruct(xt), target) < _mse(PCA(n_components=2).fit(x).reconstruct(xt), target)


def test_shapes_flat_input_and_scores(digits):
    (x, _), (xt, _) = digits
    ae = Autoencoder(latent_dim=6, epochs=2, code_activation="sigmoid").fit(x.reshape(len(x), -1))  # flat rows, uint8
    codes = ae.transform(xt.reshape(len(xt), -1))
    assert codes.shape == (359, 6) and codes.dtype == np.float32 and (codes >= 0).all() and (codes <= 1).all()
    assert ae.inverse_transform(codes).shape == (359, 64)
    recon = ae.reconstruct(xt.reshape(len(xt), -1))
    np.testing.assert_allclose(recon, ae.inverse_transform(codes), atol=1e-6)
    assert ae.score_samples(xt.reshape(len(xt), -1)).shape == (359,)
    flat = xt.reshape(len(xt), -1)
    assert ae.score(flat) == pytest.approx(ae.score_samples(flat).mean())
    # higher means more typical: minus the per-image BCE, which is positive
    assert (ae.score_samples(flat) < 0).all() and ae.score(flat) > ae.score(np.random.default_rng(0).random(flat.shape))
    img = Autoencoder(latent_dim=6, epochs=1, loss="mse").fit(torch.from_numpy(x).float() / 255)  # float tensor
    assert img.reconstruct(xt).shape == (359, 1, 8, 8)
    assert img.reconstruct(xt.reshape(len(xt), -1)).shape == (359, 1, 8, 8)  # flat rows of the right size are accepted


def test_save_load_gives_identical_outputs(digits, tmp_path):
    (x, _), (xt, _) = digits
    ae = Autoencoder(hidden=(16,), latent_dim=3, epochs=2).fit(x)
    ae.save(tmp_path / "m")
    back = load(tmp_path / "m")
    assert type(back) is Autoencoder and back.get_params() == ae.get_params()
    np.testing.assert_array_equal(back.transform(xt), ae.transform(xt))
    np.testing.assert_array_equal(back.reconstruct(xt), ae.reconstruct(xt))
    assert isinstance(back.module_, torch.nn.Module)


def test_scikit_learn_pipeline_and_clone(digits):
    (x, y), (xt, yt) = digits
    pipe = make_pipeline(Autoencoder(hidden=(64,), latent_dim=16, epochs=60, lr=3e-3), LogisticRegression(max_iter=2000))
    pipe.fit(x.reshape(len(x), -1), y)
    assert pipe.score(xt.reshape(len(xt), -1), yt) > 0.85
    twin = clone(Autoencoder(hidden=(8,), latent_dim=2))
    assert twin.get_params()["hidden"] == (8,) and not hasattr(twin, "module_")


@pytest.mark.parametrize("params,match", [
    ({"loss": "l1"}, "loss='l1' is not allowed; use one of 'bce', 'mse'"),
    ({"epochs": -1}, "epochs=-1"),
    ({"lr": 0}, "lr=0"),
    ({"hidden": [0]}, "hidden=\\[0\\]"),
    ({"activation": "swish"}, "activation='swish'"),
    ({"device": "tpu"}, "device='tpu'"),
    ({"arch": "rnn"}, "arch='rnn'"),
])
def test_bad_parameters(params, match, digits):
    (x, _), _ = digits
    with pytest.raises(ConfigError, match=match):
        Autoencoder(**params).fit(x)


def test_bad_inputs(digits):
    (x, _), _ = digits
    with pytest.raises(ConfigError, match=r"add the channel axis"):
        Autoencoder(epochs=1).fit(x[:, 0])
    with pytest.raises(ConfigError, match="NaN"):
        Autoencoder(epochs=1).fit(np.full((4, 64), np.nan))
    with pytest.raises(ConfigError, match="scale them to \\[0, 1\\]"):
        Autoencoder(epochs=1).fit(x.astype(np.float32))
    with pytest.raises(ConfigError, match="dtype torch.int64"):
        Autoencoder(epochs=1).fit(x.astype(np.int64))
    with pytest.raises(ConfigError, match="not fitted yet"):
        Autoencoder().transform(x)
    ae = Autoencoder(latent_dim=3, epochs=1).fit(x)
    with pytest.raises(ConfigError, match=r"codes shaped \(N, 3\)"):
        ae.inverse_transform(np.zeros((2, 4)))

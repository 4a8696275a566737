"""The autoencoder family: denoising, sparse, binary, convolutional, layer-wise pre-training, classifier."""

import shutil

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from torch import nn

from genzoo import (
    GAN,
    PCA,
    Autoencoder,
    BinaryAutoencoder,
    ConfigError,
    DenoisingAutoencoder,
    EncoderClassifier,
    SparseAutoencoder,
    load,
)
from genzoo.data import corrupt
from genzoo.metrics import psnr
from genzoo.models import StraightThroughBinarizer, kl_sparsity
from genzoo.nets import ConvDecoder, ConvEncoder


@pytest.mark.statistical
@pytest.mark.slow
def test_denoising_raises_psnr_above_the_noisy_input_and_a_plain_ae(mnist):
    (x, _), (xt, _) = mnist
    x, xt = x[:10000], xt[:1000]
    clean = torch.from_numpy(xt).float() / 255
    noisy = corrupt(clean, "gaussian", 0.5, torch.Generator().manual_seed(0)).numpy()
    common = dict(hidden=(256,), latent_dim=64, code_activation="linear", epochs=3, lr=2e-3)
    dae = DenoisingAutoencoder(noise="gaussian", noise_level=0.5, **common).fit(x)
    plain = Autoencoder(**common).fit(x)
    noisy_db = psnr(clean.numpy(), noisy).mean()
    dae_db = psnr(clean.numpy(), dae.reconstruct(noisy)).mean()
    plain_db = psnr(clean.numpy(), plain.reconstruct(noisy)).mean()
    assert dae_db > noisy_db + 3 and dae_db > plain_db + 1, (noisy_db, plain_db, dae_db)


def test_kl_sparsity_closed_form():
    code = torch.tensor([[0.1, 0.5], [0.3, 0.5]])
    rho = 0.05
    expected = sum(rho * np.log(rho / m) + (1 - rho) * np.log((1 - rho) / (1 - m)) for m in (0.2, 0.5))
    assert kl_sparsity(code, rho).item() == pytest.approx(expected, rel=1e-6)
    assert kl_sparsity(torch.full((4, 3), rho), rho).item() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.statistical
def test_sparse_penalties_make_codes_sparse(digits):
    (x, _), (xt, _) = digits
    common = dict(latent_dim=64, epochs=30, lr=3e-3)
    plain = Autoencoder(code_activation="sigmoid", **common).fit(x).transform(xt)
    kl = SparseAutoencoder(penalty="kl", weight=1.0, target_rate=0.05, **common).fit(x)
    kl_codes = kl.transform(xt)
    assert kl_codes.mean() < 0.15 and kl_codes.mean() < plain.mean() / 4, (plain.mean(), kl_codes.mean())
    assert {"train_recon", "train_penalty", "val_penalty"} <= set(kl.history_[-1])
    l1 = SparseAutoencoder(penalty="l1", weight=0.3, **common).fit(x).transform(xt)
    assert np.abs(l1).sum(1).mean() < 0.5 * np.abs(plain).sum(1).mean()
    with pytest.raises(ConfigError, match="penalty='kl' needs code units in \\(0, 1\\)"):
        SparseAutoencoder(code_activation="relu").fit(x)


def test_straight_through_binarizer():
    p = torch.tensor([0.2, 0.5, 0.51, 0.9], requires_grad=True)
    out = StraightThroughBinarizer()(p)
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0]
    (out * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert p.grad.tolist() == [1.0, 2.0, 3.0, 4.0]  # the gradient passes straight through


@pytest.mark.statistical
def test_binary_autoencoder_codes_are_bits_and_it_learns(digits):
    (x, _), (xt, _) = digits
    bae = BinaryAutoencoder(code_bits=24, hidden=(128,), epochs=40, lr=3e-3).fit(x)
    bits = bae.transform(xt)
    assert bits.shape == (359, 24) and set(np.unique(bits)) <= {0.0, 1.0}
    err = np.mean((bae.reconstruct(xt) - xt / 255.0) ** 2)
    assert err < 0.6 * np.mean((x.mean(0) / 255.0 - xt / 255.0) ** 2)
    np.testing.assert_allclose(bae.inverse_transform(bits), bae.reconstruct(xt), atol=1e-6)
    assert bae.get_params()["code_bits"] == 24 and bae.latent_dim == 24


def test_conv_nets_follow_seed_004_and_size_themselves():
    enc, dec = ConvEncoder((1, 28, 28)), ConvDecoder((1, 28, 28))
    kinds = [type(m) for m in enc.net]
    assert kinds.count(nn.Conv2d) == 4 and kinds.count(nn.MaxPool2d) == 3
    kinds = [type(m) for m in dec.net]
    assert kinds.count(nn.Conv2d) == 5 and kinds.count(nn.Upsample) == 3
    assert enc.feature_shape == (8, 4, 4) and enc(torch.zeros(2, 1, 28, 28)).shape == (2, 128)
    assert dec(torch.zeros(2, 128)).shape == (2, 1, 28, 28)
    for shape in ((3, 32, 32), (3, 20, 12), (1, 8, 8)):
        e, d = ConvEncoder(shape, latent_dim=5), ConvDecoder(shape, latent_dim=5)
        assert d(e(torch.zeros(2, *shape))).shape == (2, *shape)
    with pytest.raises(ConfigError, match="at least 8x8"):
        ConvEncoder((1, 6, 6))


@pytest.mark.statistical
def test_conv_ae_learns_rgb_images():
    rng = np.random.default_rng(0)
    # smooth colour blobs: a structured RGB dataset the conv net can learn
    yy, xx = np.mgrid[0:16, 0:16]
    centres = rng.uniform(3, 13, (1200, 2))
    blob = np.exp(-((yy - centres[:, 0, None, None]) ** 2 + (xx - centres[:, 1, None, None]) ** 2) / 8)
    colours = rng.uniform(0.2, 1, (1200, 3))
    images = (blob[:, None] * colours[:, :, None, None]).astype(np.float32)
    ae = Autoencoder(arch="conv", latent_dim=8, code_activation="linear", epochs=15, batch_size=32, lr=3e-3).fit(images)
    err = np.mean((ae.reconstruct(images) - images) ** 2)
    assert ae.reconstruct(images).shape == (1200, 3, 16, 16)
    assert err < 0.3 * np.mean((images.mean(0) - images) ** 2)


@pytest.mark.statistical
@pytest.mark.slow
def test_mlp_beats_pca_at_code_size_two_on_fashion(fashion):
    """The conv AE's turn (a full epoch or more) is in benchmarks/autoencoders.py."""
    (x, _), (xt, _) = fashion
    x, xt = x[:20000], xt[:1000]
    target = xt / 255.0
    pca_err = np.mean((PCA(n_components=2).fit(x).reconstruct(xt) - target) ** 2)
    mlp = Autoencoder(hidden=(256, 64), latent_dim=2, code_activation="linear", epochs=3, lr=2e-3).fit(x)
    assert np.mean((mlp.reconstruct(xt) - target) ** 2) < pca_err


@pytest.mark.statistical
def test_layerwise_pretraining_then_fine_tuning(digits, tmp_path):
    (x, _), (xt, _) = digits
    params = dict(hidden=(64, 32), latent_dim=8, code_activation="linear", lr=3e-3, pretrain="layerwise")
    pre_only = Autoencoder(**params, pretrain_epochs=20, epochs=0).fit(x)
    assert len(pre_only.pretrain_history_) == 3  # 64->32->8 encoder layers, each a shallow AE
    for stage in pre_only.pretrain_history_:
        assert stage[-1]["train_loss"] < stage[0]["train_loss"]
    random_init = Autoencoder(**{**params, "pretrain": None}, epochs=0).fit(x)
    score_pre, score_random = pre_only.score(xt), random_init.score(xt)
    assert score_pre > score_random  # pre-training alone already gives a working stack
    tuned = Autoencoder(**params, pretrain_epochs=20, epochs=20).fit(x, run_dir=tmp_path / "run")
    assert tuned.score(xt) > score_pre
    assert load(tmp_path / "run").score(xt) == pytest.approx(tuned.score(xt))
    with pytest.raises(ConfigError, match="pretrain='layerwise' needs arch='mlp'"):
        Autoencoder(arch="conv", pretrain="layerwise").fit(x)


def test_encoder_classifier(digits, tmp_path):
    (x, y), (xt, yt) = digits
    ae = Autoencoder(hidden=(64,), latent_dim=16, epochs=20).fit(x)
    before = {k: v.clone() for k, v in ae.module_.state_dict().items()}
    clf = EncoderClassifier(ae, epochs=40, lr=3e-3).fit(x, y, run_dir=tmp_path / "clf")
    assert clf.score(xt, yt) > 0.9 and clf.predict_proba(xt).shape == (359, 10)
    assert all(torch.equal(before[k], v) for k, v in ae.module_.state_dict().items())  # the AE is untouched
    back = load(tmp_path / "clf")
    np.testing.assert_array_equal(back.predict_proba(xt), clf.predict_proba(xt))
    ae.save(tmp_path / "ae")
    on_folder = EncoderClassifier(str(tmp_path / "ae"), epochs=1).fit(x, y, run_dir=tmp_path / "on_folder")
    predicted = on_folder.predict(xt)
    shutil.rmtree(tmp_path / "ae")  # the saved classifier holds the encoder's config and weights: it loads alone
    np.testing.assert_array_equal(load(tmp_path / "on_folder").predict(xt), predicted)
    np.testing.assert_array_equal(on_folder.predict(xt), predicted)  # and in memory: nothing reads the folder now
    with pytest.raises(ConfigError, match="requires y to be passed, but the target y is None: give class labels y"):
        EncoderClassifier(ae).fit(x)
    with pytest.raises(ConfigError, match=r"y must hold one label per image: shaped \(1438,\), got \(10,\)"):
        EncoderClassifier(ae).fit(x, y[:10])
    with pytest.raises(ConfigError, match="encoder=PCA is not an autoencoder: pass one"):
        EncoderClassifier(PCA()).fit(x, y)
    with pytest.raises(ConfigError, match="encoder=GAN has no encoder: pass an autoencoder"):
        EncoderClassifier(GAN()).fit(x, y)


def test_encoder_classifier_pretrains_an_unfitted_autoencoder_first(digits, tmp_path):
    """Given an unfitted autoencoder, fit pre-trains (a clone of) it on X, then fine-tunes: the same classifier,
    bit for bit, as fitting the autoencoder by hand first; the parameter itself stays unfitted."""
    (x, y), (xt, _) = digits
    ae = Autoencoder(hidden=(32,), latent_dim=8, epochs=3)
    settings = {"epochs": 2, "lr": 3e-3, "validation_fraction": 0.0}
    by_hand = EncoderClassifier(clone(ae).fit(x), **settings).fit(x, y)
    in_one = EncoderClassifier(ae, **settings).fit(x, y, run_dir=tmp_path / "clf")
    assert not hasattr(ae, "module_")
    np.testing.assert_array_equal(in_one.predict_proba(xt), by_hand.predict_proba(xt))
    np.testing.assert_array_equal(load(tmp_path / "clf").predict_proba(xt), in_one.predict_proba(xt))
    # clone unfits a fitted parameter (then fit pre-trains on X); scikit-learn's FrozenEstimator keeps it as it is
    on_part = clone(ae).fit(x[:500])
    kept = clone(EncoderClassifier(FrozenEstimator(on_part), **settings)).fit(x, y, run_dir=tmp_path / "frozen")
    np.testing.assert_array_equal(kept.predict_proba(xt), EncoderClassifier(on_part, **settings).fit(x, y)
                                  .predict_proba(xt))
    np.testing.assert_array_equal(load(tmp_path / "frozen").predict_proba(xt), kept.predict_proba(xt))


@pytest.mark.parametrize("model", [
    DenoisingAutoencoder(noise="masking", noise_level=0.3, latent_dim=4, epochs=1),
    SparseAutoencoder(penalty="l1", latent_dim=4, epochs=1),
    BinaryAutoencoder(code_bits=6, epochs=1),
    Autoencoder(arch="conv", latent_dim=None, epochs=1),
])
def test_every_variant_saves_and_loads_to_identical_outputs_drawing_nothing(model, digits, tmp_path):
    (x, _), (xt, _) = digits
    model.fit(x, run_dir=tmp_path / "run")
    torch.manual_seed(5)
    expected = torch.rand(4)
    torch.manual_seed(5)
    back = load(tmp_path / "run")
    assert torch.equal(torch.rand(4), expected), "loading advanced the caller's global RNG"
    assert type(back) is type(model) and back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.transform(xt), model.transform(xt))
    np.testing.assert_array_equal(back.reconstruct(xt), model.reconstruct(xt))

"""scikit-learn's own estimator checks, on small budgets: PCA and every estimator of real data pass all of them;
the models of images in [0, 1], the VAE family (one-sample ELBOs), the CVAE and M2 fail only the checks listed
(with the reason) in genzoo.models.compat."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFitted
from sklearn.utils.estimator_checks import parametrize_with_checks

from genzoo import (
    ACGAN,
    CGAN,
    CVAE,
    EBGAN,
    GAN,
    M1M2,
    M2,
    PCA,
    VAE,
    VQVAE,
    WGANGP,
    Autoencoder,
    BinaryAutoencoder,
    ConfigError,
    DenoisingAutoencoder,
    DiscriminatorGenerator,
    EncoderClassifier,
    InfoGAN,
    LinearAutoencoder,
    SparseAutoencoder,
)
from genzoo.errors import GenzooError, NotFittedError
from genzoo.models.compat import OUTSIDE_UNIT_RANGE, expected_failed_checks

SMALL = {"epochs": 2, "batch_size": 16}
ESTIMATORS = [
    PCA(n_components=2),
    Autoencoder(hidden=(8,), latent_dim=2, loss="mse", **SMALL),
    DenoisingAutoencoder(hidden=(8,), latent_dim=2, loss="mse", **SMALL),
    SparseAutoencoder(hidden=(8,), latent_dim=2, loss="mse", **SMALL),
    BinaryAutoencoder(hidden=(8,), code_bits=4, loss="mse", **SMALL),
    LinearAutoencoder(latent_dim=2, **SMALL),
    GAN(hidden=(8,), noise_dim=2, **SMALL),
    WGANGP(hidden=(8,), noise_dim=2, **SMALL),  # a preset: GAN's parameters with other defaults
    EBGAN(hidden=(8,), noise_dim=2, **SMALL),  # an autoencoder D
    DiscriminatorGenerator(hidden=(8,), **SMALL),
    VQVAE(n_codes=2, codebook_size=8, code_dim=2, hidden=(8,), loss="mse", **SMALL),
    CGAN(hidden=(8,), noise_dim=2, **SMALL),  # fit(X, y): the labels condition G and D
    ACGAN(hidden=(8,), noise_dim=2, **SMALL),
    InfoGAN(arch="mlp", hidden=(8,), noise_dim=2, **SMALL),  # a transformer: Q's codes
    # a classifier: the checks ask for 83% accuracy on 3 blobs, which needs the labels' weight and a faster rate
    M2(hidden=(8,), latent_dim=2, likelihood="gaussian", alpha=50.0, lr=1e-2, epochs=5, batch_size=16),
    # M2 on the codes of an M1 fitted on X first: M1's codes must separate the blobs after its few epochs
    M1M2(m1=VAE(hidden=(8,), latent_dim=2, likelihood="gaussian", lr=1e-2, epochs=5, batch_size=16), hidden=(8,),
         latent_dim=2, alpha=50.0, lr=1e-2, epochs=5, batch_size=16),
    # an autoencoder fitted on X first, then fine-tuned on y
    EncoderClassifier(Autoencoder(hidden=(8,), latent_dim=2, loss="mse", **SMALL), lr=1e-2, epochs=5, batch_size=16),
    VAE(hidden=(8,), latent_dim=2, likelihood="gaussian", **SMALL),  # a Gaussian decoder: any real data
    CVAE(hidden=(8,), latent_dim=2, **SMALL),  # fit(X, y), transform(X, y)
    Autoencoder(hidden=(8,), latent_dim=2, **SMALL),  # loss="bce": images in [0, 1] only
    VAE(hidden=(8,), latent_dim=2, **SMALL),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_only_the_models_of_images_declare_failures():
    def key(e):  # "-images": a model of images in [0, 1]
        return type(e).__name__ + "-images" * (getattr(e, "loss", getattr(e, "likelihood", "")) in ("bce", "bernoulli"))

    declared = {key(e): set(expected_failed_checks(e)) for e in ESTIMATORS}
    assert declared.pop("VAE-images") == declared.pop("Autoencoder-images") == set(OUTSIDE_UNIT_RANGE)
    one_sample = {"check_methods_subset_invariance", "check_methods_sample_order_invariance"}
    assert declared.pop("VAE") == one_sample
    assert declared.pop("CVAE-images") == set(OUTSIDE_UNIT_RANGE) | {"check_requires_y_none", "check_dtype_object"}
    assert declared.pop("M2") == declared.pop("M1M2") == one_sample | {"check_classifiers_classes"}
    assert set(map(len, declared.values())) == {0}


def test_errors_scikit_learn_users_expect():
    x = np.random.default_rng(0).random((20, 4))
    for est in (PCA(), Autoencoder(epochs=1)):
        with pytest.raises(SklearnNotFitted, match="not fitted yet; call fit"):
            est.transform(x)
        with pytest.raises(NotFittedError) as caught:
            est.transform(x)
        assert isinstance(caught.value, GenzooError) and isinstance(caught.value, ConfigError)
        with pytest.raises(ConfigError, match=r"X is empty \(shape \(0, 4\)\)"):
            est.fit(np.zeros((0, 4)))
        with pytest.raises(ConfigError, match=r"0 feature\(s\) \(shape=\(20, 0\)\)"):
            est.fit(np.zeros((20, 0)))
        with pytest.raises(ConfigError, match="Complex data not supported; pass real numbers"):
            est.fit(x + 1j)
        with pytest.raises(TypeError, match="X holds values that are not numbers .*; pass a numeric array"):
            est.fit(np.array([[0.5, {"a": 1}]] * 3, dtype=object))
        with pytest.raises(ConfigError, match=r"X is a sparse matrix; genzoo needs dense data: pass X.toarray\(\)"):
            est.fit(__import__("scipy.sparse").sparse.csr_matrix(x))
    PCA(n_components=2).fit(x.astype(object))  # an object array of numbers is converted
    PCA(n_components=2).fit((x - 0.5) * 100)  # PCA takes any real data
    with pytest.raises(ConfigError, match=r"values in \[-49.7, 49.7\]; scale them to \[0, 1\]"):
        Autoencoder(epochs=1).fit((x - 0.5) * 100)  # a Bernoulli decoder does not

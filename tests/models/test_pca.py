import numpy as np
import pytest
from sklearn.decomposition import PCA as SkPCA

from genzoo import PCA, ConfigError, load


def test_matches_scikit_learn(digits):
    (x, _), (xt, _) = digits
    flat, flat_t = x.reshape(len(x), -1) / 255.0, xt.reshape(len(xt), -1) / 255.0
    ours, ref = PCA(n_components=10).fit(x), SkPCA(n_components=10, svd_solver="full").fit(flat)
    # the same components with the same signs: each one's largest entry positive, scikit-learn's convention (>= 1.5)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-8)
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-8)
    np.testing.assert_allclose(ours.transform(xt), ref.transform(flat_t), atol=1e-5)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(xt)).reshape(len(xt), -1),
                               ref.inverse_transform(ref.transform(flat_t)), atol=1e-5)
    np.testing.assert_allclose(ours.score(xt), ref.score(flat_t), rtol=1e-6)
    largest = np.abs(ours.components_).argmax(1)
    assert (ours.components_[np.arange(10), largest] > 0).all()


def test_pca_is_the_svd_of_the_centred_data(digits):
    (x, _), _ = digits
    flat = x.reshape(len(x), -1) / 255.0
    _, s, vt = np.linalg.svd(flat - flat.mean(0), full_matrices=False)
    pca = PCA(n_components=5).fit(x)
    np.testing.assert_allclose(np.abs(pca.components_), np.abs(vt[:5]), atol=1e-8)
    np.testing.assert_allclose(pca.singular_values_, s[:5], rtol=1e-10)


def test_reconstruction_error_falls_with_components(digits):
    (x, _), (xt, _) = digits
    errors = [np.mean((PCA(n_components=k).fit(x).reconstruct(xt) - xt / 255.0) ** 2) for k in (2, 8, 32)]
    assert errors[0] > errors[1] > errors[2]


def test_save_and_load(tmp_path, digits):
    (x, _), (xt, _) = digits
    pca = PCA(n_components=4).fit(x, run_dir=tmp_path / "run")
    back = load(tmp_path / "run")
    assert isinstance(back, PCA) and back.get_params() == pca.get_params()
    np.testing.assert_array_equal(back.transform(xt), pca.transform(xt))
    assert back.score(xt) == pytest.approx(pca.score(xt))


def test_bad_input(digits):
    (x, _), _ = digits
    with pytest.raises(ConfigError, match="n_components=0"):
        PCA(n_components=0).fit(x)
    with pytest.raises(ConfigError, match="needs at least as many samples and features; got n_samples = "):
        PCA(n_components=100).fit(x)
    with pytest.raises(ConfigError, match="not fitted yet"):
        PCA().transform(x)
    pca = PCA(n_components=2).fit(x)
    with pytest.raises(ConfigError, match=r"shape \(1, 9, 9\) but the model was fitted on \(1, 8, 8\)"):
        pca.transform(np.zeros((3, 1, 9, 9), np.uint8))
    with pytest.raises(ConfigError, match=r"codes must be shaped \(N, 2\)"):
        pca.inverse_transform(np.zeros((3, 5)))

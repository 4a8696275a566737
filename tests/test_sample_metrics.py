import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg
from scipy.ndimage import gaussian_filter
from scipy.stats import multivariate_normal
from torch import nn

from genzoo.metrics import (
    DomainClassifier,
    domain_classifier,
    frechet_distance,
    kernel_inception_distance,
    parzen_bandwidth,
    parzen_estimate,
    parzen_log_likelihood,
    precision_recall,
    sample_quality,
)
from genzoo.metrics.domain import RECIPES, cache_key


def test_frechet_distance_matches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, (4000, 5)) @ rng.normal(size=(5, 5))
    b = rng.normal(0.5, 2.0, (3000, 5))
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * scipy.linalg.sqrtm(ca @ cb).real)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(b, a) == pytest.approx(expected, rel=1e-8)
    assert abs(frechet_distance(a, a)) < 1e-8
    # two isotropic Gaussians: ‖Δμ‖² + D(σ1 − σ2)²
    x, y = rng.normal(0, 1, (50000, 3)), rng.normal(1, 2, (50000, 3))
    assert frechet_distance(x, y) == pytest.approx(3 * 1 + 3 * (1 - 2) ** 2, rel=0.03)


def test_kid_is_unbiased_near_zero_and_grows_with_the_gap():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, (2000, 8)), rng.normal(0, 1, (2000, 8))
    same, same_std = kernel_inception_distance(a, b, subsets=50, subset_size=500)
    near, _ = kernel_inception_distance(a, b + 0.3, subsets=50, subset_size=500)
    far, _ = kernel_inception_distance(a, b + 1.0, subsets=50, subset_size=500)
    assert abs(same) < 3 * same_std and abs(same) < 0.05 * near
    assert 0 < near < far


def test_kid_of_one_whole_subset_is_the_unbiased_mmd_written_out():
    """subset_size = N: every subset is all rows (in some order), so KID is the unbiased MMD² of Kernel Inception
    Distance's definition, written here with plain loops: off-diagonal means of k(x, x') and k(y, y'), minus twice
    the mean of k(x, y), with k(x, y) = (x·y / D + 1)³."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(0, 1, (5, 3)), rng.normal(0.5, 1, (5, 3))
    k = lambda u, v: (u @ v / 3 + 1) ** 3  # noqa: E731
    within = sum(k(p[i], p[j]) for p in (x, y) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    between = sum(k(x[i], y[j]) for i in range(5) for j in range(5)) / 25
    mean, std = kernel_inception_distance(x, y, subsets=3, subset_size=5)
    assert mean == pytest.approx(within - 2 * between, rel=1e-6) and std == pytest.approx(0, abs=1e-6)  # float32 rows


def test_precision_and_recall_see_quality_and_coverage_apart():
    rng = np.random.default_rng(2)
    centres = rng.normal(0, 10, (10, 2))
    real = centres[rng.integers(10, size=2000)] + rng.normal(0, 0.5, (2000, 2))
    assert precision_recall(real, real) == {"precision": 1.0, "recall": 1.0}
    collapsed = centres[0] + rng.normal(0, 0.5, (2000, 2))  # good samples, one mode of ten
    pr = precision_recall(real, collapsed)
    assert pr["precision"] > 0.95 and pr["recall"] < 0.2
    assert precision_recall(real, real + 100.0) == {"precision": 0.0, "recall": 0.0}


def test_parzen_window_matches_a_direct_sum_and_picks_a_sensible_width():
    rng = np.random.default_rng(3)
    samples, test = rng.normal(0, 0.3, (200, 3)), rng.normal(0, 0.3, (50, 3))
    direct = np.log(np.mean([multivariate_normal(s, 0.2**2 * np.eye(3)).pdf(test) for s in samples], axis=0))
    np.testing.assert_allclose(parzen_log_likelihood(samples, test, 0.2), direct, rtol=1e-5, atol=1e-6)
    sigma = parzen_bandwidth(rng.normal(0, 0.3, (3000, 1)), rng.normal(0, 0.3, (1000, 1)))
    assert 0.03 < sigma < 0.3  # a 1-D N(0, 0.3²) wants a window well below its spread, as Silverman's rule (0.06) does


def test_parzen_sigma_is_chosen_on_rows_it_does_not_score():
    """Even test rows choose σ, odd rows are scored: rows near the samples on even places want a narrow window,
    far rows on odd places a wide one. σ chosen on the scored rows (or all rows) would be wide."""
    rng = np.random.default_rng(0)
    samples = rng.normal(0, 0.05, (500, 2))
    near, far = rng.normal(0, 0.05, (400, 2)), rng.normal(0, 1.0, (400, 2))
    test = np.empty((800, 2))
    test[0::2], test[1::2] = near, far
    sigmas = np.logspace(-2, 0, 13)
    est = parzen_estimate(samples, test, sigmas)
    assert est["parzen_sigma"] == parzen_bandwidth(samples, near, sigmas) < 0.1 < parzen_bandwidth(samples, far, sigmas)
    assert est["parzen_n"] == 400
    np.testing.assert_allclose(est["parzen_log_likelihood"],
                               parzen_log_likelihood(samples, far, est["parzen_sigma"]).mean(), rtol=1e-6)


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    """A cache folder holding the digits classifier (trained once for this module)."""
    cache = tmp_path_factory.mktemp("classifier-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        return cache, domain_classifier("digits")


@pytest.fixture
def digits_classifier(classifier_cache):
    return classifier_cache[1]


@pytest.mark.statistical
def test_domain_classifier_is_accurate_cached_and_gives_features(classifier_cache, digits, monkeypatch):
    (_, _), (xt, yt) = digits
    cache, digits_classifier = classifier_cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert (digits_classifier.predict(xt) == yt).mean() > 0.95
    assert digits_classifier.features(xt[:7]).shape == (7, 128)
    assert (digits_classifier.epochs, digits_classifier.batch_size) == RECIPES["digits"]  # the dataset's recipe

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier was retrained")

    monkeypatch.setattr(DomainClassifier, "fit", no_training)
    cached = domain_classifier("digits")
    np.testing.assert_array_equal(cached.features(xt[:5]), digits_classifier.features(xt[:5]))


def test_the_classifier_cache_key_follows_its_code_and_recipe(digits, monkeypatch):
    """A changed net (here, another _build) or recipe gets a new cache entry: no version number to forget."""
    (x, y), _ = digits
    key = cache_key(x, y, 30, 128)
    assert cache_key(x, y, 30, 128) == key and cache_key(x, y, 31, 128) != key and cache_key(x, y, 30, 64) != key

    def wider(self, input_shape):
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))

    monkeypatch.setattr(DomainClassifier, "_build", wider)
    assert cache_key(x, y, 30, 128) != key


def test_the_classifier_cache_key_follows_the_kernels_that_train_it():
    """Another instruction set for PyTorch's kernels (as on another CPU) gets another cache entry: a classifier
    cached by another machine's kernels gave the demo's VAE FD 46.17 where one trained here gives 46.15."""
    script = ("from genzoo import load_dataset; from genzoo.metrics.domain import cache_key; "
              "x, y = load_dataset('digits', 'train'); print(cache_key(x, y, 30, 128))")
    keys = {isa: subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                env={**os.environ, "ATEN_CPU_CAPABILITY": isa}).stdout.strip()
            for isa in ("default", "avx2")}
    assert keys["default"] != keys["avx2"], keys


def test_feature_distance_is_small_between_splits_and_rises_with_noise_and_blur(digits_classifier, digits):
    (x, _), (xt, _) = digits
    real = digits_classifier.features(x)
    test = xt.astype(np.float32) / 255.0

    def fd(images):
        return frechet_distance(real, digits_classifier.features(np.clip(images, 0, 1).astype(np.float32)))

    rng = np.random.default_rng(0)
    noisy = [fd(test + s * rng.standard_normal(test.shape)) for s in (0.0, 0.1, 0.2, 0.4)]
    blurred = [fd(gaussian_filter(test, sigma=(0, 0, s, s))) for s in (0.0, 0.5, 1.0, 2.0)]
    assert all(a < b for a, b in zip(noisy, noisy[1:])), noisy
    assert all(a < b for a, b in zip(blurred, blurred[1:])), blurred
    assert noisy[0] < 0.2 * noisy[-1] and noisy[0] < 0.2 * blurred[-1]
    quality = sample_quality(xt, "digits", reference=x, classifier=digits_classifier, kid_subsets=10)
    assert set(quality) == {"fd", "kid", "kid_std", "precision", "recall"}
    assert quality["fd"] == pytest.approx(noisy[0], rel=1e-6) and quality["precision"] > 0.8

import numpy as np
import pytest

from genzoo.metrics import bce_per_image, mse, psnr, reconstruction_report, ssim


def test_ssim_matches_scikit_image():
    structural_similarity = pytest.importorskip("skimage.metrics").structural_similarity
    rng = np.random.default_rng(0)
    a = rng.random((4, 3, 28, 20))
    b = np.clip(a + 0.15 * rng.standard_normal(a.shape), 0, 1)
    ours = ssim(a, b)
    ref = [structural_similarity(a[i], b[i], data_range=1.0, channel_axis=0, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False) for i in range(4)]
    np.testing.assert_allclose(ours, ref, rtol=1e-6)


def test_ssim_and_psnr_fall_as_noise_grows():
    rng = np.random.default_rng(1)
    x = rng.random((2, 1, 28, 28))
    levels = [0.05, 0.1, 0.2, 0.4]
    noisy = [np.clip(x + s * rng.standard_normal(x.shape), 0, 1) for s in levels]
    s_values = [ssim(x, n).mean() for n in noisy]
    p_values = [psnr(x, n).mean() for n in noisy]
    assert s_values == sorted(s_values, reverse=True) and p_values == sorted(p_values, reverse=True)
    assert ssim(x, x) == pytest.approx(1.0) and np.isinf(psnr(x, x)).all()


def test_known_values():
    x = np.zeros((1, 1, 2, 2))
    y = np.full((1, 1, 2, 2), 0.1)
    assert mse(x, y)[0] == pytest.approx(0.01)
    assert psnr(x, y)[0] == pytest.approx(20.0)
    assert bce_per_image(np.ones((1, 4)), np.full((1, 4), 0.5))[0] == pytest.approx(4 * np.log(2))
    report = reconstruction_report(x, y)
    assert set(report) == {"mse", "bce", "psnr", "ssim"}
    with pytest.raises(ValueError, match="shapes differ"):
        mse(x, np.zeros((1, 4)))

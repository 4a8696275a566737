"""The defaults learn what the notes promise, on the 8×8 digits (benchmarks/defaults.py measures MNIST and
Fashion-MNIST). Each model keeps every default but the code size: PCA with 32 of the digits' 64 pixels keeps 97% of
their variance, so the comparison is made at 8 (and 2 for the notes' deep net)."""

import numpy as np
import pytest

from genzoo import PCA, Autoencoder, BinaryAutoencoder, DenoisingAutoencoder, SparseAutoencoder


def _mse(model, xt):
    return float(((model.reconstruct(xt) - xt / 255.0) ** 2).mean())


@pytest.mark.parametrize("model, code", [
    (Autoencoder(latent_dim=8), 8),
    (DenoisingAutoencoder(latent_dim=8), 8),
    (Autoencoder(hidden=(128, 64, 10), latent_dim=2), 2),  # the notes' deep net, 64→128→64→10→2 here
])
@pytest.mark.statistical
def test_default_autoencoders_beat_pca_at_their_code_size(digits, model, code):
    (x, _), (xt, _) = digits
    model.fit(x)
    assert len(model.history_) == 364  # epochs=None: 4,000 steps of 128 over 1,294 images (the rest validate)
    pca = _mse(PCA(n_components=code).fit(x), xt)
    assert _mse(model, xt) < pca, (_mse(model, xt), pca)


@pytest.mark.statistical
def test_the_default_sparse_autoencoder_reaches_its_target_rate(digits):
    (x, _), (xt, _) = digits
    sparse = SparseAutoencoder().fit(x)
    rate = float(sparse.transform(xt).mean())
    assert abs(rate - sparse.target_rate) <= 0.02, rate
    mean_image = float(((x.mean(0) / 255.0 - xt / 255.0) ** 2).mean())
    assert _mse(sparse, xt) < mean_image / 4


@pytest.mark.statistical
def test_the_default_binary_autoencoder_beats_the_mean_image_twice_over(digits):
    (x, _), (xt, _) = digits
    binary = BinaryAutoencoder().fit(x)
    mean_image = float(((x.mean(0) / 255.0 - xt / 255.0) ** 2).mean())
    assert _mse(binary, xt) < mean_image / 2
    assert set(np.unique(binary.transform(xt))) <= {0.0, 1.0}

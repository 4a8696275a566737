"""The VQ-VAE: the straight-through gradient, the EMA codebook against a hand computation, the reset of dead
entries, learning on digits, the index surface and bit-for-bit resume."""

import numpy as np
import pytest
import torch

from genzoo import PCA, ConfigError, load
from genzoo.cli import main
from genzoo.models import VQVAE, VectorQuantizer
from genzoo.models.losses import reconstruction_loss


def test_the_straight_through_gradient_is_the_decoders_gradient_at_the_quantized_code(digits):
    (x, _), _ = digits
    vq = VQVAE(n_codes=4, codebook_size=8, code_dim=3, hidden=(16,), epochs=0).fit(x[:50])
    net = vq.module_.eval()  # (training mode would also move the EMA codebook)
    batch = torch.from_numpy(x[:20] / np.float32(255))
    z = net.codes(batch).detach().requires_grad_()
    quantized, index = net.quantizer(z)
    reconstruction_loss(net.decode(quantized), batch, "bce").sum().backward()
    entries = net.quantizer.codebook[index].detach().requires_grad_()  # the decoder fed the entries directly
    reconstruction_loss(net.decode(entries), batch, "bce").sum().backward()
    torch.testing.assert_close(quantized.detach(), entries.detach(), rtol=0, atol=1e-6)  # z + (e - z): rounding only
    torch.testing.assert_close(z.grad, entries.grad, rtol=1e-4, atol=1e-6)
    assert z.grad.abs().sum() > 0


def test_the_ema_codebook_update_matches_a_hand_computation():
    quantizer = VectorQuantizer(size=3, dim=2, ema=True, decay=0.9).train()
    quantizer.codebook.copy_(torch.tensor([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]))
    quantizer.code_sum.copy_(quantizer.codebook)
    quantizer.cluster_size.fill_(1.0)
    z = torch.tensor([[[0.2, -0.2], [0.9, 1.3], [1.1, 0.9]]])  # one image, 3 codes: entry 0, entry 1, entry 1
    _, index = quantizer(z)
    assert index.tolist() == [[0, 1, 1]]
    size = np.array([0.9 * 1 + 0.1 * 1, 0.9 * 1 + 0.1 * 2, 0.9 * 1 + 0.1 * 0])  # N_k <- γ N_k + (1-γ) n_k
    sums = np.array([0.9 * np.array([0, 0]) + 0.1 * np.array([0.2, -0.2]),
                     0.9 * np.array([1, 1]) + 0.1 * np.array([2.0, 2.2]),
                     0.9 * np.array([5, 5])])  # m_k <- γ m_k + (1-γ) Σ z assigned to k
    n = size.sum()
    smoothed = (size + 1e-5) / (n + 3 * 1e-5) * n  # Laplace smoothing
    np.testing.assert_allclose(quantizer.cluster_size.numpy(), size, rtol=1e-6)
    np.testing.assert_allclose(quantizer.codebook.numpy(), sums / smoothed[:, None], rtol=1e-5)
    quantizer.eval()
    before = quantizer.codebook.clone()
    quantizer(z)  # inference never moves the codebook
    assert torch.equal(before, quantizer.codebook)


@pytest.fixture(scope="module")
def trained(digits):
    (x, _), _ = digits
    return VQVAE(n_codes=8, codebook_size=16, code_dim=4, hidden=(128,), epochs=60).fit(x)


@pytest.mark.statistical
def test_it_learns_a_code_that_beats_pca_at_the_same_bits(trained, digits):
    """8 codes of 16 entries are 32 bits; PCA gets one float32 component for them, and still two."""
    (x, _), (xt, _) = digits
    u = xt / 255.0
    vq_mse = ((trained.reconstruct(xt) - u) ** 2).mean()
    pca_mse = ((PCA(n_components=2).fit(x).reconstruct(xt) - u) ** 2).mean()
    mean_mse = ((x.mean(0) / 255.0 - u) ** 2).mean()
    assert vq_mse < 0.6 * pca_mse < mean_mse, (vq_mse, pca_mse, mean_mse)
    usage = trained.codebook_usage(xt)
    assert usage["perplexity"] > 8 and usage["dead_codes"] <= 2, usage
    assert trained.history_[-1]["train_perplexity"] > 8


def test_transform_gives_indices_that_inverse_transform_decodes(trained, digits):
    _, (xt, _) = digits
    index = trained.transform(xt[:30])
    assert index.shape == (30, 8) and index.dtype == np.int64 and index.min() >= 0 and index.max() < 16
    np.testing.assert_allclose(trained.inverse_transform(index), trained.reconstruct(xt[:30]), atol=1e-6)
    for bad in (index.astype(np.float32), index + 16, index[:, :3], -index - 1):
        with pytest.raises(ConfigError, match=r"Z must be integer codebook indices in \[0, 16\) shaped \(N, 8\)"):
            trained.inverse_transform(bad)


@pytest.mark.statistical
def test_resetting_dead_entries_keeps_the_codebook_in_use(digits):
    """A codebook of 128 for 64-pixel images: without the reset most entries never win a code."""
    (x, _), (xt, _) = digits
    common = dict(n_codes=2, codebook_size=128, code_dim=4, hidden=(64,), epochs=30, codebook="loss")
    kept = VQVAE(reset_dead=False, **common).fit(x).codebook_usage(xt)
    reset = VQVAE(reset_dead=True, **common).fit(x).codebook_usage(xt)
    assert reset["dead_codes"] < kept["dead_codes"] - 20, (kept, reset)
    assert reset["perplexity"] > kept["perplexity"] + 10, (kept, reset)


def test_trains_from_the_cli_and_resumes_bit_for_bit(digits, tmp_path):
    args = ["train", "vqvae", "--quiet", "--latent-dim", "4", "--set", "codebook_size=32", "--set", "code_dim=4",
            "--set", "hidden=[32]"]
    assert main([*args, "--epochs", "3", "--out", str(tmp_path / "straight")]) == 0
    assert main([*args, "--epochs", "1", "--out", str(tmp_path / "resumed")]) == 0
    assert main([*args, "--epochs", "3", "--out", str(tmp_path / "resumed"), "--resume"]) == 0
    a, b = load(tmp_path / "straight"), load(tmp_path / "resumed")
    assert a.n_codes == 4 and a.codebook_size == 32
    for name, value in a.module_.state_dict().items():
        assert torch.equal(value, b.module_.state_dict()[name]), name
    assert main(["eval", str(tmp_path / "straight"), "--fd-samples", "0"]) == 0
    metrics = __import__("json").loads((tmp_path / "straight" / "metrics.json").read_text())
    assert 1 < metrics["codebook_perplexity"] <= 32 and "mse" in metrics


def test_the_conv_nets_train_save_and_load(digits, tmp_path):
    """arch="conv": seed 004's nets around the quantizer (8×8 digits pool to 1×1)."""
    (x, _), (xt, _) = digits
    vq = VQVAE(arch="conv", n_codes=4, codebook_size=16, code_dim=4, epochs=2).fit(x, run_dir=tmp_path / "vq")
    assert vq.reconstruct(xt[:5]).shape == (5, 1, 8, 8) and vq.transform(xt[:5]).shape == (5, 4)
    np.testing.assert_array_equal(load(tmp_path / "vq").transform(xt), vq.transform(xt))

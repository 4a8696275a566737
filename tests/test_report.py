"""Figures, representation metrics, the HTML report and the comparison table."""

import json
import warnings

import numpy as np
import pytest
from PIL import Image

from genzoo import VAE, Autoencoder, DenoisingAutoencoder, plots
from genzoo.cli import main
from genzoo.metrics import knn_accuracy, linear_probe_accuracy, nearest_neighbours, retrieval_precision


def png_size(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_representation_metrics_on_separable_and_on_random_codes():
    rng = np.random.default_rng(0)
    y = rng.integers(3, size=600)
    separable = np.eye(3)[y] * 4 + rng.normal(0, 0.3, (600, 3))
    noise = rng.normal(0, 1, (600, 3))
    assert linear_probe_accuracy(separable[:400], y[:400], separable[400:], y[400:]) > 0.98
    assert knn_accuracy(separable[:400], y[:400], separable[400:], y[400:]) > 0.98
    assert retrieval_precision(separable, y, k=10) > 0.98
    assert linear_probe_accuracy(noise[:400], y[:400], noise[400:], y[400:]) < 0.5
    assert abs(retrieval_precision(noise, y, k=10) - 1 / 3) < 0.06
    idx, dist = nearest_neighbours(np.array([[0.0], [10.0]]), np.array([[9.0], [1.0], [0.5]]), k=2)
    np.testing.assert_array_equal(idx, [[2, 1], [0, 1]])
    np.testing.assert_allclose(dist, [[0.5, 1.0], [1.0, 9.0]])
    self_idx, _ = nearest_neighbours(separable[:5], separable[:5], k=1, exclude_self=True)
    assert (self_idx[:, 0] != np.arange(5)).all()
    with pytest.raises(ValueError, match="one label per row"):
        retrieval_precision(separable, y[:10])


def test_every_figure_function_writes_a_sane_png(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.random((12, 1, 8, 8)).astype(np.float32)
    codes, labels = rng.normal(size=(200, 5)), rng.integers(10, size=200)
    written = {
        "latent_pca": plots.latent_scatter(codes, labels, tmp_path / "a.png"),
        "latent_tsne": plots.latent_scatter(codes[:60], labels[:60], tmp_path / "b.png", method="tsne"),
        "manifold": plots.manifold(lambda z: np.tile(z.mean(1)[:, None, None, None], (1, 1, 8, 8)).clip(0, 1),
                                   tmp_path / "c.png", np.array([-1, -1]), np.array([1, 1])),
        "manifold_gaussian": plots.manifold(lambda z: np.zeros((len(z), 1, 8, 8)), tmp_path / "d.png", None, None,
                                            gaussian=True),
        "interpolation": plots.interpolations({"AE": images[:10], "VAE": images[:10]}, tmp_path / "e.png"),
        "denoising": plots.denoising(images, images * 0.9, images, tmp_path / "f.png"),
        "retrieval": plots.retrieval(images[:2], (images[None, 2:8].repeat(2, 0), rng.random((2, 6))),
                                     (images[None, 3:9].repeat(2, 0), rng.random((2, 6))), tmp_path / "g.png"),
        "samples": plots.sample_grid(images, tmp_path / "h.png", columns=5),
        "curves": plots.training_curves([{"epoch": 1, "train_loss": 3.0, "val_loss": 3.5},
                                         {"epoch": 2, "train_loss": 2.0, "val_loss": 2.6}], tmp_path / "i.png"),
        "toy": plots.toy_panel(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)), tmp_path / "j.png",
                               lambda p: 1 / (1 + np.exp(-p[:, 0]))),
    }
    for name, path in written.items():
        width, height = png_size(path)
        assert 150 < width < 3000 and 100 < height < 3000, (name, width, height)
    with pytest.raises(ValueError, match="not a square"):
        plots.sample_grid(np.zeros((2, 10)), tmp_path / "bad.png")


def test_codes_without_labels_are_drawn_in_one_colour_without_a_warning(tmp_path):
    """Toy data has no labels: the codes' scatter then has no colour map to speak of (matplotlib warned, and the
    CLI printed it, when it was given one anyway)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = plots.latent_scatter(np.random.default_rng(0).normal(size=(50, 2)), None, tmp_path / "a.png")
    assert png_size(path)[0] > 150


@pytest.mark.statistical
def test_report_of_a_run_has_its_metrics_and_every_figure(digits, tmp_path, capsys):
    (x, _), _ = digits
    DenoisingAutoencoder(hidden=(64,), latent_dim=2, noise_level=0.3, epochs=80).fit(
        x, run_dir=tmp_path / "dae", run_info={"data": {"name": "digits"}})
    VAE(hidden=(64,), latent_dim=2, epochs=3).fit(x, run_dir=tmp_path / "vae", run_info={"data": {"name": "digits"}})
    assert main(["report", str(tmp_path / "dae"), "--fd-samples", "0"]) == 0
    page = (tmp_path / "dae" / "report.html").read_text()
    for figure in ("training", "reconstructions", "denoising", "latent", "manifold", "interpolation", "retrieval"):
        assert (tmp_path / "dae" / "figures" / f"{figure}.png").is_file(), figure
        assert f"<h3>{figure}</h3>" in page and "data:image/png;base64," in page
    metrics = json.loads((tmp_path / "dae" / "metrics.json").read_text())
    assert metrics["denoised_psnr"] > metrics["noisy_psnr"] + 0.5  # it denoises (13.8 dB against 12.9)
    assert metrics["linear_probe_accuracy"] > 0.5 and metrics["knn_accuracy"] > 0.5  # 2-D codes; chance is 0.1
    assert main(["eval", str(tmp_path / "vae"), "--fd-samples", "300"]) == 0
    assert main(["report", str(tmp_path / "dae"), str(tmp_path / "vae"), "--out", str(tmp_path / "both.html")]) == 0
    both = (tmp_path / "both.html").read_text()
    assert "Comparison (test split)" in both and "<h3>samples</h3>" in both and "elbo" in both
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "dae"), str(tmp_path / "vae"), "--out", str(tmp_path / "t.md")]) == 0
    out = capsys.readouterr().out
    assert "DenoisingAutoencoder" in out and "VAE" in out and "fd" in out
    table = (tmp_path / "t.md").read_text().splitlines()
    assert len(table) == 4 and table[0].startswith("| run | model | data |")
    Autoencoder(epochs=1).fit(x, run_dir=tmp_path / "fresh", run_info={"data": {"name": "digits"}})
    assert main(["compare", str(tmp_path / "fresh")]) == 2
    assert "run `genzoo eval" in capsys.readouterr().err

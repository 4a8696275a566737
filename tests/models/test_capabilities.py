"""Capabilities: every registered model has the methods it declares, and a new model that declares them gets every
figure and metric that applies with no edit elsewhere (the README's "Adding a model")."""

import pytest

from genzoo import PCA, LinearAutoencoder
from genzoo.cli import main
from genzoo.models import MODELS, Estimator, can
from genzoo.models.capabilities import METHODS
from genzoo.report import draw_figures, evaluate


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_model_has_the_methods_of_its_capabilities(name):
    model = MODELS[name]
    assert model.capabilities <= set(METHODS), model.capabilities - set(METHODS)
    for capability in model.capabilities:
        for method in METHODS[capability]:
            assert callable(getattr(model, method, None)), f"{name} declares {capability} but has no {method}()"
    assert model.code_size_param is None or model.code_size_param in model().get_params()


def test_can_reads_the_declaration_not_the_class():
    class Sampler(Estimator):  # a new model: only what it declares counts
        capabilities = frozenset({"sample"})

    assert can(Sampler, "sample") and not can(Sampler, "encode") and not can(object(), "sample")
    Estimator.registry.pop("Sampler")


@pytest.mark.statistical
def test_the_linear_autoencoder_learns_pcas_subspace(digits):
    """Baldi & Hornik: a tied linear autoencoder trained on squared error reaches PCA's reconstruction error."""
    (x, _), (xt, _) = digits
    pca_mse = ((PCA(n_components=8).fit(x).reconstruct(xt) - xt / 255.0) ** 2).mean()
    untrained = LinearAutoencoder(latent_dim=8, epochs=0).fit(x)
    lin = LinearAutoencoder(latent_dim=8, epochs=60).fit(x)
    lin_mse = ((lin.reconstruct(xt) - xt / 255.0) ** 2).mean()
    assert lin_mse < 1.05 * pca_mse, (lin_mse, pca_mse)
    assert ((untrained.reconstruct(xt) - xt / 255.0) ** 2).mean() > 3 * pca_mse


def test_a_new_model_gets_its_figures_and_metrics_in_a_report(digits, tmp_path):
    """LinearAutoencoder is one file and one registry line: the CLI trains it, the report draws what it declares."""
    (x, _), (xt, yt) = digits
    out = tmp_path / "lin"
    assert main(["train", "linear-ae", "--latent-dim", "2", "--epochs", "5", "--quiet", "--out", str(out)]) == 0
    assert main(["eval", str(out), "--fd-samples", "0"]) == 0
    assert main(["report", str(out)]) == 0
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figures == ["interpolation", "latent", "manifold", "reconstructions", "retrieval", "training"]
    html = (out / "report.html").read_text()
    assert all(f"alt='{f}'" in html for f in figures) and "LinearAutoencoder" in html
    metrics = evaluate(LinearAutoencoder(epochs=1).fit(x), xt, yt)
    assert {"mse", "psnr", "retrieval_precision_at_10"} <= set(metrics) and "elbo" not in metrics


def test_a_subclass_keeps_its_parents_figures(digits, tmp_path):
    from genzoo import DenoisingAutoencoder

    class MyDenoiser(DenoisingAutoencoder):  # a user's subclass: no edit anywhere else
        pass

    (x, _), (xt, yt) = digits
    model = MyDenoiser(hidden=(32,), latent_dim=4, epochs=1).fit(x, run_dir=tmp_path / "mine")
    names = {p.stem for p in draw_figures(model, tmp_path / "mine", xt, yt)}
    assert {"reconstructions", "denoising", "latent"} <= names
    assert {"noisy_psnr", "denoised_psnr", "mse"} <= set(evaluate(model, xt, yt))
    Estimator.registry.pop("MyDenoiser")

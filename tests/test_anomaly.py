"""Anomaly detection (SPEC §2): score_samples (higher: more normal), the AUROC, training on some classes only."""

import json

import numpy as np
import pytest

from genzoo import PCA, VAE, Autoencoder, ConfigError, DatasetError
from genzoo.cli import main
from genzoo.data import select_classes
from genzoo.metrics import anomaly_auroc


def test_auroc_is_1_when_separable_and_about_half_when_shuffled():
    rng = np.random.default_rng(0)
    normal = rng.random(4000) < 0.3
    separable = np.where(normal, 1.0 + rng.random(4000), rng.random(4000))  # every normal above every anomaly
    assert anomaly_auroc(separable, normal) == 1.0
    assert anomaly_auroc(-separable, normal) == 0.0
    assert abs(anomaly_auroc(rng.permutation(separable), normal) - 0.5) < 0.03
    with pytest.raises(ConfigError, match="both normal and anomalous"):
        anomaly_auroc(separable, np.ones(4000, bool))
    with pytest.raises(ConfigError, match="boolean"):
        anomaly_auroc(separable, normal.astype(int))


@pytest.mark.parametrize("model", [PCA(n_components=8), Autoencoder(hidden=(64,), latent_dim=8, epochs=30),
                                   VAE(hidden=(64,), latent_dim=4, epochs=30)])
@pytest.mark.statistical
def test_models_trained_on_zeros_score_zeros_as_normal(digits, model):
    (x, y), (xt, yt) = digits
    model.fit(select_classes(x, y, [0]))
    scores = model.score_samples(xt)
    assert scores.shape == (len(xt),) and np.isfinite(scores).all()
    assert anomaly_auroc(scores, yt == 0) > 0.9


@pytest.mark.statistical
def test_train_on_classes_then_eval_anomaly_from_the_cli(tmp_path, capsys):
    out = tmp_path / "ae0"
    assert main(["train", "ae", "--classes", "0", "--epochs", "30", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "anomaly_auroc" in printed
    config = json.loads((out / "config.json").read_text())
    assert config["data"]["classes"] == [0] and config["data"]["train"][0] < 200  # about a tenth of 1,438
    assert main(["eval", str(out), "--anomaly", "--fd-samples", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["anomaly_auroc"] > 0.9
    assert main(["train", "pca", "--out", str(tmp_path / "all")]) == 0
    assert main(["eval", str(tmp_path / "all"), "--anomaly"]) == 2
    assert "--anomaly needs a run trained on some classes only" in capsys.readouterr().err
    assert main(["train", "ae", "--classes", "42", "--out", str(tmp_path / "x")]) == 2
    assert "digits has no images of class 42" in capsys.readouterr().err


def test_select_classes_needs_labels():
    with pytest.raises(DatasetError, match="has no labels"):
        select_classes(np.zeros((3, 2)), None, [0])

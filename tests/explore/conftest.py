"""Small runs of every model the explorer serves, trained on the embedded 8×8 digits, and a live server on them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from .explore_client import RUNS


@pytest.fixture(scope="session")
def explore_runs(tmp_path_factory) -> dict[str, Path]:
    """Run folders (config.json names the data, as ``genzoo train`` writes it) of PCA, an MLP AE with 2-D codes, a 2-D
    VAE, a GAN, a DAE with 8-D codes and a conv AE with 32-D codes."""
    from genzoo import GAN, PCA, VAE, Autoencoder, DenoisingAutoencoder, load_dataset

    x, _ = load_dataset("digits", "train")
    root = tmp_path_factory.mktemp("explore")
    models = {"pca": PCA(n_components=2), "ae": Autoencoder(hidden=(64,), latent_dim=2, epochs=30, lr=2e-3),
              "vae": VAE(hidden=(64,), latent_dim=2, epochs=30, lr=2e-3),
              "gan": GAN(hidden=(64, 64), noise_dim=8, epochs=3),
              "dae": DenoisingAutoencoder(hidden=(64,), latent_dim=8, epochs=30, lr=2e-3),
              "conv": Autoencoder(arch="conv", epochs=10)}
    info = {"data": {"name": "digits"}, "command": ["test"]}
    for name, model in models.items():
        model.fit(x, run_dir=root / name, run_info=info)
    return {name: root / name for name in RUNS}


@pytest.fixture(scope="session")
def server(explore_runs):
    """``genzoo explore`` on every run, in this process, on a free port of 127.0.0.1."""
    from genzoo.explore import make_server

    srv = make_server([explore_runs[name] for name in RUNS], port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()



"""Test set-up: never touch the network or the user's cache; find the shared MNIST copy when it is there."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# In CI the fuzz tests replay a fixed set of examples; locally they explore new ones every run.
settings.register_profile("ci", derandomize=True, deadline=None)
# benchmarks/fuzz.py: --hypothesis-profile=long, 10,000 examples per test unless GENZOO_FUZZ_EXAMPLES says
settings.register_profile("long", max_examples=int(os.environ.get("GENZOO_FUZZ_EXAMPLES", 10_000)), deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# Where the tests find MNIST: the user's $GENZOO_DATA when set (read once, before any test changes the
# environment), else the shared copy beside the repository.
DATA_ROOT = Path(os.environ["GENZOO_DATA"]) if os.environ.get("GENZOO_DATA") else SHARED_DATA
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GENZOO_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    if DATA_ROOT.is_dir():
        monkeypatch.setenv("GENZOO_DATA", str(DATA_ROOT))
    else:
        monkeypatch.delenv("GENZOO_DATA", raising=False)


def need_dataset(name: str, how: str) -> None:
    """Skip the test when dataset ``name`` is not on this machine; under CI (``CI`` set) fail instead, since CI
    provides every dataset and a silent skip would hide the tests that need it."""
    from genzoo import DatasetError, load_dataset

    try:
        load_dataset(name, "test", DATA_ROOT if DATA_ROOT.is_dir() else None, download=False)
    except DatasetError as error:
        message = f"{name} not found: {how}. ({error})"
        if os.environ.get("CI"):
            pytest.fail(f"CI provides every dataset, but {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def mnist():
    """MNIST (train, test), from $GENZOO_DATA or ../shared/data, as loaded by genzoo."""
    need_dataset("mnist", "set GENZOO_DATA to a folder holding mnist/ (or its four IDX files)")
    from genzoo import load_dataset

    return (load_dataset("mnist", "train", DATA_ROOT, download=False),
            load_dataset("mnist", "test", DATA_ROOT, download=False))


@pytest.fixture(scope="session")
def fashion():
    """Fashion-MNIST (train, test) from Debian's dataset-fashion-mnist (or $GENZOO_DATA)."""
    need_dataset("fashion-mnist", "apt-get install dataset-fashion-mnist, or put its files under $GENZOO_DATA")
    from genzoo import load_dataset

    return (load_dataset("fashion-mnist", "train", DATA_ROOT, download=False),
            load_dataset("fashion-mnist", "test", DATA_ROOT, download=False))


@pytest.fixture(scope="session")
def digits():
    from genzoo import load_dataset

    return load_dataset("digits", "train"), load_dataset("digits", "test")


def write_idx(path: Path, array: np.ndarray, code: int = 0x08, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file (gzip when the name ends in .gz)."""
    import gzip

    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + np.asarray(array, dtype=dtype).tobytes()
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture(scope="session")
def saved_run(tmp_path_factory):
    """A small fitted autoencoder's run folder (16 features, code 2), for the tests that corrupt a copy of it."""
    from genzoo import Autoencoder

    path = tmp_path_factory.mktemp("runs") / "ae"
    Autoencoder(hidden=(8,), latent_dim=2, epochs=1).fit(np.random.default_rng(0).random((40, 16)), run_dir=path)
    return path


def copy_run(run: Path, target: Path) -> Path:
    """``run``'s config.json and model.safetensors copied into ``target`` (made if need be)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors"):
        (target / name).write_bytes((run / name).read_bytes())
    return target


SEED_OFFSET = int(os.environ.get("GENZOO_SEED_OFFSET", "0"))


def seeds(n: int) -> range:
    """The ``n`` seeds a statistical test trains with: 0 to n − 1, shifted by ``$GENZOO_SEED_OFFSET`` so that
    benchmarks/statistical.py can run the same test on other trajectories when it measures the test's margin."""
    return range(SEED_OFFSET, SEED_OFFSET + n)


@pytest.fixture
def measured(request):
    """``measured(name=value, ...)`` records what a statistical test measured (its per-seed counts, accuracies, ...)
    as one JSON line in ``$GENZOO_MEASURE`` when set, for benchmarks/statistical.py's margin table; else nothing."""
    import json

    def record(**values: object) -> None:
        target = os.environ.get("GENZOO_MEASURE")
        if target:
            with open(target, "a") as f:
                f.write(json.dumps({"test": request.node.nodeid, **values}, default=float) + "\n")

    return record

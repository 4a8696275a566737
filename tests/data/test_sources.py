"""Downloads, tested against a local HTTP server on 127.0.0.1 serving files the test makes."""

import gzip
import hashlib
import http.server
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import write_idx

from genzoo import DatasetError, load_dataset
from genzoo.data import sources


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(www), **k)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", www
    httpd.shutdown()
    httpd.server_close()


def _fake_mnist(www: Path, n: int = 20) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        "train-labels": rng.integers(0, 10, n).astype(np.uint8),
        "test-images": rng.integers(0, 256, (n // 2, 28, 28), dtype=np.uint8),
        "test-labels": rng.integers(0, 10, n // 2).astype(np.uint8),
    }
    for role, array in arrays.items():
        write_idx(www / sources.SOURCES["mnist"].files[role].name, array)
    return arrays


def _point_mnist_at(monkeypatch, mirrors, www: Path, corrupt_role: str | None = None):
    files = {}
    for role, f in sources.SOURCES["mnist"].files.items():
        digest = hashlib.sha256((www / f.name).read_bytes()).hexdigest()
        files[role] = replace(f, sha256="0" * 64 if role == corrupt_role else digest)
    monkeypatch.setitem(sources.SOURCES, "mnist", replace(sources.SOURCES["mnist"], files=files, mirrors=tuple(mirrors)))
    monkeypatch.delenv("GENZOO_OFFLINE")
    monkeypatch.delenv("GENZOO_DATA", raising=False)


def test_download_checks_sha256_and_caches(server, monkeypatch, tmp_path):
    url, www = server
    arrays = _fake_mnist(www)
    _point_mnist_at(monkeypatch, [url], www)
    x, y = load_dataset("mnist", "train", root=tmp_path / "empty")
    np.testing.assert_array_equal(x[:, 0], arrays["train-images"])
    np.testing.assert_array_equal(y, arrays["train-labels"])
    cache = sources.cache_dir() / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    for p in www.iterdir():  # served files removed: the second load reads the cache
        p.unlink()
    x2, _ = load_dataset("mnist", "train")
    np.testing.assert_array_equal(x, x2)


def test_wrong_checksum_leaves_nothing_behind(server, monkeypatch):
    url, www = server
    _fake_mnist(www)
    _point_mnist_at(monkeypatch, [url], www, corrupt_role="train-labels")
    with pytest.raises(DatasetError, match="SHA-256 .* does not match"):
        load_dataset("mnist", "train")
    cache = sources.cache_dir() / "mnist"
    assert [p.name for p in cache.iterdir()] == ["train-images-idx3-ubyte.gz"]  # the good file only, no .part


def test_second_mirror_is_tried(server, monkeypatch):
    url, www = server
    _fake_mnist(www)
    _point_mnist_at(monkeypatch, ["http://127.0.0.1:9/", url], www)  # port 9 refuses connections
    x, _ = load_dataset("mnist", "test")
    assert x.shape == (10, 1, 28, 28)


def test_unreachable_mirror_says_where_to_put_files(monkeypatch, tmp_path):
    monkeypatch.setitem(sources.SOURCES, "mnist", replace(sources.SOURCES["mnist"], mirrors=("http://127.0.0.1:9/",)))
    monkeypatch.delenv("GENZOO_OFFLINE")
    monkeypatch.delenv("GENZOO_DATA", raising=False)
    with pytest.raises(DatasetError, match="download failed") as e:
        load_dataset("mnist", "train", root=tmp_path)
    assert "t10k" not in str(e.value) and "train-images-idx3-ubyte.gz" in str(e.value) and str(tmp_path) in str(e.value)


def test_offline_error_names_files_and_folders(monkeypatch, tmp_path):
    monkeypatch.delenv("GENZOO_DATA", raising=False)
    with pytest.raises(DatasetError, match="GENZOO_OFFLINE") as e:
        load_dataset("mnist", "test", root=tmp_path)
    assert "t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz" in str(e.value)


def test_search_order_root_first_and_raw_files(monkeypatch, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b" / "mnist"
    for d, value in ((a, 1), (b, 2)):
        d.mkdir(parents=True)
        write_idx(d / "t10k-images-idx3-ubyte", np.full((3, 28, 28), value, np.uint8))  # raw, not .gz
        write_idx(d / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    monkeypatch.setenv("GENZOO_DATA", str(tmp_path / "b"))
    assert load_dataset("mnist", "test", root=a)[0].max() == 1
    assert load_dataset("mnist", "test")[0].max() == 2


def test_mismatched_labels_are_refused(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((4, 28, 28), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(DatasetError, match="3,\\) labels do not match the 4 images"):
        load_dataset("mnist", "test", root=tmp_path)


def test_gzip_written_by_another_tool_is_read(tmp_path):
    # Debian recompressed Fashion-MNIST: other bytes, same content. genzoo checks structure, not checksums, on disk.
    data = bytes([0, 0, 8, 1]) + (2).to_bytes(4, "big") + b"\x01\x02"
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    assert load_dataset("fashion-mnist", "test", root=tmp_path)[1].tolist() == [1, 2]

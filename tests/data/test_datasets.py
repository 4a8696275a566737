import numpy as np
import pytest
from PIL import Image

from genzoo import DatasetError, load_dataset
from genzoo.data import dataset_info


def test_digits_is_a_fixed_disjoint_split(digits):
    (xtr, ytr), (xte, _yte) = digits
    assert xtr.shape == (1438, 1, 8, 8) and xte.shape == (359, 1, 8, 8)
    assert xtr.dtype == np.uint8 and ytr.dtype == np.int64 and xtr.max() == 255
    from sklearn.datasets import load_digits

    full = np.round(load_digits().images * 255 / 16).astype(np.uint8).reshape(1797, -1)
    both = np.concatenate([xtr, xte]).reshape(1797, -1)
    np.testing.assert_array_equal(np.unique(both, axis=0), np.unique(full, axis=0))  # a partition of all images
    again, _ = load_dataset("digits", "test")
    np.testing.assert_array_equal(xte, again)


def test_mnist(mnist):
    (xtr, _ytr), (xte, yte) = mnist
    assert xtr.shape == (60000, 1, 28, 28) and xte.shape == (10000, 1, 28, 28)
    assert np.bincount(yte).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_fashion_mnist(fashion):
    (xtr, ytr), (xte, yte) = fashion
    assert xtr.shape == (60000, 1, 28, 28) and xte.shape == (10000, 1, 28, 28)
    assert np.bincount(ytr).tolist() == [6000] * 10 and np.bincount(yte).tolist() == [1000] * 10


def test_unknown_names_and_splits():
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'.*mnist, fashion-mnist, digits"):
        load_dataset("cifar")
    with pytest.raises(DatasetError, match="unknown split 'val'"):
        load_dataset("digits", "val")


def test_npz_layouts(tmp_path):
    rng = np.random.default_rng(0)
    gray = rng.random((50, 10, 12))
    np.savez(tmp_path / "g.npz", x=gray, y=np.arange(50))
    xtr, ytr = load_dataset(f"npz:{tmp_path / 'g.npz'}", "train")
    xte, yte = load_dataset(f"npz:{tmp_path / 'g.npz'}", "test")
    assert xtr.shape == (40, 1, 10, 12) and xte.shape == (10, 1, 10, 12)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(50))
    np.testing.assert_array_equal(xte[:, 0], np.round(gray[yte] * 255).astype(np.uint8))

    rgb = rng.integers(0, 256, (6, 16, 16, 3), dtype=np.uint8)  # NHWC
    np.savez(tmp_path / "c.npz", x=rgb, x_test=rgb[:2])
    x, y = load_dataset(f"npz:{tmp_path / 'c.npz'}", "train")
    assert x.shape == (6, 3, 16, 16) and y is None
    np.testing.assert_array_equal(x.transpose(0, 2, 3, 1), rgb)
    assert load_dataset(f"npz:{tmp_path / 'c.npz'}", "test")[0].shape == (2, 3, 16, 16)


@pytest.mark.parametrize("arrays,match", [
    ({"images": np.zeros((2, 8, 8))}, "no array named 'x'"),
    ({"x": np.zeros((2, 8))}, "expected images shaped"),
    ({"x": np.full((2, 8, 8), 2.0)}, "in \\[0, 1\\]"),
    ({"x": np.zeros((2, 8, 8), np.int32)}, "uint8 .* or float"),
    ({"x": np.zeros((2, 8, 8)), "y": np.zeros(3, int)}, "labels must be integers shaped \\(2,\\)"),
])
def test_npz_errors(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=match):
        load_dataset(f"npz:{tmp_path / 'bad.npz'}")


def test_npz_corrupt_or_missing(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match="not a readable .npz"):
        load_dataset(f"npz:{tmp_path / 'junk.npz'}")
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(f"npz:{tmp_path / 'none.npz'}")


def _png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_folder_with_classes_gray_and_rgb(tmp_path):
    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        for i in range(5):
            _png(tmp_path / "gray" / c / f"{i}.png", rng.integers(0, 256, (12, 12), dtype=np.uint8))
    x, y = load_dataset(f"folder:{tmp_path / 'gray'}", "train")
    assert x.shape == (8, 1, 12, 12) and sorted(set(y.tolist())) == [0, 1]

    for split, n in (("train", 3), ("test", 2)):
        for i in range(n):
            _png(tmp_path / "rgb" / split / f"{i}.jpg", rng.integers(0, 256, (20, 10, 3), dtype=np.uint8))
    x, y = load_dataset(f"folder:{tmp_path / 'rgb'}", "test")
    assert x.shape == (2, 3, 20, 10) and y is None
    x, _ = load_dataset(f"folder:{tmp_path / 'rgb'}", "train", image_size=8)
    assert x.shape == (3, 3, 8, 8)


def test_folder_errors(tmp_path):
    _png(tmp_path / "mixed" / "a.png", np.zeros((8, 8), np.uint8))
    _png(tmp_path / "mixed" / "b.png", np.zeros((9, 8), np.uint8))
    with pytest.raises(DatasetError, match="differs from a.png.*--image-size"):
        load_dataset(f"folder:{tmp_path / 'mixed'}")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(DatasetError, match="x.png: not a readable image"):
        load_dataset(f"folder:{tmp_path / 'broken'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no PNG or JPEG"):
        load_dataset(f"folder:{tmp_path / 'empty'}")
    with pytest.raises(DatasetError, match="no such folder"):
        load_dataset(f"folder:{tmp_path / 'nope'}")


def test_dataset_info_lists_every_dataset(tmp_path, monkeypatch):
    monkeypatch.delenv("GENZOO_DATA", raising=False)
    infos = {i.name: i for i in dataset_info(tmp_path)}
    assert set(infos) == {"mnist", "fashion-mnist", "digits"}
    assert not infos["mnist"].found and "downloaded on first use" in infos["mnist"].where
    assert infos["digits"].found and infos["digits"].shapes["test"] == (359, 1, 8, 8)


def test_toy_datasets_load_by_name():
    x, y = load_dataset("toy:ring8")
    xt, _ = load_dataset("toy:ring8", "test")
    assert x.shape == (4000, 2) and xt.shape == (1000, 2) and x.dtype == np.float32 and y is None
    assert not np.array_equal(x[:1000], xt)
    with pytest.raises(DatasetError, match="toy:ring8, toy:grid25, toy:moons"):
        load_dataset("toy:spiral")

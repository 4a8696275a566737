import gzip
import os

import numpy as np
import pytest
from conftest import need_dataset, write_idx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genzoo import DatasetError
from genzoo.data import read_idx
from genzoo.data.sources import SOURCES, locate


@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
@pytest.mark.parametrize("code,dtype", [(0x08, np.uint8), (0x0B, np.int16), (0x0D, np.float32), (0x0E, np.float64)])
def test_round_trip(tmp_path, name, code, dtype):
    array = (np.arange(2 * 3 * 5) % 200).reshape(2, 3, 5).astype(dtype)
    out = read_idx(write_idx(tmp_path / name, array, code))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def _bad(tmp_path, data: bytes, match: str, gz: bool = False):
    path = tmp_path / ("bad.gz" if gz else "bad")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DatasetError, match=match) as e:
        read_idx(path)
    assert str(path) in str(e.value)


def test_every_validation_error_names_the_file_and_problem(tmp_path):
    good = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + b"abc"
    _bad(tmp_path, b"\x00\x00", "truncated IDX header")
    _bad(tmp_path, b"\x01\x00\x08\x01" + good[4:], "not an IDX file")
    _bad(tmp_path, b"\x00\x00\x07\x01" + good[4:], "unknown IDX type code 0x07")
    _bad(tmp_path, b"\x00\x00\x08\x00", "0 dimensions")
    _bad(tmp_path, b"\x00\x00\x08\x05" + b"\x00" * 20, "5 dimensions")
    _bad(tmp_path, good[:6], "dimension sizes cut off")
    _bad(tmp_path, good[:-1], "truncated: header promises 3 data bytes")
    _bad(tmp_path, good + b"x", "data beyond the 3 bytes")
    _bad(tmp_path, good[:-1], "truncated", gz=True)


def test_the_edges_mutation_testing_found_unguarded(tmp_path):
    """Survivors of benchmarks/mutation.py: 4-D files are read (1 to 4 dimensions), a 3-D header cut inside its
    sizes is refused, a magic number is shown as its two bytes, and a file of exactly max_bytes is read."""
    four = np.arange(2 * 1 * 2 * 3, dtype=np.uint8).reshape(2, 1, 2, 3)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "four.idx", four, 0x08)), four)
    three = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
    _bad(tmp_path, three, "dimension sizes cut off")
    _bad(tmp_path, b"\x01\x02\x08\x01" + bytes(8), r"magic bytes 0102, expected 0000\)")
    exact = np.zeros((4, 4), np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "exact.idx", exact, 0x08), max_bytes=16), exact)
    with pytest.raises(DatasetError, match="over the 15 limit"):
        read_idx(tmp_path / "exact.idx", max_bytes=15)
    ones = np.zeros((1, 5), np.uint8)  # sizes of 1 count as 1 in the limit
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "ones.idx", ones, 0x08), max_bytes=5), ones)


def test_corrupt_and_truncated_gzip(tmp_path):
    data = gzip.compress(bytes([0, 0, 8, 1]) + (1000).to_bytes(4, "big") + bytes(range(250)) * 4)
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="corrupt or truncated gzip"):
        read_idx(tmp_path / "cut.gz")
    flipped = bytearray(data)
    flipped[-6] ^= 0xFF  # inside the CRC32 trailer
    (tmp_path / "crc.gz").write_bytes(bytes(flipped))
    with pytest.raises(DatasetError, match="corrupt or truncated gzip"):
        read_idx(tmp_path / "crc.gz")


def test_huge_header_is_refused_before_allocation(tmp_path):
    header = bytes([0, 0, 8, 3]) + np.array([10**6, 10**3, 10**3], dtype=">u4").tobytes()  # 10^12 bytes claimed
    (tmp_path / "huge").write_bytes(header + b"\x00" * 16)
    with pytest.raises(DatasetError, match="over the .* limit"):
        read_idx(tmp_path / "huge")


def test_empty_dimension_with_huge_others_is_refused(tmp_path):
    # found by the header fuzzer: 0 x 2^32-1 x 2^32-1 claims 0 bytes but is no array NumPy can make
    header = bytes([0, 0, 8, 3]) + np.array([0, 2**32 - 1, 2**32 - 1], dtype=">u4").tobytes()
    (tmp_path / "empty").write_bytes(header)
    with pytest.raises(DatasetError, match="over the .* limit"):
        read_idx(tmp_path / "empty")
    (tmp_path / "ok").write_bytes(bytes([0, 0, 8, 2]) + np.array([0, 28], dtype=">u4").tobytes())
    assert read_idx(tmp_path / "ok").shape == (0, 28)


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        read_idx(tmp_path / "nope.gz")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=64), st.booleans())
def test_fuzzed_bytes_give_an_array_or_a_dataset_error(tmp_path, data, gz):
    path = tmp_path / "fuzz"
    path.write_bytes(gzip.compress(data) if gz else data)
    try:
        out = read_idx(path)
    except DatasetError:
        return
    assert isinstance(out, np.ndarray) and out.nbytes <= len(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([8, 9, 11, 12, 13, 14]), st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4),
       st.binary(max_size=32))
def test_fuzzed_headers(tmp_path, code, dims, body):
    path = tmp_path / "hdr"
    path.write_bytes(bytes([0, 0, code, len(dims)]) + np.asarray(dims, dtype=">u4").tobytes() + body)
    try:
        out = read_idx(path)
    except DatasetError:
        return
    assert list(out.shape) == dims


def test_real_mnist_files():
    need_dataset("mnist", "set GENZOO_DATA to a folder holding mnist/")
    files = locate(SOURCES["mnist"], ["train-images", "train-labels", "test-labels"], os.environ["GENZOO_DATA"])
    train = read_idx(files["train-images"])
    labels = read_idx(files["train-labels"])
    test_labels = read_idx(files["test-labels"])
    assert train.shape == (60000, 28, 28) and train.dtype == np.uint8
    assert int(train.sum(dtype=np.int64)) == 1_567_298_545  # SOURCE.md's content check
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert test_labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]

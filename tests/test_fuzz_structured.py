"""Structure-aware fuzzing: valid containers with wrong contents, so that the loaders' deeper paths are reached.

safetensors files with wrong dtypes, shapes, offsets or header lengths; npz files with object, NaN, empty or 5-D
arrays; PNG/JPEG images that are 16-bit, palette, alpha or CMYK; config.json with deep nesting, huge numbers and
unknown keys. Each loader's answer is data of the documented form or one genzoo error, never anything else.
Under ``CI=1`` a fixed set of examples is replayed (the ``ci`` profile); ``benchmarks/fuzz.py`` runs 10,000
examples per loader and reports the counts.
"""

import io
import json
import struct

import numpy as np
import pytest
from conftest import copy_run
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from safetensors.numpy import save as st_save

from genzoo import GenzooError, load, load_dataset
from genzoo.engine.checkpoint import load_state
from genzoo.errors import CheckpointError

STRUCTURED = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                            HealthCheck.too_slow])
DTYPES = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"]
ITEM = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def _real_tensors(saved_run) -> dict[str, tuple[str, list[int]]]:
    raw = (saved_run / "model.safetensors").read_bytes()
    header = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
    return {k: (v["dtype"], v["shape"]) for k, v in header.items() if k != "__metadata__"}


@st.composite
def safetensors_files(draw, names: list[str]) -> bytes:
    """A safetensors container: a header naming the model's tensors (or others) with drawn dtypes, shapes and
    offsets, a declared header length that may lie, and a data section that may be short."""
    header, offset = {}, 0
    for name in draw(st.lists(st.sampled_from([*names, "module.extra", "x"]), unique=True, max_size=len(names) + 1)):
        dtype = draw(st.sampled_from(DTYPES))
        shape = draw(st.lists(st.integers(0, 12), max_size=3))
        size = ITEM[dtype] * int(np.prod(shape, dtype=np.int64))
        start = draw(st.sampled_from([offset, offset + 1, max(offset - 1, 0), 0]))
        end = draw(st.sampled_from([start + size, start + size + 4, max(start + size - 1, start), 2**40]))
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [start, end]}
        offset = max(offset, end if end < 2**40 else offset)
    if draw(st.booleans()):
        header["__metadata__"] = {"genzoo_format": draw(st.sampled_from(["1", "2", "x"]))}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    data = bytes(draw(st.integers(0, max(offset, 0) + 8)))
    length = draw(st.sampled_from([len(text), len(text) + 8, max(len(text) - 8, 0), 2**63 - 1, 2**32]))
    return struct.pack("<Q", length) + text + data


@STRUCTURED
@given(data=st.data())
def test_structured_safetensors(saved_run, tmp_path_factory, data):
    names = list(_real_tensors(saved_run))
    run = copy_run(saved_run, tmp_path_factory.mktemp("st"))
    (run / "model.safetensors").write_bytes(data.draw(safetensors_files(names)))
    try:
        model = load(run)
    except CheckpointError:
        pass
    else:
        assert model.transform(np.zeros((2, 16), np.float32)).shape == (2, 2)
    with pytest.raises(CheckpointError):  # never a genzoo checkpoint: no tree of genzoo's format
        load_state(run / "model.safetensors")


@STRUCTURED
@given(data=st.data())
def test_weights_of_the_wrong_shape_or_dtype(saved_run, tmp_path_factory, data):
    """Valid safetensors files with the model's names and every tensor's shape or dtype drawn anew."""
    real = _real_tensors(saved_run)
    arrays = {}
    for name, (_, shape) in real.items():
        new_shape = data.draw(st.sampled_from([shape, [*shape, 1], shape[::-1], [max(shape[0] - 1, 0), *shape[1:]]]))
        dtype = data.draw(st.sampled_from(["float32", "float64", "float16", "int64", "uint8", "bool"]))
        arrays[name] = np.ones(new_shape, dtype)
    run = copy_run(saved_run, tmp_path_factory.mktemp("shape"))
    (run / "model.safetensors").write_bytes(st_save(arrays))
    same = all(list(arrays[k].shape) == s for k, (_, s) in real.items())
    try:
        model = load(run)
    except CheckpointError as e:
        assert "weights do not fit the model" in str(e) or "not a valid safetensors" in str(e)
    else:
        assert same, "weights of another shape were loaded"
        assert np.isfinite(model.transform(np.zeros((2, 16), np.float32))).all()


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


ARRAYS = st.one_of(
    st.tuples(st.sampled_from(["u1", "f4", "f8", "i8", "b1", "c8", "U3"]),
              st.lists(st.integers(0, 4), min_size=0, max_size=5)).map(lambda t: np.ones(t[1], t[0])),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, np.nan, np.inf, -np.inf, 255.0, -1.0]), min_size=16, max_size=16)
    .map(lambda v: np.array(v, np.float32).reshape(1, 1, 4, 4)),
    st.just(np.array([{"a": 1}, None], dtype=object)),
)


@STRUCTURED
@given(arrays=st.dictionaries(st.sampled_from(["x", "y", "x_test", "y_test", "other"]), ARRAYS, max_size=4))
def test_structured_npz(tmp_path_factory, arrays):
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    try:
        path.write_bytes(_npz(arrays))
    except ValueError:  # NumPy itself refuses to write some (object arrays without pickle are written; others not)
        return
    for split in ("train", "test"):
        try:
            x, y = load_dataset(f"npz:{path}", split)
        except GenzooError:
            continue
        assert x.dtype == np.uint8 and x.ndim == 4 and len(x) > 0
        assert y is None or len(y) == len(x)


IMAGE_MODES = {"png": ["L", "LA", "RGB", "RGBA", "P", "I;16", "1"], "jpg": ["L", "RGB", "CMYK"]}


@st.composite
def image_files(draw) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(["png", "jpg"]))
    mode = draw(st.sampled_from(IMAGE_MODES[fmt]))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    image = Image.new(mode, size)
    if mode == "P":
        image.putpalette([draw(st.integers(0, 255)) for _ in range(12)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG" if fmt == "png" else "JPEG")
    raw = buffer.getvalue()
    if draw(st.booleans()):  # cut short
        raw = raw[:draw(st.integers(0, len(raw)))]
    return f"{draw(st.sampled_from(['a', 'b', '3/c']))}.{fmt}", raw


@STRUCTURED
@given(files=st.lists(image_files(), min_size=1, max_size=4, unique_by=lambda f: f[0]))
def test_structured_image_folders(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("images")
    for name, raw in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(raw)
    try:
        x, y = load_dataset(f"folder:{folder}")
    except GenzooError:
        return
    assert x.dtype == np.uint8 and x.ndim == 4 and x.shape[1] in (1, 3) and len(x) >= 1
    assert y is None or len(y) == len(x)


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


CONFIG_VALUES = st.one_of(
    st.integers(-10**30, 10**30), st.sampled_from([10**400, -(10**400), 1e308, float("inf"), float("nan")]),
    st.text(max_size=6), st.booleans(), st.none(), st.integers(1, 3000).map(_nested),
    st.lists(st.integers(-2, 10**6), max_size=5),
)


@STRUCTURED
@example(section="params", key="lr", value=10**400)  # found by the long run: an int too large for a float
@given(section=st.sampled_from(["top", "params", "fitted"]), key=st.sampled_from(
    ["model", "format_version", "params", "fitted", "latent_dim", "hidden", "epochs", "device", "lr", "input_shape",
     "unknown_key"]), value=CONFIG_VALUES)
def test_structured_configs(saved_run, tmp_path_factory, section, key, value):
    run = copy_run(saved_run, tmp_path_factory.mktemp("cfg"))
    config = json.loads((run / "config.json").read_text())
    target = config if section == "top" else config[section]
    target[key] = value
    try:
        text = json.dumps(config)
    except (ValueError, RecursionError):  # the standard library cannot write it either
        return
    (run / "config.json").write_text(text)
    try:
        model = load(run)
    except GenzooError:
        return
    assert model.transform(np.zeros((2, 16), np.float32)).shape[0] == 2


def test_sizes_that_do_not_fit_the_weights_are_refused_before_allocating(saved_run, tmp_path):
    """A config asking for a 10⁹-wide code (32 GB of weights) is compared with the weights' shapes on the meta
    device first: a one-line error, nothing allocated."""
    run = copy_run(saved_run, tmp_path)
    config = json.loads((run / "config.json").read_text())
    config["params"]["latent_dim"] = 10**9
    (run / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"decoder.net.0.weight is \(8, 2\) in the weights but the model in "
                                              r"the config needs \(8, 1000000000\)"):
        load(run)

"""Files from others: run folders, checkpoints, configs and datasets are never trusted; each problem is one
genzoo error naming the file, never a crash, a hang, an unpickling or an unbounded allocation."""

import contextlib
import io
import json
import pickle

import numpy as np
import pytest
from conftest import copy_run
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from safetensors.numpy import save as st_save

from genzoo import GenzooError, load, load_dataset
from genzoo.cli import main, read_config_file
from genzoo.engine.checkpoint import load_state
from genzoo.errors import CheckpointError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _copy(saved_run, tmp_path):
    return copy_run(saved_run, tmp_path / "copy")


def test_each_broken_run_folder_gets_one_clear_error(saved_run, tmp_path):
    run = _copy(saved_run, tmp_path)
    weights = (run / "model.safetensors").read_bytes()
    config = json.loads((run / "config.json").read_text())

    def refused(match):
        with pytest.raises(CheckpointError, match=match):
            load(run)

    (run / "model.safetensors").write_bytes(pickle.dumps({"module.net.0.weight": np.zeros(3)}))
    refused("model.safetensors: not a valid safetensors file")
    (run / "model.safetensors").write_bytes(weights[: len(weights) // 2])
    refused("model.safetensors: not a valid safetensors file")
    (run / "model.safetensors").write_bytes(st_save({"something.else": np.zeros(3, np.float32)}))
    refused("weights do not fit the model")
    shapes = {k: np.zeros((1, 1), np.float32) for k in load(saved_run).module_.state_dict()}
    (run / "model.safetensors").write_bytes(st_save({f"module.{k}": v for k, v in shapes.items()}))
    refused("weights do not fit the model")
    (run / "model.safetensors").write_bytes(weights)
    (run / "config.json").write_text(json.dumps({**config, "format_version": 99}))
    refused("format_version 99 is not 1.*upgrade genzoo")
    (run / "config.json").write_text(json.dumps({**config, "model": "os.system"}))
    refused("unknown model 'os.system'")
    (run / "config.json").write_text(json.dumps({**config, "params": {**config["params"], "evil": 1}}))
    refused("parameters do not fit Autoencoder")
    (run / "config.json").write_text("{not json")
    refused("config.json: unreadable config")
    (run / "config.json").unlink()
    refused("not a genzoo run folder")
    with pytest.raises(CheckpointError, match="no such run folder"):
        load(tmp_path / "nowhere")


@FUZZ
@given(data=st.binary(max_size=2048))
def test_fuzzed_weights_and_checkpoints(saved_run, tmp_path_factory, data):
    run = _copy(saved_run, tmp_path_factory.mktemp("fuzz"))
    (run / "model.safetensors").write_bytes(data)
    with pytest.raises(CheckpointError):
        load(run)
    with pytest.raises(CheckpointError):
        load_state(run / "model.safetensors")


@FUZZ
@given(config=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                         max_size=3), max_leaves=10))
# what the fuzzer found before (each once a traceback): a non-string model or device, non-mapping params or
# fitted facts, a malformed input shape
@example(config={"model": 1})
@example(config={"device": 0})
@example(config=[])
@example(config={"input_shape": [0]})
@example(config={"input_shape": "x"})
def test_fuzzed_configs(saved_run, tmp_path_factory, config):
    run = _copy(saved_run, tmp_path_factory.mktemp("fuzz"))
    original = json.loads((run / "config.json").read_text())
    for candidate in (config, {**original, "params": config}, {**original, "fitted": config}):
        (run / "config.json").write_text(json.dumps(candidate))
        try:
            model = load(run)
        except GenzooError:
            continue
        assert model.transform(np.zeros((3, 16), np.float32)).shape == (3, 2)  # what loads, works


@FUZZ
@given(data=st.binary(max_size=1024), suffix=st.sampled_from([".json", ".yaml"]))
@example(data=b"\xff", suffix=".yaml")  # not UTF-8
def test_fuzzed_config_files(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("cfg") / f"c{suffix}"
    path.write_bytes(data)
    with contextlib.suppress(GenzooError):
        assert isinstance(read_config_file(str(path)), dict)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_fuzzed_npz_files(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    path.write_bytes(data)
    with pytest.raises(GenzooError):
        load_dataset(f"npz:{path}")


@FUZZ
@given(arrays=st.dictionaries(st.sampled_from(["x", "y", "x_test", "y_test", "other"]),
                              st.tuples(st.sampled_from(["u1", "f4", "i8", "f8", "b1"]),
                                        st.lists(st.integers(0, 5), min_size=0, max_size=4)), max_size=4))
@example(arrays={"x": ("u1", [0, 28, 28])})  # zero images
def test_fuzzed_npz_arrays(tmp_path_factory, arrays):
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.ones(shape, dtype) for k, (dtype, shape) in arrays.items()})
    path.write_bytes(buffer.getvalue())
    for split in ("train", "test"):
        try:
            x, _y = load_dataset(f"npz:{path}", split)
            assert x.dtype == np.uint8 and x.ndim == 4
        except GenzooError:
            pass


@FUZZ
@given(data=st.binary(max_size=2048), name=st.sampled_from(["a.png", "b.jpg", "c.jpeg"]))
@example(data=b"P1", name="a.png")  # a PPM header cut short: PIL raises ValueError
def test_fuzzed_image_folders(tmp_path_factory, data, name):
    folder = tmp_path_factory.mktemp("images")
    (folder / name).write_bytes(data)
    with pytest.raises(GenzooError):
        load_dataset(f"folder:{folder}")


def test_cli_answers_broken_run_folders_in_one_line(saved_run, tmp_path, capsys):
    run = _copy(saved_run, tmp_path)
    (run / "model.safetensors").write_bytes(pickle.dumps("evil"))
    assert main(["sample", str(run), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("genzoo: error:") and err.count("\n") == 1 and "model.safetensors" in err

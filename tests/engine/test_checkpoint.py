import pickle

import pytest
import torch
from safetensors.torch import save_file

from genzoo import CheckpointError
from genzoo.engine import load_state, save_state
from genzoo.engine.checkpoint import FORMAT_VERSION


def test_round_trip_of_nested_training_state(tmp_path):
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters())
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    gen = torch.Generator().manual_seed(7)
    state = {"epoch": 3, "modules": {"main": net.state_dict()}, "optimizers": {"main": opt.state_dict()},
             "rng": {"data": gen.get_state()}, "history": [{"epoch": 1, "loss": 0.5}], "note": None}
    save_state(tmp_path / "c.safetensors", state)
    back = load_state(tmp_path / "c.safetensors")
    assert back["epoch"] == 3 and back["history"] == [{"epoch": 1, "loss": 0.5}] and back["note"] is None
    net2 = torch.nn.Linear(3, 2)
    net2.load_state_dict(back["modules"]["main"])
    assert torch.equal(net2.weight, net.weight)
    opt2 = torch.optim.Adam(net2.parameters())
    opt2.load_state_dict(back["optimizers"]["main"])
    assert torch.equal(opt2.state[opt2.param_groups[0]["params"][0]]["exp_avg"],
                       opt.state[opt.param_groups[0]["params"][0]]["exp_avg"])
    gen2 = torch.Generator()
    gen2.set_state(back["rng"]["data"])
    assert torch.equal(torch.rand(3, generator=gen2), torch.rand(3, generator=gen))


def test_untrusted_files_are_refused_without_unpickling(tmp_path):
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match="evil.safetensors: not a valid safetensors file"):
        load_state(evil)
    save_state(tmp_path / "ok.safetensors", {"w": torch.ones(100)})
    data = (tmp_path / "ok.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[:-50])
    with pytest.raises(CheckpointError, match="cut.safetensors: not a valid safetensors file"):
        load_state(tmp_path / "cut.safetensors")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_state(tmp_path / "missing.safetensors")
    other = {"w": torch.ones(3)}  # valid safetensors, but not genzoo's: another format, or a damaged tree
    save_file(other, tmp_path / "other.safetensors", metadata={"genzoo_format": "0", "tree": "{}"})
    with pytest.raises(CheckpointError, match="other.safetensors: checkpoint format '0' is not genzoo's format"):
        load_state(tmp_path / "other.safetensors")
    save_file(other, tmp_path / "tree.safetensors", metadata={"genzoo_format": str(FORMAT_VERSION), "tree": "[no"})
    with pytest.raises(CheckpointError, match=r"tree.safetensors: checkpoint structure is damaged \("):
        load_state(tmp_path / "tree.safetensors")

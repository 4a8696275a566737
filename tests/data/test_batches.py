import pytest
import torch

from genzoo import ConfigError
from genzoo.data import Batches, corrupt, validation_split


def test_each_epoch_is_a_new_permutation_of_whole_batches():
    data = torch.arange(10, dtype=torch.uint8).view(10, 1) * 25
    gen = torch.Generator().manual_seed(0)
    batches = Batches(data, 4, generator=gen)
    assert len(batches) == 3
    epoch1 = torch.cat(list(batches)).flatten()
    epoch2 = torch.cat(list(batches)).flatten()
    assert [len(b) for b in batches] == [4, 4, 2]
    assert epoch1.dtype == torch.float32 and epoch1.max() <= 1
    assert sorted((epoch1 * 255).round().tolist()) == sorted(data.flatten().float().tolist())
    assert not torch.equal(epoch1, epoch2)


def test_drop_last_and_no_shuffle():
    data = torch.rand(10, 3)
    batches = Batches(data, 4, shuffle=False, drop_last=True)
    out = list(batches)
    assert len(out) == 2 and torch.equal(torch.cat(out), data[:8])


def test_dynamic_binarization_matches_intensity():
    data = torch.full((2000, 50), 77, dtype=torch.uint8)
    x = next(iter(Batches(data, 2000, binarize=True, generator=torch.Generator().manual_seed(1))))
    assert set(x.unique().tolist()) == {0.0, 1.0}
    assert abs(x.mean().item() - 77 / 255) < 0.01


def test_shards_are_disjoint_and_cover_the_epoch():
    data = torch.arange(12).view(12, 1).float()
    seen = []
    for rank in range(3):
        gen = torch.Generator().manual_seed(5)  # every rank draws the same permutation
        seen += torch.cat(list(Batches(data, 2, generator=gen, rank=rank, world_size=3))).flatten().tolist()
    assert sorted(seen) == list(range(12))


def test_validation_split_is_fixed_and_disjoint():
    tr, va = validation_split(100, 0.1, seed=3)
    tr2, va2 = validation_split(100, 0.1, seed=3)
    assert len(va) == 10 and torch.equal(va, va2) and torch.equal(tr, tr2)
    assert set(tr.tolist()).isdisjoint(va.tolist()) and len(tr) + len(va) == 100


def test_corruptions_have_the_asked_strength():
    gen = torch.Generator().manual_seed(0)
    x = torch.full((100, 1, 28, 28), 0.5)
    noisy = corrupt(x, "gaussian", 0.1, gen)
    assert abs((noisy - x).std().item() - 0.1) < 0.005
    masked = corrupt(torch.ones(100, 784), "masking", 0.3, gen)
    assert abs((masked == 0).float().mean().item() - 0.3) < 0.01
    sp = corrupt(x, "salt-pepper", 0.2, gen)
    assert abs((sp != 0.5).float().mean().item() - 0.2) < 0.01
    assert abs((sp == 1).float().mean().item() - 0.1) < 0.01
    with pytest.raises(ConfigError, match="unknown noise 'blur'"):
        corrupt(x, "blur", 0.1, gen)

"""Data-parallel training on PyTorch's own engine: ``torchrun`` + ``DistributedDataParallel``.

Under ``torchrun --nproc-per-node N`` (``WORLD_SIZE`` > 1 in the environment), :func:`init` joins the
process group once (NCCL on CUDA, gloo on the CPU). The engine then wraps each trained module in a
``DistributedDataParallel`` (:func:`replicate`) and every rank takes a disjoint shard of each epoch's
permutation. The engine runs each update's loss closure through its module's wrapper, so that the forward
pass runs inside DDP's ``forward`` (which is what lets DDP all-reduce the gradients during ``backward``).
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def world_size_from_env() -> int:
    """The number of processes torchrun started (1 outside torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def init() -> None:
    """Join the process group torchrun describes (``WORLD_SIZE``, ``RANK``, ``MASTER_ADDR``...), once;
    destroy it when the process exits."""
    if world_size_from_env() <= 1 or not dist.is_available() or dist.is_initialized():
        return
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    atexit.register(_destroy)


def leave() -> None:
    """At the end of training: wait for every rank, then destroy the process group."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        _destroy()


def _destroy() -> None:
    """Destroy the process group if it is still there (at exit: no barrier, since a rank leaving on an error must
    not wait for peers that will never come; torchrun then stops them)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def exit_worker() -> NoReturn:
    """End a rank other than 0 of a command-line run, once it has left the group: exit at once, without the
    interpreter's final clean-up, which could abort a rank whose peer still runs ("terminate called without an
    active exception", seen about once in 20 runs while rank 0 evaluated and drew after training)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def local_device(device: torch.device) -> torch.device:
    """On CUDA under torchrun, this process's GPU (``cuda:LOCAL_RANK``); otherwise ``device`` unchanged."""
    if device.type == "cuda" and world_size() > 1:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


class Closure(nn.Module):
    """Holds ``module`` (so DDP sees its parameters); ``forward(fn)`` runs ``fn()``, a model's loss closure."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, fn: Callable[[], Any]) -> Any:
        return fn()


def replicate(modules: dict[str, nn.Module]) -> dict[str, DistributedDataParallel]:
    """A DDP wrapper per module (parameters broadcast from rank 0 now, gradients averaged in each backward)."""
    replicas = {}
    for name, module in modules.items():
        device = next(module.parameters()).device
        ids = [device.index] if device.type == "cuda" else None
        replicas[name] = DistributedDataParallel(Closure(module), device_ids=ids)
    return replicas


def all_sum(values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Sum each tensor over the ranks (one collective for all of them); unchanged outside torchrun."""
    if world_size() == 1 or not values:
        return values
    keys = list(values)
    stacked = torch.stack([values[k].detach().float() for k in keys])
    dist.all_reduce(stacked)
    return dict(zip(keys, stacked))

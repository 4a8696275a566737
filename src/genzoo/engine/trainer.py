"""The one training loop every model runs through.

A model supplies an :class:`Objective`: its modules, its optimizers, and what one step on one batch
does (an autoencoder: loss, backward, step; a GAN: k discriminator updates, then one generator update).
The engine owns everything around it: epochs, shuffled in-memory batches, validation, the progress bar,
``metrics.jsonl``, an atomic checkpoint after every epoch, resuming, and seeding every random draw.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable
from typing import Protocol

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ..data.batches import Batches
from ..errors import CheckpointError, GenzooError, GenzooWarning
from . import distributed
from .checkpoint import load_state, save_state
from .runs import Run

Optimizers = dict[str, torch.optim.Optimizer]


class Objective(Protocol):
    def modules(self) -> dict[str, nn.Module]:
        """The modules trained (and checkpointed), by name."""
        ...

    def make_optimizers(self) -> Optimizers:
        """Fresh optimizers over those modules, e.g. ``{"main": Adam(...)}`` or ``{"d": ..., "g": ...}``."""
        ...

    def train_step(self, x: Tensor, optimizers: Optimizers, generator: torch.Generator) -> dict[str, Tensor]:
        """Update on one float batch ``(B, ...)`` (``(x, y)`` with labels); return its mean losses, detached, 0-d."""
        ...

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        """The same losses on a batch without updating (called under ``torch.no_grad``)."""
        ...


ON_NONFINITE = ("stop", "skip")
PRECISIONS = ("fp32", "bf16")


class NonFiniteStep(Exception):
    """Raised by :func:`backprop` before stepping when the loss or a gradient is NaN or infinite."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def backprop(loss: Tensor, optimizer: torch.optim.Optimizer) -> None:
    """One plain update: zero the gradients, backpropagate ``loss``, step — unless the loss or a gradient is not
    finite, in which case nothing is updated and :class:`NonFiniteStep` is raised (one host sync per call)."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
    norms = torch.stack([torch.linalg.vector_norm(g) for g in grads]) if grads else loss.new_zeros(1)
    finite = torch.isfinite(torch.cat([loss.detach().reshape(1), norms]))
    if not bool(finite.all()):
        optimizer.zero_grad(set_to_none=True)
        raise NonFiniteStep("loss" if not bool(finite[0]) else "gradient")
    optimizer.step()


def in_parameter_layout(optimizer: torch.optim.Optimizer) -> None:
    """Give loaded optimizer state (e.g. Adam's moments) the memory layout of its parameter.

    Checkpoints hold tensors in the default layout; a fused optimizer walks a channels-last parameter and its
    state element by element in memory order, so mismatched layouts would pair the wrong elements.
    """
    for p, state in optimizer.state.items():
        for key, value in state.items():
            if isinstance(value, Tensor) and value.shape == p.shape and value.stride() != p.stride():
                state[key] = torch.empty_like(p, dtype=value.dtype).copy_(value)


class TrainingStopped(GenzooError):
    """Training cannot go on (a non-finite loss); the last good checkpoint is kept."""


def train(
    objective: Objective,
    data: Tensor,
    *,
    epochs: int,
    batch_size: int,
    device: torch.device,
    seed: int,
    val_data: Tensor | None = None,
    labels: Tensor | None = None,
    val_labels: Tensor | None = None,
    run: Run | None = None,
    resume: bool = False,
    quiet: bool = True,
    binarize: bool = False,
    on_epoch: Callable[[dict], None] | None = None,
    on_nonfinite: str = "stop",
    precision: str = "fp32",
) -> list[dict]:
    """Train ``objective`` on ``data`` ``(N, ...)`` (uint8 or float) for ``epochs``; return one record per epoch.

    With ``run``, every epoch appends its record to ``metrics.jsonl`` and writes ``checkpoint/last.safetensors``
    (modules, optimizers, both RNG states, the epoch); ``resume`` continues from that checkpoint, so that
    a run killed after epoch e and resumed ends with the same weights as one never interrupted.

    A step whose loss or gradient is not finite updates nothing; ``on_nonfinite="stop"`` then ends training with
    :class:`TrainingStopped` (the last epoch's checkpoint is kept), ``"skip"`` drops the batch and counts it in the
    epoch's ``skipped_batches``. An objective may offer ``epoch_warnings(record) -> list[str]``: they are issued
    as :class:`GenzooWarning` and logged in the record.

    ``precision="bf16"`` runs the objective's forward passes (those it routes through :func:`distributed.through`)
    under ``torch.autocast`` in bfloat16; weights, optimizer state and checkpoints stay float32.

    Under torchrun every rank trains on a disjoint shard of each epoch's permutation, the modules of
    ``objective.sync_modules()`` (default: ``modules()``) are wrapped in DistributedDataParallel (the objective
    runs its forward passes through :func:`distributed.through`), logged losses are averaged over all ranks,
    and rank 0 alone writes the run folder; every rank resumes from its checkpoint, whatever the number of ranks.
    """
    rank, world = distributed.rank(), distributed.world_size()
    writer = run is not None and rank == 0
    quiet = quiet or rank > 0
    data_gen = torch.Generator().manual_seed(seed)  # permutations (and binarization on CPU): the same on every rank
    draw_gen = torch.Generator(device=device).manual_seed(seed + 1 + 1000 * rank)  # noise drawn inside steps
    modules = objective.modules()
    optimizers = objective.make_optimizers()
    batches = Batches(data, batch_size, shuffle=True, generator=data_gen, device=device, binarize=binarize,
                      labels=labels, rank=rank, world_size=world)
    val_batches = None
    if val_data is not None:
        val_batches = Batches(val_data, 1024, shuffle=False, device=device, binarize=binarize, labels=val_labels,
                              generator=torch.Generator().manual_seed(seed + 2))
    history: list[dict] = []
    start = 0

    if run is not None and run.resuming(resume):
        state = load_state(run.checkpoint_path)  # on the CPU; load_state_dict moves it to the modules' device
        try:
            for name, module in modules.items():
                module.load_state_dict(state["modules"][name])
            for name, opt in optimizers.items():
                opt.load_state_dict(state["optimizers"][name])
                in_parameter_layout(opt)
            data_gen.set_state(state["rng"]["data"])
            draw_gen.set_state(state["rng"]["draw"])
            start, history = int(state["epoch"]), list(state["history"])
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            raise CheckpointError(f"{run.checkpoint_path}: does not fit this model ({e})") from None
        if rank > 0:  # the checkpoint holds rank 0's noise stream; the others start fresh, distinct ones
            draw_gen.manual_seed(seed + 1 + 1000 * rank + start)
        if writer:
            run.truncate_metrics(start)
        if not quiet:
            print(f"resuming {run.path} after epoch {start}/{epochs}", file=sys.stderr)

    if world > 1:
        sync = objective.sync_modules() if hasattr(objective, "sync_modules") else modules
        objective.replicas_ = distributed.replicate(sync)
    if precision == "bf16":
        objective.autocast_ = (device.type, torch.bfloat16)
    try:
        return _epochs(objective, batches, val_batches, optimizers, modules, data_gen, draw_gen, history, start,
                       epochs, seed, run if writer else None, quiet, on_nonfinite, on_epoch)
    finally:
        for attribute in ("replicas_", "autocast_"):
            if hasattr(objective, attribute):
                delattr(objective, attribute)


def _epochs(objective, batches, val_batches, optimizers, modules, data_gen, draw_gen, history, start, epochs, seed,
            run, quiet, on_nonfinite, on_epoch) -> list[dict]:
    """The epoch loop of :func:`train` (``run`` is None on ranks other than 0)."""
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        for m in modules.values():
            m.train()
        sums: dict[str, Tensor] = {}
        seen = skipped = 0
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{epochs}", disable=quiet or None, leave=False, unit="batch")
        for step, batch in enumerate(bar):
            try:
                losses = objective.train_step(batch, optimizers, draw_gen)
            except NonFiniteStep as e:
                if on_nonfinite == "stop":
                    kept = f"; the checkpoint of epoch {epoch} is kept" if run is not None and epoch > 0 else ""
                    raise TrainingStopped(
                        f"non-finite {e.what} at epoch {epoch + 1}, step {step + 1}: training diverged (try a lower "
                        f"learning rate, or on_nonfinite='skip' / --on-nonfinite skip to drop such batches){kept}"
                    ) from None
                skipped += 1
                continue
            n = batch_length(batch)
            for k, v in losses.items():
                sums[k] = sums[k] + v * n if k in sums else v * n
            seen += n
            if step % 25 == 0 and not bar.disable:
                bar.set_postfix({k: f"{v.item() / seen:.4g}" for k, v in sums.items()})
        totals = distributed.all_sum({**sums, "_seen": torch.tensor(float(seen), device=batches.data.device)})
        seen = totals.pop("_seen").item()
        if seen == 0:
            raise TrainingStopped(f"every batch of epoch {epoch + 1} had a non-finite loss or gradient: training "
                                  "diverged (try a lower learning rate)")
        record = {"epoch": epoch + 1, **{f"train_{k}": v.item() / seen for k, v in totals.items()}}
        if on_nonfinite == "skip":
            record["skipped_batches"] = skipped
        bad = [k for k, v in record.items() if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            kept = f"; the checkpoint of epoch {epoch} is kept" if run is not None and epoch > 0 else ""
            raise TrainingStopped(
                f"non-finite {', '.join(bad)} in epoch {epoch + 1}: training diverged (try a lower learning rate){kept}"
            )
        if val_batches is not None:
            val_batches.generator.manual_seed(seed + 2)  # the same draws every epoch, and after a resume
            record.update(evaluate(objective, val_batches, draw_gen, prefix="val_"))
        record["seconds"] = round(time.perf_counter() - t0, 4)
        notes = objective.epoch_warnings(record) if hasattr(objective, "epoch_warnings") else []
        for note in notes:
            warnings.warn(f"epoch {epoch + 1}: {note}", GenzooWarning, stacklevel=2)
        if notes:
            record["warnings"] = notes
        history.append(record)
        if run is not None:
            run.log(record)
            save_state(run.checkpoint_path, {
                "epoch": epoch + 1,
                "modules": {k: m.state_dict() for k, m in modules.items()},
                "optimizers": {k: o.state_dict() for k, o in optimizers.items()},
                "rng": {"data": data_gen.get_state(), "draw": draw_gen.get_state()},
                "history": history,
            })
        if on_epoch is not None:
            on_epoch(record)
        if not quiet and (epoch + 1 == epochs or (epoch + 1) % max(1, epochs // 20) == 0):
            shown = ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k != "epoch" and isinstance(v, (int, float)))
            print(f"epoch {epoch + 1}/{epochs}: {shown}", file=sys.stderr)
    for m in modules.values():
        m.eval()
    return history


def batch_length(batch: Tensor | tuple[Tensor, ...]) -> int:
    return len(batch[0]) if isinstance(batch, tuple) else len(batch)


@torch.no_grad()
def evaluate(objective: Objective, batches: Batches, generator: torch.Generator, prefix: str = "") -> dict[str, float]:
    """Mean of each of ``objective.eval_step``'s losses over ``batches``."""
    modules = objective.modules().values()
    for m in modules:
        m.eval()
    sums: dict[str, Tensor] = {}
    seen = 0
    for batch in batches:
        n = batch_length(batch)
        for k, v in objective.eval_step(batch, generator).items():
            sums[k] = sums[k] + v * n if k in sums else v * n
        seen += n
    for m in modules:
        m.train()
    return {f"{prefix}{k}": v.item() / seen for k, v in sums.items()}

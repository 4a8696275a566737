"""The one training loop every model runs through.

A model is an :class:`~genzoo.engine.step.Objective`: its modules, its optimizers, and the updates of one step
(what to minimise, with which optimizer). The engine owns everything else: the updates themselves
(:class:`~genzoo.engine.step.Stepper`), epochs of shuffled in-memory batches, validation, the progress bar,
``metrics.jsonl``, an atomic checkpoint after every epoch, resuming, and seeding every random draw.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import dataclass, field

import torch
from torch import Tensor
from tqdm.auto import tqdm

from ..data.batches import Batches
from ..errors import CheckpointError, GenzooError, GenzooWarning
from . import distributed
from .checkpoint import load_state, save_state
from .runs import Run
from .schedules import Schedule
from .step import Batch, Hooks, NonFiniteStep, Objective, Progress, Stepper

ON_NONFINITE = ("stop", "skip")
PRECISIONS = ("fp32", "bf16")
Data = Tensor | tuple[Tensor, Tensor]  # images (N, ...), or (images, labels (N,))


class TrainingStopped(GenzooError):
    """Training cannot go on (a non-finite loss); the last good checkpoint is kept."""


@dataclass(frozen=True)
class Policy:
    """How to train: what ``fit`` passes from the estimator's parameters and its own arguments.

    ``on_nonfinite``: a step whose loss or gradient is not finite changes nothing; ``stop`` then ends training with
    :class:`TrainingStopped` (the last epoch's checkpoint is kept), ``skip`` drops the batch and counts it in the
    epoch's ``skipped_batches``. ``precision="bf16"``: forward passes under ``torch.autocast`` in bfloat16
    (weights, optimizer state and checkpoints stay float32). ``binarize``: dynamic binarization of every batch.
    ``lr_schedule``: a factor of each optimizer's learning rate by the (fractional) epochs completed
    (``engine.schedules``), set before every step.
    """

    epochs: int
    batch_size: int
    seed: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    binarize: bool = False
    on_nonfinite: str = "stop"
    precision: str = "fp32"
    quiet: bool = True
    lr_schedule: Schedule | None = None


def training_device(device: torch.device) -> torch.device:
    """The device this process trains on; under torchrun, join the process group first (a no-op otherwise)."""
    distributed.init()
    return distributed.local_device(device)


def in_parameter_layout(optimizer: torch.optim.Optimizer) -> None:
    """Give loaded optimizer state (e.g. Adam's moments) the memory layout of its parameter.

    Checkpoints hold tensors in the default layout; a fused optimizer walks a channels-last parameter and its
    state element by element in memory order, so mismatched layouts would pair the wrong elements.
    """
    for p, state in optimizer.state.items():
        for key, value in state.items():
            if isinstance(value, Tensor) and value.shape == p.shape and value.stride() != p.stride():
                state[key] = torch.empty_like(p, dtype=value.dtype).copy_(value)


def train(objective: Objective, data: Data, policy: Policy, *, val: Data | None = None, run: Run | None = None,
          resume: bool = False, hooks: Hooks | None = None) -> list[dict]:
    """Train ``objective`` on ``data`` (uint8 or float ``(N, ...)``, with labels a pair) under ``policy``; return
    one record per epoch (``val``: the data of the validation losses logged each epoch).

    With ``run``, every epoch appends its record to ``metrics.jsonl`` and writes ``checkpoint/last.safetensors``
    (modules, optimizers, both RNG states, the epoch and step counts); ``resume`` continues from that checkpoint,
    so that a run killed after epoch e and resumed ends with the same weights as one never interrupted.
    An objective may offer ``epoch_warnings(record) -> list[str]``: they are issued as :class:`GenzooWarning`
    and logged in the record.

    Under torchrun every rank trains on a disjoint shard of each epoch's permutation, each module is wrapped in
    DistributedDataParallel, logged losses are averaged over all ranks, and rank 0 alone writes the run folder;
    every rank resumes from its checkpoint, whatever the number of ranks.
    """
    loop = Loop.start(objective, data, policy, val, run, hooks or Hooks())
    if run is not None and run.resuming(resume):
        loop.resume(run)
    return loop.epochs()


def _split(data: Data) -> tuple[Tensor, Tensor | None]:
    return data if isinstance(data, tuple) else (data, None)


@dataclass
class Loop:
    """The state of one training run: what the epoch loop reads and what the checkpoint saves."""

    objective: Objective
    policy: Policy
    stepper: Stepper
    batches: Batches
    val_batches: Batches | None
    data_gen: torch.Generator  # permutations (and binarization on the CPU): the same on every rank
    draw_gen: torch.Generator  # the noise drawn inside steps: its own stream on each rank
    writer: Run | None  # the run folder, on rank 0 only
    hooks: Hooks
    base_lrs: dict[str, list[float]]  # each optimizer's learning rates as made, before any schedule
    epoch: int = 0  # epochs completed
    steps: int = 0  # training steps completed (skipped ones not counted)
    history: list[dict] = field(default_factory=list)

    @classmethod
    def start(cls, objective: Objective, data: Data, policy: Policy, val: Data | None, run: Run | None,
              hooks: Hooks) -> Loop:
        rank, world = distributed.rank(), distributed.world_size()
        device, seed = policy.device, policy.seed
        data_gen = torch.Generator().manual_seed(seed)
        draw_gen = torch.Generator(device=device).manual_seed(seed + 1 + 1000 * rank)
        x, y = _split(data)
        batches = Batches(x, policy.batch_size, shuffle=True, generator=data_gen, device=device,
                          binarize=policy.binarize, labels=y, rank=rank, world_size=world)
        val_batches = None
        if val is not None:
            vx, vy = _split(val)
            val_batches = Batches(vx, 1024, shuffle=False, device=device, binarize=policy.binarize, labels=vy,
                                  generator=torch.Generator().manual_seed(seed + 2))
        modules = objective.modules()
        stepper = Stepper(objective, objective.make_optimizers(),
                          replicas=distributed.replicate(modules) if world > 1 else None,
                          autocast=(device.type, torch.bfloat16) if policy.precision == "bf16" else None,
                          rollback=policy.on_nonfinite == "skip", hooks=hooks)
        base_lrs = {k: [g["lr"] for g in o.param_groups] for k, o in stepper.optimizers.items()}
        return cls(objective, policy, stepper, batches, val_batches, data_gen, draw_gen,
                   run if run is not None and run.write else None, hooks, base_lrs)

    @property
    def quiet(self) -> bool:
        return self.policy.quiet or distributed.rank() > 0

    # -- checkpoints -----------------------------------------------------------------------------
    def state(self) -> dict:
        return {"epoch": self.epoch, "steps": self.steps,
                "modules": {k: m.state_dict() for k, m in self.stepper.modules.items()},
                "optimizers": {k: o.state_dict() for k, o in self.stepper.optimizers.items()},
                "rng": {"data": self.data_gen.get_state(), "draw": self.draw_gen.get_state()},
                "history": self.history}

    def resume(self, run: Run) -> None:
        """Continue from ``run``'s checkpoint (on the CPU; ``load_state_dict`` moves it to the modules' device)."""
        state = load_state(run.checkpoint_path)
        try:
            for name, module in self.stepper.modules.items():
                module.load_state_dict(state["modules"][name])
            for name, opt in self.stepper.optimizers.items():
                opt.load_state_dict(state["optimizers"][name])
                in_parameter_layout(opt)
            self.data_gen.set_state(state["rng"]["data"])
            self.draw_gen.set_state(state["rng"]["draw"])
            self.epoch, self.steps, self.history = int(state["epoch"]), int(state["steps"]), list(state["history"])
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            raise CheckpointError(f"{run.checkpoint_path}: does not fit this model ({e})") from None
        rank = distributed.rank()
        if rank > 0:  # the checkpoint holds rank 0's noise stream; the others start fresh, distinct ones
            self.draw_gen.manual_seed(self.policy.seed + 1 + 1000 * rank + self.epoch)
        if self.writer is not None:
            self.writer.truncate_metrics(self.epoch)
        if not self.quiet:
            print(f"resuming {run.path} after epoch {self.epoch}/{self.policy.epochs}", file=sys.stderr)

    # -- the loop --------------------------------------------------------------------------------
    def epochs(self) -> list[dict]:
        modules = self.stepper.modules.values()
        while self.epoch < self.policy.epochs:
            for m in modules:
                m.train()
            self.hooks.begin("epoch")
            t0 = time.perf_counter()
            record = {"epoch": self.epoch + 1, **self.train_epoch()}
            if self.val_batches is not None:
                self.val_batches.generator.manual_seed(self.policy.seed + 2)  # the same draws every epoch and resume
                record.update(evaluate(self.objective, self.val_batches, self.draw_gen, prefix="val_"))
            record["seconds"] = round(time.perf_counter() - t0, 4)
            self.hooks.end("epoch")
            notes = self.objective.epoch_warnings(record) if hasattr(self.objective, "epoch_warnings") else []
            for note in notes:
                warnings.warn(f"epoch {self.epoch + 1}: {note}", GenzooWarning, stacklevel=3)
            if notes:
                record["warnings"] = notes
            self.history.append(record)
            self.epoch += 1
            if self.writer is not None:
                self.writer.log(record)
                save_state(self.writer.checkpoint_path, self.state())
            if not self.quiet and (self.epoch == self.policy.epochs or self.epoch % max(1, self.policy.epochs // 20) == 0):
                shown = ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k != "epoch" and isinstance(v, (int, float)))
                print(f"epoch {self.epoch}/{self.policy.epochs}: {shown}", file=sys.stderr)
            if self.hooks.stop():
                break
        for m in modules:
            m.eval()
        return self.history

    def train_epoch(self) -> dict[str, float]:
        """One pass over the batches; the mean of each logged loss over the images of the steps that logged it."""
        epoch, total = self.epoch + 1, self.policy.epochs
        sums: dict[str, Tensor] = {}
        counts: dict[str, int] = {}
        skipped = 0
        bar = tqdm(total=len(self.batches), desc=f"epoch {epoch}/{total}", disable=self.quiet or None, leave=False,
                   unit="batch")
        batches = iter(self.batches)
        for i in range(len(self.batches)):
            self.hooks.begin("data")
            batch = next(batches)
            self.hooks.end("data")
            progress = Progress(self.steps, self.epoch + i / len(self.batches))
            if self.policy.lr_schedule is not None:
                self._schedule(progress.epoch)
            self.hooks.begin("step")
            try:
                logs = self.stepper.step(batch, self.draw_gen, progress)
            except NonFiniteStep as e:
                if self.policy.on_nonfinite == "stop":
                    raise TrainingStopped(
                        f"non-finite {e.what} at epoch {epoch}, step {i + 1}: training diverged (try a lower learning "
                        f"rate, or on_nonfinite='skip' / --on-nonfinite skip to drop such batches){self._kept()}"
                    ) from None
                skipped += 1
                continue
            finally:
                self.hooks.end("step")
                bar.update()
            self.steps += 1
            n = batch_length(batch)
            for k, v in logs.items():
                sums[k] = sums[k] + v * n if k in sums else v * n
                counts[k] = counts.get(k, 0) + n
            if i % 25 == 0 and not bar.disable:
                bar.set_postfix({k: f"{v.item() / counts[k]:.4g}" for k, v in sums.items()})
        bar.close()
        if not sums:
            raise TrainingStopped(f"every batch of epoch {epoch} had a non-finite loss or gradient: training "
                                  "diverged (try a lower learning rate)")
        device = self.batches.data.device
        totals = distributed.all_sum({**sums, **{f"_n_{k}": torch.tensor(float(n), device=device)
                                                 for k, n in counts.items()}})
        record = {f"train_{k}": totals[k].item() / totals[f"_n_{k}"].item() for k in sums}
        if self.policy.on_nonfinite == "skip":
            record["skipped_batches"] = skipped
        bad = [k for k, v in record.items() if not math.isfinite(v)]
        if bad:
            raise TrainingStopped(f"non-finite {', '.join(bad)} in epoch {epoch}: training diverged (try a lower "
                                  f"learning rate){self._kept()}")
        return record

    def _schedule(self, epoch: float) -> None:
        """Every optimizer's learning rate at ``epoch``: its base rate times the schedule's factor."""
        factor = self.policy.lr_schedule(epoch)
        for name, optimizer in self.stepper.optimizers.items():
            for group, base in zip(optimizer.param_groups, self.base_lrs[name]):
                group["lr"] = base * factor

    def _kept(self) -> str:
        return f"; the checkpoint of epoch {self.epoch} is kept" if self.writer is not None and self.epoch > 0 else ""


def batch_length(batch: Batch) -> int:
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


"""One training step, applied by the engine: the model says what to minimise, the engine does the rest.

A model's ``train_step(batch, generator, progress)`` returns a list of :class:`Update` — an optimizer's name and a
closure that computes the losses — and never touches an optimizer itself. :class:`Stepper` applies the updates in
order, each in one place: the closure runs under autocast (bf16) and inside the DDP wrapper of the module being
stepped, with every other trained module frozen; then backward, one finite check (one host sync per update), the
optimizer step and the detached logs. Each closure runs when its turn comes, so a GAN's generator update sees the
discriminator its own step has just updated (Algorithm 1).

A step whose loss or gradient is not finite raises :class:`NonFiniteStep` and changes nothing: with
``rollback=True`` (the engine's ``on_nonfinite="skip"``) every buffer (BatchNorm statistics) is put back, and so
are the parameters and optimizer state of the updates the step had already applied.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import Tensor, nn

Batch = Tensor | tuple[Tensor, Tensor]  # images (B, ...) float, or (images, labels (B,) int64)
Optimizers = dict[str, torch.optim.Optimizer]


@dataclass(frozen=True)
class Update:
    """One optimizer step: ``losses()`` gives 0-d tensors by name; the engine minimises ``losses()[minimise]``
    with optimizer ``optimizer`` (which steps the module of the same name) and logs them all; ``after``, if given,
    then changes the module just stepped (a constraint on its weights, such as WGAN's clipping)."""

    optimizer: str
    losses: Callable[[], dict[str, Tensor]]
    minimise: str = "loss"
    after: Callable[[], None] | None = None  # run under no_grad right after the optimizer's step


@dataclass(frozen=True)
class Progress:
    """Where training stands as a step begins: ``step`` training steps completed (skipped ones not counted) and
    ``epoch`` epochs completed, fractional (batch i of n in epoch e: e + i/n). Both follow a resumed run exactly."""

    step: int = 0
    epoch: float = 0.0


class Objective(Protocol):
    """What the engine trains. ``modules()`` and ``make_optimizers()`` share their names: each optimizer steps the
    module of its name (a GAN: ``discriminator`` and ``generator``; most models: ``main``)."""

    def modules(self) -> dict[str, nn.Module]:
        """The modules trained and checkpointed, by the name of the optimizer that steps each."""
        ...

    def make_optimizers(self) -> Optimizers:
        """Fresh optimizers over those modules, under the same names."""
        ...

    def train_step(self, batch: Batch, generator: torch.Generator, progress: Progress) -> Sequence[Update]:
        """The updates of one step on a float batch, in order; ``generator`` is for every random draw, ``progress``
        for schedules (a GAN's ``d_steps``, a KL warm-up)."""
        ...

    def eval_step(self, batch: Batch, generator: torch.Generator) -> dict[str, Tensor]:
        """The same losses on a batch without updating (called under ``torch.no_grad``)."""
        ...


class NonFiniteStep(Exception):
    """A step's loss or a gradient is NaN or infinite; nothing was updated."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Hooks:
    """Callbacks around the engine's phases, for instrumentation (the bench's clock, a benchmark's learning curve):
    ``epoch`` (training and validation, before the checkpoint), ``data`` (fetching a batch), ``step`` (a whole
    training step), ``backward`` and ``optimizer`` (each update's). ``stop`` may end training early (a budget kept by
    the clock). Does nothing."""

    def begin(self, phase: str) -> None:
        """``phase`` starts."""

    def end(self, phase: str) -> None:
        """``phase`` has ended."""

    def stop(self) -> bool:
        """Whether training ends after the epoch that just ended (asked once its record and checkpoint are written):
        the model keeps that epoch's weights, ``history_`` has one record per epoch trained, and resuming the run
        goes on towards ``epochs``."""
        return False


class _Snapshot:
    """What a step may change, kept so that a skipped step can put it back: the buffers of every module at the
    start, and each optimizer's parameters and state just before it steps."""

    def __init__(self, modules: Iterable[nn.Module]) -> None:
        self.tensors = [(b, b.detach().clone()) for m in modules for b in m.buffers()]
        self.states: list[tuple[torch.optim.Optimizer, dict[Any, dict[str, Any]]]] = []

    def keep(self, optimizer: torch.optim.Optimizer) -> None:
        self.tensors += [(p, p.detach().clone()) for group in optimizer.param_groups for p in group["params"]]
        state = {p: {k: v.clone() if isinstance(v, Tensor) else v for k, v in s.items()}
                 for p, s in optimizer.state.items()}
        self.states.append((optimizer, state))

    @torch.no_grad()
    def restore(self) -> None:
        for tensor, saved in self.tensors:
            tensor.copy_(saved)
        for optimizer, state in self.states:
            optimizer.state.clear()
            optimizer.state.update(state)


class Stepper:
    """Applies a model's updates (see the module docstring).

    Args:
        objective: the model. optimizers: ``objective.make_optimizers()`` (or others under the same names).
        replicas: DDP wrappers by module name (under torchrun), from :func:`distributed.replicate`.
        autocast: ``(device_type, dtype)`` for mixed precision, or None.
        rollback: put back what a non-finite step changed (costs a copy of what the step's earlier updates
            step, so the engine asks for it only when such steps are skipped rather than stopping training).
        hooks: phase callbacks.
    """

    def __init__(self, objective: Objective, optimizers: Optimizers, *, replicas: dict[str, nn.Module] | None = None,
                 autocast: tuple[str, torch.dtype] | None = None, rollback: bool = False,
                 hooks: Hooks | None = None) -> None:
        self.objective, self.optimizers = objective, optimizers
        self.modules = objective.modules()
        if set(self.modules) != set(optimizers):
            raise ValueError(f"optimizers {sorted(optimizers)} do not match the modules {sorted(self.modules)}")
        self.params = {name: [p for p in m.parameters() if p.requires_grad] for name, m in self.modules.items()}
        self.others = {name: [p for other, params in self.params.items() if other != name for p in params]
                       for name in self.params}
        self.replicas = replicas or {}
        self.autocast, self.rollback, self.hooks = autocast, rollback, hooks or Hooks()

    def step(self, batch: Batch, generator: torch.Generator, progress: Progress = Progress()) -> dict[str, Tensor]:
        """Apply the updates of one step on ``batch``; return every update's detached losses."""
        updates = list(self.objective.train_step(batch, generator, progress))
        snapshot = _Snapshot(self.modules.values()) if self.rollback else None
        logs: dict[str, Tensor] = {}
        try:
            for i, update in enumerate(updates):
                last = i == len(updates) - 1
                logs.update(self._apply(update, None if last else snapshot))
        except NonFiniteStep:
            if snapshot is not None:
                snapshot.restore()
            raise
        return logs

    def _apply(self, update: Update, snapshot: _Snapshot | None) -> dict[str, Tensor]:
        optimizer = self.optimizers[update.optimizer]
        with self._frozen_except(update.optimizer):
            with self._precision():
                replica = self.replicas.get(update.optimizer)
                losses = replica(update.losses) if replica is not None else update.losses()
            loss = losses[update.minimise]
            optimizer.zero_grad(set_to_none=True)
            self.hooks.begin("backward")
            loss.backward()
            self.hooks.end("backward")
        grads = [p.grad for p in self.params[update.optimizer] if p.grad is not None]
        norms = torch.stack([torch.linalg.vector_norm(g) for g in grads]) if grads else loss.new_zeros(1)
        finite = torch.isfinite(torch.cat([loss.detach().reshape(1).float(), norms.float()]))
        if not bool(finite.all()):  # the one host sync of the update
            optimizer.zero_grad(set_to_none=True)
            raise NonFiniteStep("loss" if not bool(finite[0]) else "gradient")
        if snapshot is not None:
            snapshot.keep(optimizer)
        self.hooks.begin("optimizer")
        optimizer.step()
        if update.after is not None:
            with torch.no_grad():
                update.after()
        self.hooks.end("optimizer")
        return {k: v.detach() for k, v in losses.items()}

    def _precision(self) -> contextlib.AbstractContextManager:
        """bf16 autocast for the forward pass when asked for; nothing otherwise."""
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(self.autocast[0], dtype=self.autocast[1])

    @contextlib.contextmanager
    def _frozen_except(self, name: str) -> Iterator[None]:
        """Every trained module but ``name`` frozen (no gradients for its weights; gradients still flow through it)."""
        others = self.others[name]
        for p in others:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in others:
                p.requires_grad_(True)

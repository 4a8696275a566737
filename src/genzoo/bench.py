"""``genzoo bench``: how fast each model's default configuration trains and infers, against the machine's ceiling.

For each model, in a fresh process (so that peak memory is its own): one epoch on Fashion-MNIST training
images through the real ``fit`` path (data, steps, logging, checkpoint), with the time inside the training
steps separated from the rest; FLOPs of one training step and of one forward pass per image counted with
``torch.utils.flop_counter.FlopCounterMode``; achieved GFLOP/s and its share of the fp32 matmul ceiling
measured in the same process; peak resident memory; encode / decode / sample throughput under
``torch.inference_mode``. The full suite adds how epoch time grows with the training-set size and the batch
size. Timings are measured, never asserted.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map
from torch.utils.flop_counter import FlopCounterMode

from ._io import atomic_write_json, atomic_write_text
from .data import load_dataset
from .data.batches import to_float
from .engine.runs import read_config, read_metrics
from .engine.step import Hooks, Optimizers, Stepper
from .errors import ConfigError
from .models import GAN, VAE, Autoencoder, NeuralEstimator
from .provenance import footer_or_missing, provenance

MODELS: dict[str, Callable[[], NeuralEstimator]] = {
    "vae-mlp 784-400-20, batch 128": lambda: VAE(hidden=(400,), latent_dim=20, batch_size=128),
    "vae-conv keras-io, latent 2, batch 128": lambda: VAE(arch="conv", latent_dim=2, batch_size=128),
    "ae-mlp 784-32-784 (default), batch 128": lambda: Autoencoder(),
    "gan-conv infoGAN-like, batch 64": lambda: GAN(arch="conv", noise_dim=62, batch_size=64),
}
PHASES = ("data_share", "forward_share", "backward_share", "optimizer_share", "other_share")
SUITES = {"quick": 10000, "full": 60000}  # training images per measured epoch


def matmul_ceiling(n: int = 2048, repeats: int = 8) -> float:
    """The best fp32 ``torch.matmul`` rate of this process, in GFLOP/s (2·n³ FLOPs per product)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def step_flops(est: NeuralEstimator, x: torch.Tensor) -> tuple[float, float]:
    """FLOPs per image of one training step (forward, backward, optimizer) and of one forward pass (eval_step)."""
    stepper = Stepper(est, est.make_optimizers())
    gen = torch.Generator().manual_seed(0)
    with FlopCounterMode(display=False) as counter:
        stepper.step(x, gen)
    train = counter.get_total_flops() / len(x)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        est.eval_step(x, gen)
    return train, counter.get_total_flops() / len(x)


class PhaseClock(Hooks):
    """Where one ``fit`` spends its time, from the engine's hooks (``fit(..., hooks=clock)``): fetching batches,
    whole training steps, their backward passes and their optimizer steps. The forward share is a step's time less
    its backward passes and optimizer steps (it holds the loss, the noise draws, zeroing the gradients and the
    finite-gradient check).
    """

    def __init__(self) -> None:
        self.seconds = {"epoch": 0.0, "data": 0.0, "step": 0.0, "backward": 0.0, "optimizer": 0.0}
        self._began: dict[str, float] = {}

    def begin(self, phase: str) -> None:
        self._began[phase] = time.perf_counter()

    def end(self, phase: str) -> None:
        self.seconds[phase] += time.perf_counter() - self._began[phase]

    def shares(self, total: float) -> dict[str, float]:
        """Each phase's share of ``total`` seconds; ``other`` is set-up, validation, logging and checkpoints."""
        s = self.seconds
        forward = s["step"] - s["backward"] - s["optimizer"]
        other = total - s["step"] - s["data"]
        return {"data_share": s["data"] / total, "forward_share": forward / total,
                "backward_share": s["backward"] / total, "optimizer_share": s["optimizer"] / total,
                "other_share": other / total, "outside_steps_share": (s["data"] + other) / total}


HEAVY = {torch.ops.aten.mm.default, torch.ops.aten.addmm.default, torch.ops.aten.bmm.default,
         torch.ops.aten.convolution.default, torch.ops.aten.convolution_backward.default}


class _HeavyRecorder(TorchDispatchMode):
    """Records every matmul and convolution (forward and backward) a training step runs, with copies of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, tuple, dict]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in HEAVY:
            copy = tree_map(lambda a: a.detach().clone() if isinstance(a, torch.Tensor) else a, (args, kwargs))
            self.calls.append((func, *copy))
        return func(*args, **kwargs)


def heavy_calls(est: NeuralEstimator, x: torch.Tensor) -> list[tuple[Any, tuple, dict]]:
    """The matmuls and convolutions of one training step on batch ``x``: ``(aten op, args, kwargs)`` each."""
    stepper = Stepper(est, est.make_optimizers())
    gen = torch.Generator().manual_seed(0)
    with _HeavyRecorder() as recorder:
        stepper.step(x, gen)
    return recorder.calls


def kernel_rate(est: NeuralEstimator, x: torch.Tensor, repeats: int = 5) -> float:
    """GFLOP/s of one training step's own matmuls and convolutions, replayed alone at the step's shapes and
    memory layouts (no elementwise work, no Python between them): the ceiling for this model's step."""
    calls = heavy_calls(est, x)
    with FlopCounterMode(display=False) as counter:
        for func, args, kwargs in calls:
            func(*args, **kwargs)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for func, args, kwargs in calls:
            func(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return counter.get_total_flops() / best / 1e9


def _measure(name: str, n_train: int, batch_size: int | None, ceiling: float) -> dict[str, Any]:
    torch.manual_seed(0)
    x, _ = load_dataset("fashion-mnist", "train")
    x = x[:n_train]
    est = MODELS[name]()
    est.set_params(epochs=1, validation_fraction=0.0, device="cpu")
    if batch_size is not None:
        est.set_params(batch_size=batch_size)
    clock = PhaseClock()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        est.fit(x, run_dir=Path(tmp) / "run", hooks=clock)
        total = time.perf_counter() - t0
    sample = to_float(torch.from_numpy(x[: est.batch_size]))
    train_flops, forward_flops = step_flops(est, sample)
    per_s = n_train / total
    row = {"model": name, "images": n_train, "batch_size": est.batch_size, "epoch_s": total,
           "images_per_s": per_s, "train_mflop_per_image": train_flops / 1e6,
           "forward_mflop_per_image": forward_flops / 1e6, "gflop_per_s": train_flops * per_s / 1e9,
           "share_of_ceiling": train_flops * per_s / 1e9 / ceiling, **clock.shares(total),
           "kernels_gflop_per_s": kernel_rate(est, sample),
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    row.update(_inference(est, x))
    return row


def _inference(est: NeuralEstimator, x: np.ndarray) -> dict[str, float]:
    """Images per second of encode / decode / sample (each on up to 10,000 images, best of 2)."""
    n = min(len(x), 10000)
    jobs: dict[str, Callable[[], Any]] = {}
    if hasattr(est, "transform"):
        codes = est.transform(x[:n])
        jobs["encode_per_s"] = lambda: est.transform(x[:n])
        jobs["decode_per_s"] = lambda: est.inverse_transform(codes)
    if hasattr(est, "sample"):
        jobs["sample_per_s"] = lambda: est.sample(n)
    rates = {}
    for key, job in jobs.items():
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            job()
            best = min(best, time.perf_counter() - t0)
        rates[key] = n / best
    return rates


def _worker(args: tuple[str, int, int | None], queue: multiprocessing.Queue) -> None:
    name, n_train, batch_size = args
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # the first optimizer imports torch._dynamo (~2 s, once)
    ceiling = matmul_ceiling()
    row = _measure(name, n_train, batch_size, ceiling)
    queue.put({**row, "matmul_ceiling_gflop_per_s": ceiling})


def measure(name: str, n_train: int, batch_size: int | None = None) -> dict[str, Any]:
    """One model's row, measured in a fresh process (its own peak memory and a fresh ceiling measurement)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=((name, n_train, batch_size), queue))
    proc.start()
    row = queue.get()
    proc.join()
    return row


def _foreach_adam(est: NeuralEstimator) -> Optimizers:
    """PyTorch's default Adam (foreach kernels) instead of genzoo's fused one."""
    return {"main": torch.optim.Adam(est.module_.parameters(), lr=est.lr)}


def _contiguous(est: NeuralEstimator) -> None:
    """The default (contiguous) memory layout instead of genzoo's channels-last one for conv nets."""
    for module in est.modules().values():
        module.to(memory_format=torch.contiguous_format)


def _compiled(est: NeuralEstimator) -> None:
    """``torch.compile`` on the encoder and the decoder (the default inductor backend)."""
    est.module_.encoder = torch.compile(est.module_.encoder)
    est.module_.decoder = torch.compile(est.module_.decoder)


# (model, variant, set-up, optimizers): each variant against genzoo's choice for that model
VARIANTS: list[tuple[str, str, Callable[[NeuralEstimator], None] | None,
                     Callable[[NeuralEstimator], Optimizers] | None]] = [
    ("vae-mlp 784-400-20, batch 128", "Adam, foreach kernels (PyTorch's default)", None, _foreach_adam),
    ("vae-mlp 784-400-20, batch 128", "Adam, fused kernel (genzoo's choice)", None, None),
    ("vae-mlp 784-400-20, batch 128", "fused Adam + torch.compile", _compiled, None),
    ("vae-conv keras-io, latent 2, batch 128", "contiguous layout (PyTorch's default)", _contiguous, None),
    ("vae-conv keras-io, latent 2, batch 128", "channels-last layout (genzoo's choice)", None, None),
    ("vae-conv keras-io, latent 2, batch 128", "channels-last + torch.compile", _compiled, None),
    ("gan-conv infoGAN-like, batch 64", "contiguous layout (PyTorch's default)", _contiguous, None),
    ("gan-conv infoGAN-like, batch 64", "channels-last layout (genzoo's choice)", None, None),
]


def _variant(name: str, label: str, setup: Callable[[NeuralEstimator], None] | None,
             optimizers: Callable[[NeuralEstimator], Optimizers] | None, images: torch.Tensor,
             seconds: float) -> tuple[dict[str, Any], Callable[[], Any]]:
    """One variant of model ``name``, set up and warmed: its row (first-step time, steps per round) and its step."""
    est = MODELS[name]()
    x = images[: est.batch_size]
    est.set_params(epochs=0, device="cpu").fit(x)
    if setup is not None:
        setup(est)
    stepper = Stepper(est, optimizers(est) if optimizers is not None else est.make_optimizers())
    gen = torch.Generator().manual_seed(0)

    def step() -> None:
        stepper.step(x, gen)

    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    for _ in range(2):
        step()
    t0 = time.perf_counter()
    step()
    steps = max(2, round(seconds / (time.perf_counter() - t0)))
    return {"model": name, "variant": label, "first_step_s": first, "ms_per_step": float("inf"), "steps": steps}, step


def variants(chosen: list[str] | None = None, rounds: int = 5, seconds: float = 0.5) -> list[dict[str, Any]]:
    """Milliseconds per training step of each variant in ``VARIANTS`` (of the models in ``chosen``, default all).

    The variants of one model are timed in turns (``rounds`` rounds of about ``seconds`` each), so that a noisy
    machine slows them alike; each keeps its best round. The first step (where torch.compile compiles) is
    timed apart.
    """
    images = to_float(torch.from_numpy(load_dataset("fashion-mnist", "train")[0][:128]))
    rows = []
    for name in dict.fromkeys(m for m, *_ in VARIANTS):
        if chosen is not None and name not in chosen:
            continue
        timed = [_variant(name, label, setup, opts, images, seconds) for model, label, setup, opts in VARIANTS
                 if model == name]
        for _ in range(rounds):
            for row, step in timed:
                t0 = time.perf_counter()
                for _ in range(row["steps"]):
                    step()
                row["ms_per_step"] = min(row["ms_per_step"], 1e3 * (time.perf_counter() - t0) / row["steps"])
        for row, _ in timed:
            row["speedup"] = timed[0][0]["ms_per_step"] / row["ms_per_step"]
            rows.append(row)
    return rows


def ddp_epochs(processes: tuple[int, ...] = (1, 2)) -> list[dict[str, Any]]:
    """Seconds of one MLP-VAE epoch over all of Fashion-MNIST's training images (global batch 128) under
    ``torchrun --nproc-per-node N``, from its metrics. Each process gets an equal share of this process's threads,
    set with ``OMP_NUM_THREADS`` (which torchrun keeps), so the rows say the threads they ran with."""
    rows = []
    for n in processes:
        threads = max(1, torch.get_num_threads() // n)
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(n), "-m",
                   "genzoo", "train", "vae", "--data", "fashion-mnist", "--epochs", "2", "--quiet", "--batch-size",
                   str(128 // n), "--set", "validation_fraction=0", "--out", f"{tmp}/run"]
            subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
            seconds = read_metrics(f"{tmp}/run")[-1]["seconds"]  # the second epoch: warm
            images = read_config(f"{tmp}/run")["data"]["train"][0]  # every training image (no validation split)
        rows.append({"processes": n, "threads_per_process": threads, "batch_per_process": 128 // n,
                     "images": images, "epoch_s": seconds, "images_per_s": images / seconds})
    return rows


def run_suite(suite: str, out_dir: str | Path, quiet: bool = False, images: int | None = None,
              models: list[str] | None = None) -> dict[str, Any]:
    """Measure every model (and, for ``full``, the scaling of the MLP VAE); write ``performance.{json,md}``.

    ``images`` overrides the suite's training-set size; ``models`` keeps the models whose name starts with one of them.
    """
    n = images or SUITES[suite]
    chosen = [m for m in MODELS if not models or any(m.startswith(k) for k in models)]
    if not chosen:
        raise ConfigError(f"no model matches {models}; the models: {', '.join(MODELS)}")
    rows = []
    for name in chosen:
        rows.append(measure(name, n))
        if not quiet:
            r = rows[-1]
            print(f"{name}: {r['images_per_s']:.0f} images/s, {r['gflop_per_s']:.1f} GFLOP/s "
                  f"({100 * r['share_of_ceiling']:.0f}% of {r['matmul_ceiling_gflop_per_s']:.0f})", flush=True)
    scaling = []
    if suite == "full":
        first = next(iter(MODELS))
        for size in (n // 8, n // 4, n // 2, n):
            scaling.append({"vary": "images", **measure(first, size)})
        for batch in (32, 64, 256, 512):
            scaling.append({"vary": "batch_size", **measure(first, n // 4, batch)})
    timed_variants = variants(chosen) if suite == "full" else []
    ddp = ddp_epochs() if suite == "full" else []
    results = {"suite": suite, "rows": rows, "scaling": scaling, "variants": timed_variants, "ddp": ddp,
               **provenance()}
    out = Path(out_dir)
    atomic_write_json(out / "performance.json", results)
    atomic_write_text(out / "performance.md", markdown(results))
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Suite `{results['suite']}`, {results['rows'][0]['images']} Fashion-MNIST training images per epoch.", "",
             "| model | s/epoch | images/s | train MFLOP/image | GFLOP/s | % of matmul ceiling | its kernels alone "
             "GFLOP/s | outside steps | peak RSS MiB | encode/s | decode/s | sample/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        lines.append(
            f"| {r['model']} | {r['epoch_s']:.2f} | {r['images_per_s']:.0f} | {r['train_mflop_per_image']:.2f} | "
            f"{r['gflop_per_s']:.1f} | {100 * r['share_of_ceiling']:.0f}% of {r['matmul_ceiling_gflop_per_s']:.0f} | "
            f"{r['kernels_gflop_per_s']:.0f} | {100 * r['outside_steps_share']:.1f}% | {r['peak_rss_mib']:.0f} | "
            + " | ".join(f"{r[k]:.0f}" if k in r else "-" for k in ("encode_per_s", "decode_per_s", "sample_per_s"))
            + " |")
    lines += ["", "| where an epoch goes | data | forward + loss | backward | optimizer | other (set-up, logging, "
              "checkpoint) |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | " + " | ".join(f"{100 * r[k]:.1f}%" for k in PHASES) + " |"
              for r in results["rows"] if "data_share" in r]
    if results["scaling"]:
        lines += ["", "| MLP VAE, varying | images | batch | s/epoch | images/s | peak RSS MiB |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['vary']} | {r['images']} | {r['batch_size']} | {r['epoch_s']:.2f} | {r['images_per_s']:.0f} | "
                  f"{r['peak_rss_mib']:.0f} |" for r in results["scaling"]]
    if results.get("variants"):
        lines += ["", "| model | variant | ms/step | speed-up | first step s |", "|---|---|---|---|---|"]
        lines += [f"| {r['model']} | {r['variant']} | {r['ms_per_step']:.2f} | {r['speedup']:.2f}× | "
                  f"{r['first_step_s']:.2f} |" for r in results["variants"]]
    if results.get("ddp"):
        lines += ["", "| torchrun processes | threads each | batch each | s/epoch | images/s |", "|---|---|---|---|---|"]
        lines += [f"| {r['processes']} | {r['threads_per_process']} | {r['batch_per_process']} | {r['epoch_s']:.2f} | "
                  f"{r['images_per_s']:.0f} |" for r in results["ddp"]]
    lines += ["", " ".join([
        "FLOPs counted with torch.utils.flop_counter.FlopCounterMode on one training step; the ceiling is the best",
        "fp32 2048×2048 torch.matmul in the same process; 'its kernels alone' replays one training step's matmuls and",
        "convolutions (forward and backward, at the step's shapes and layouts) back to back, without the elementwise",
        "work and Python between them: that model's own ceiling; 'outside steps' is the share of the epoch spent",
        "outside the training steps (data, logging, checkpoint, set-up). Where an epoch goes: measured by timing batch",
        "fetches, training steps, backward passes and optimizer steps in the same run (forward + loss is a step less",
        "its backward and optimizer parts). Variants: training steps of one model timed in turns on one batch;",
        "speed-up against the model's first row; the first step includes compiling."])]
    p = results if "commit" in results else None
    return "\n".join([*lines, "", footer_or_missing(p, results.get("machine", ""))]) + "\n"


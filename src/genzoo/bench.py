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
import platform
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
from torch.utils.flop_counter import FlopCounterMode

from ._io import atomic_write_json, atomic_write_text
from .data import load_dataset
from .data.batches import to_float
from .engine.runs import read_metrics
from .errors import ConfigError
from .models import GAN, VAE, Autoencoder, NeuralEstimator

MODELS: dict[str, Callable[[], NeuralEstimator]] = {
    "vae-mlp 784-400-20, batch 128": lambda: VAE(hidden=(400,), latent_dim=20, batch_size=128),
    "vae-conv keras-io, latent 2, batch 128": lambda: VAE(arch="conv", latent_dim=2, batch_size=128),
    "ae-mlp 784-128-784 (default), batch 128": lambda: Autoencoder(),
    "gan-conv infoGAN-like, batch 64": lambda: GAN(arch="conv", noise_dim=62, batch_size=64),
}
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
    optimizers = est.make_optimizers()
    gen = torch.Generator().manual_seed(0)
    with FlopCounterMode(display=False) as counter:
        est.train_step(x, optimizers, gen)
    train = counter.get_total_flops() / len(x)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        est.eval_step(x, gen)
    return train, counter.get_total_flops() / len(x)


def _measure(name: str, n_train: int, batch_size: int | None, ceiling: float) -> dict[str, Any]:
    torch.manual_seed(0)
    x, _ = load_dataset("fashion-mnist", "train")
    x = x[:n_train]
    est = MODELS[name]()
    est.set_params(epochs=1, validation_fraction=0.0, device="cpu")
    if batch_size is not None:
        est.set_params(batch_size=batch_size)
    inside = [0.0]
    original = est.train_step

    def timed_step(*args, **kwargs):
        t0 = time.perf_counter()
        out = original(*args, **kwargs)
        inside[0] += time.perf_counter() - t0
        return out

    est.train_step = timed_step  # instance attribute: the engine calls it, the class is untouched
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        est.fit(x, run_dir=Path(tmp) / "run")
        total = time.perf_counter() - t0
    del est.train_step
    sample = to_float(torch.from_numpy(x[: est.batch_size]))
    train_flops, forward_flops = step_flops(est, sample)
    per_s = n_train / total
    row = {"model": name, "images": n_train, "batch_size": est.batch_size, "epoch_s": total,
           "images_per_s": per_s, "train_mflop_per_image": train_flops / 1e6,
           "forward_mflop_per_image": forward_flops / 1e6, "gflop_per_s": train_flops * per_s / 1e9,
           "share_of_ceiling": train_flops * per_s / 1e9 / ceiling, "outside_steps_share": 1 - inside[0] / total,
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


def optimizer_variants(repeats: int = 7, steps: int = 50) -> list[dict[str, Any]]:
    """Milliseconds per training step of the MLP VAE (batch 128) with Adam's default (foreach) and fused kernels."""
    x = to_float(torch.from_numpy(load_dataset("fashion-mnist", "train")[0][:128]))
    rows = []
    for fused in (False, True):
        est = VAE(hidden=(400,), latent_dim=20, epochs=0, device="cpu").fit(x)
        optimizers = {"main": torch.optim.Adam(est.module_.parameters(), lr=1e-3, fused=fused)}
        gen = torch.Generator().manual_seed(0)
        for _ in range(10):
            est.train_step(x, optimizers, gen)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(steps):
                est.train_step(x, optimizers, gen)
            best = min(best, (time.perf_counter() - t0) / steps)
        name = "Adam, fused (genzoo's choice)" if fused else "Adam, foreach (PyTorch's default)"
        rows.append({"optimizer": name, "ms_per_step": 1e3 * best})
    return rows


def ddp_epochs(processes: tuple[int, ...] = (1, 2), images: int = 60000) -> list[dict[str, Any]]:
    """Seconds of one MLP-VAE epoch (global batch 128) under ``torchrun --nproc-per-node N``, from its metrics."""
    rows = []
    for n in processes:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(n), "-m",
                   "genzoo", "train", "vae", "--data", "fashion-mnist", "--epochs", "2", "--quiet", "--batch-size",
                   str(128 // n), "--set", "validation_fraction=0", "--out", f"{tmp}/run"]
            subprocess.run(cmd, check=True, capture_output=True)
            seconds = read_metrics(f"{tmp}/run")[-1]["seconds"]  # the second epoch: warm
        threads = torch.get_num_threads() if n == 1 else 1  # torchrun sets OMP_NUM_THREADS=1 per process
        rows.append({"processes": n, "threads_per_process": threads, "batch_per_process": 128 // n,
                     "epoch_s": seconds, "images_per_s": images / seconds})
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
    variants = optimizer_variants() if suite == "full" else []
    ddp = ddp_epochs(images=n) if suite == "full" else []
    results = {"suite": suite, "rows": rows, "scaling": scaling, "optimizers": variants, "ddp": ddp,
               "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}"}
    out = Path(out_dir)
    atomic_write_json(out / "performance.json", results)
    atomic_write_text(out / "performance.md", markdown(results))
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Suite `{results['suite']}`, {results['rows'][0]['images']} Fashion-MNIST training images per epoch; "
             f"{results['machine']}.", "",
             "| model | s/epoch | images/s | train MFLOP/image | GFLOP/s | % of matmul ceiling | outside steps | "
             "peak RSS MiB | encode/s | decode/s | sample/s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        lines.append(
            f"| {r['model']} | {r['epoch_s']:.2f} | {r['images_per_s']:.0f} | {r['train_mflop_per_image']:.2f} | "
            f"{r['gflop_per_s']:.1f} | {100 * r['share_of_ceiling']:.0f}% of {r['matmul_ceiling_gflop_per_s']:.0f} | "
            f"{100 * r['outside_steps_share']:.1f}% | {r['peak_rss_mib']:.0f} | "
            + " | ".join(f"{r[k]:.0f}" if k in r else "-" for k in ("encode_per_s", "decode_per_s", "sample_per_s"))
            + " |")
    if results["scaling"]:
        lines += ["", "| MLP VAE, varying | images | batch | s/epoch | images/s | peak RSS MiB |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['vary']} | {r['images']} | {r['batch_size']} | {r['epoch_s']:.2f} | {r['images_per_s']:.0f} | "
                  f"{r['peak_rss_mib']:.0f} |" for r in results["scaling"]]
    if results.get("optimizers"):
        lines += ["", "| MLP VAE training step, batch 128 | ms/step |", "|---|---|"]
        lines += [f"| {r['optimizer']} | {r['ms_per_step']:.2f} |" for r in results["optimizers"]]
    if results.get("ddp"):
        lines += ["", "| torchrun processes | threads each | batch each | s/epoch | images/s |", "|---|---|---|---|---|"]
        lines += [f"| {r['processes']} | {r['threads_per_process']} | {r['batch_per_process']} | {r['epoch_s']:.2f} | "
                  f"{r['images_per_s']:.0f} |" for r in results["ddp"]]
    lines += ["", "FLOPs counted with torch.utils.flop_counter.FlopCounterMode on one training step; the ceiling is "
              "the best fp32 2048×2048 torch.matmul in the same process; 'outside steps' is the share of the epoch "
              "spent outside the training steps (data, logging, checkpoint, set-up)."]
    return "\n".join(lines) + "\n"


"""VAE likelihoods and latent-space figures on full MNIST (and Fashion-MNIST).

    python benchmarks/vae.py [--epochs 50] [--k 5000] [--datasets mnist fashion-mnist]
    python benchmarks/vae.py --reproduce [--minutes 15 | --epochs N | --wall-minutes M] [--curve 5 10] [--eval-images 2000]
                                         [--models vae iwae] [--threads 1] [--lr-schedule none|burda|cosine]
                                         [--lr 1e-3] [--batch-size 100] [--save runs/reproduce]

Trains the MLP VAE 784-400-20 on dynamically binarized training images and reports, on the test
split binarized once with a fixed seed, the ELBO and the importance-weighted NLL (k samples) in nats,
beside the published figures. Also trains 2-D VAE and AE models on MNIST for the manifold figure
(decodes of a 20×20 grid over N(0, I) quantiles) and the 7 → 9 interpolation, AE and VAE side by side.
Writes benchmarks/results/vae.{json,md} and docs/vae-manifold.png, docs/interpolation.png.

--reproduce: Burda et al. 2015's setting on dynamically binarized MNIST — their net (784-200-200-50, tanh), with
a constant learning rate, their 8 stages (--lr-schedule burda) or a cosine anneal fitted into the budget — trained
as a VAE (ELBO) and as an IWAE (k = 5) (--models), each for ``--minutes`` of CPU time of its process (the epochs
are set from the median of a probe's epochs 2 to 4; with --threads 1 a CPU minute is a core-minute, and two models
can run side by side on two cores without either's budget counting the other's work). The test NLL (IWAE bound, k =
5,000) of the first ``--curve-images`` test images is measured as training passes each of the ``--curve`` CPU
minutes (evaluation not counted), and at the end on ``--eval-images`` test images. A model's row at a learning rate
(--lr), batch and thread count (and, with --epochs, epoch count; a --wall-minutes row only an earlier such row)
replaces its earlier row at those. The probe's
epochs run 7-22% faster than a 2-hour run's average: the table reports the CPU (and wall) minutes the training took,
not the minutes asked for. ``--epochs N`` skips the probe and trains exactly N epochs (a budget set from an earlier
run's measured pace). ``--wall-minutes M`` keeps a budget of M minutes of wall clock while training, whatever the
machine's pace that day: the learning rate follows half a cosine over the share of M spent (evaluation not counted)
and training stops after the last epoch that, at the mean pace so far, leaves room for no other (``Hooks.stop``).
Such a run is not repeatable bit for bit (its learning rates and epoch count follow the clock), and its saved model's
config says ``lr_schedule=None`` (the schedule is this benchmark's, not an option of ``VAE``).
Writes benchmarks/results/vae-reproduce.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import norm

from genzoo import VAE, Autoencoder, load_dataset
from genzoo.data import binarize
from genzoo.engine import Hooks
from genzoo.engine.schedules import Schedule, cosine
from genzoo.plots import mosaic
from genzoo.provenance import footer, footer_or_missing, provenance

ROOT = Path(__file__).resolve().parent
PUBLISHED = "Burda et al. 2015 (one stochastic layer): VAE 86.76, IWAE k=50 84.78; pythae's VAE: 89.78 (MNIST NLL)"


def likelihood(dataset, data_dir, epochs, k):
    (x, _), (xt, _) = (load_dataset(dataset, s, data_dir) for s in ("train", "test"))
    test = binarize(xt, random_state=0)
    vae = VAE(hidden=(400,), latent_dim=20, binarize=True, epochs=epochs, batch_size=128, lr=1e-3)
    t0 = time.perf_counter()
    vae.fit(x)
    train_s = time.perf_counter() - t0
    elbo = float(vae.score(test))
    t0 = time.perf_counter()
    ll = float(vae.log_likelihood(test, k=k).mean())
    row = {"data": dataset, "model": "MLP VAE 784-400-20, Bernoulli", "epochs": epochs, "train_s": round(train_s),
           "test_elbo": elbo, "k": k, "test_nll_iwae": -ll, "eval_s": round(time.perf_counter() - t0)}
    print(row, flush=True)
    return row


def figures(data_dir, epochs):
    (x, _), (xt, yt) = (load_dataset("mnist", s, data_dir) for s in ("train", "test"))
    vae = VAE(hidden=(512, 256), latent_dim=2, binarize=True, epochs=epochs).fit(x)
    ae = Autoencoder(hidden=(512, 256), latent_dim=2, code_activation="linear", epochs=epochs, lr=1e-3).fit(x)
    q = norm.ppf(np.linspace(0.05, 0.95, 20)).astype(np.float32)
    grid = np.stack(np.meshgrid(q, q[::-1]), -1).reshape(-1, 2)
    decoded = vae.inverse_transform(grid)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(mosaic([decoded[i * 20 : (i + 1) * 20] for i in range(20)], pad=0), cmap="gray")
    ax.set_axis_off()
    ax.set_title("2-D VAE on MNIST: decodes of a 20×20 grid over N(0, I) quantiles", fontsize=9)
    fig.savefig(ROOT.parent / "docs" / "vae-manifold.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    a, b = xt[np.flatnonzero(yt == 7)[0]][None], xt[np.flatnonzero(yt == 9)[0]][None]
    alphas = np.linspace(1, 0, 10, dtype=np.float32)[:, None]
    rows = []
    for model in (ae, vae):
        za, zb = model.transform(a), model.transform(b)
        rows.append(model.inverse_transform(alphas * za + (1 - alphas) * zb))  # a = α·a_start + (1−α)·a_end
    fig, ax = plt.subplots(figsize=(9, 2.2))
    ax.imshow(mosaic(rows), cmap="gray")
    ax.set_yticks([14, 43], ["AE", "VAE"])
    ax.set_xticks([])
    ax.set_title("interpolating the codes of a 7 and a 9 (2-D latent)", fontsize=9)
    fig.savefig(ROOT.parent / "docs" / "interpolation.png", dpi=100, bbox_inches="tight")
    plt.close(fig)


BATCH = 100  # --reproduce's images per step, unless --batch-size (Burda et al. used 20: 5x the steps per epoch)
BURDA_NET = {"hidden": (200, 200), "activation": "tanh", "latent_dim": 50, "binarize": True}
REPRODUCE = {"vae": ("VAE (ELBO)", {"objective": "elbo", "k": 1}), "iwae": ("IWAE, k = 5", {"objective": "iwae", "k": 5})}
PUBLISHED_NLL = {"VAE (ELBO)": 86.76, "IWAE, k = 5": 85.54}  # Burda et al. 2015, Table 1, one stochastic layer


class Curve(Hooks):
    """Measures the test NLL as training passes each of ``minutes`` of training CPU time (its own time excluded)."""

    def __init__(self, vae: VAE, test: np.ndarray, minutes: list[float], k: int) -> None:
        self.vae, self.test, self.k, self.todo = vae, test, k, sorted(minutes)
        self.trained, self.wall, self.points, self.epoch_times, self._t0, self._w0 = 0.0, 0.0, [], [], 0.0, 0.0

    def begin(self, phase: str) -> None:
        if phase == "epoch":
            self._t0, self._w0 = time.process_time(), time.perf_counter()

    def end(self, phase: str) -> None:
        if phase != "epoch":
            return
        self.epoch_times.append(time.process_time() - self._t0)
        self.trained += self.epoch_times[-1]
        self.wall += time.perf_counter() - self._w0
        while self.todo and self.trained >= 60 * self.todo[0]:
            nll = -float(self.vae.log_likelihood(self.test, k=self.k).mean())
            self.points.append({"minutes": self.todo.pop(0), "trained_min": round(self.trained / 60, 2), "nll": nll})
            print("curve", self.points[-1], flush=True)
        if len(self.epoch_times) % 50 == 0:  # a long run is otherwise silent between curve points
            print(f"epoch {len(self.epoch_times)}: {self.trained / 60:.1f} CPU min, {self.wall / 60:.1f} min wall",
                  flush=True)


class Clock(Curve):
    """A :class:`Curve` that keeps a budget of ``budget_min`` minutes of wall clock spent training: the learning rate
    factor is half a cosine over the share of the budget spent so far (1 at the start, 0 at the end), and training
    stops after an epoch when one more, at the mean epoch time so far, would run past the budget."""

    def __init__(self, vae: VAE, test: np.ndarray, minutes: list[float], k: int, budget_min: float) -> None:
        super().__init__(vae, test, minutes, k)
        self.budget = 60 * budget_min
        self.anneal = cosine(self.budget)  # the engine's cosine, over seconds spent instead of epochs

    def factor(self, epoch: float) -> float:  # a Schedule; the engine calls it before every step, inside an epoch
        return self.anneal(self.wall + time.perf_counter() - self._w0)

    def schedule(self) -> Schedule:  # in place of VAE._lr_schedule
        return self.factor

    def stop(self) -> bool:
        return self.wall * (1 + 1 / len(self.epoch_times)) > self.budget


def reproduce(data_dir: str, models: list[str], minutes: float, curve: list[float], curve_images: int,
              eval_images: int, k: int, lr_schedule: str | None, lr: float, batch_size: int = BATCH,
              save: str | None = None, epochs: int | None = None, wall_minutes: float | None = None) -> list[dict]:
    started = provenance()  # the code that runs is the code of this moment, whatever HEAD is when it ends
    (x, _), (xt, _) = (load_dataset("mnist", s, data_dir) for s in ("train", "test"))
    test = binarize(xt, random_state=0)
    rows = []
    for name, objective in (REPRODUCE[m] for m in models):
        setting = {**BURDA_NET, **objective, "lr": lr, "lr_schedule": lr_schedule, "batch_size": batch_size,
                   "validation_fraction": 0.0}
        if wall_minutes is not None:  # the clock decides: an epoch cap that is never reached
            n_epochs, points = 1_000_000, list(curve)
        elif epochs is None:  # fill the budget: epochs from a probe's epoch time
            probe = VAE(**setting, epochs=4)
            clock = Curve(probe, test, [], k)
            probe.fit(x, hooks=clock)
            epoch_s = float(np.median(clock.epoch_times[1:]))  # the first epoch is slower; one epoch alone is noisy
            n_epochs, points = max(1, int(60 * minutes / epoch_s)), [m for m in curve if m < minutes]
        else:
            n_epochs, points = epochs, list(curve)
        vae = VAE(**setting, epochs=n_epochs)
        if wall_minutes is None:
            hooks = Curve(vae, test[:curve_images], points, k)
        else:
            hooks = Clock(vae, test[:curve_images], points, k, wall_minutes)
            vae._lr_schedule = hooks.schedule  # this instance only; its saved config says lr_schedule=None
        vae.fit(x, hooks=hooks)
        if save:  # a run folder, to measure again later (e.g. on more test images) without training again
            batch = f"-batch{batch_size}" if batch_size != BATCH else ""
            vae.save(Path(save) / f"{objective['objective']}-lr{lr:g}{batch}-{torch.get_num_threads()}threads")
        t0 = time.perf_counter()
        nll = -float(vae.log_likelihood(test[:eval_images], k=k).mean())
        row = {"model": name, **objective, "epochs": len(hooks.epoch_times), "train_min": round(hooks.trained / 60, 1),
               "train_wall_min": round(hooks.wall / 60, 1),
               "test_elbo": float(vae.score(test[:eval_images])), "test_nll": nll, "eval_images": eval_images,
               "eval_k": k, "eval_s": round(time.perf_counter() - t0), "curve": hooks.points,
               "curve_images": curve_images, "published_nll": PUBLISHED_NLL[name], "lr": lr,
               "lr_schedule": lr_schedule if wall_minutes is None else "cosine-clock",
               "batch_size": batch_size,
               "threads": torch.get_num_threads(), "provenance": started}
        rows.append(row)
        print(row, flush=True)
    return rows


def reproduce_markdown(results: dict) -> str:
    lines = ["| model | batch | learning rate | epochs | training (CPU) | test ELBO | test NLL (k = 5,000) | "
             "NLL during training (first images of the test split) | Burda et al. 2015 (3,280 epochs) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        curve = "; ".join(f"{p['minutes']:g} min: {p['nll']:.2f}" for p in r["curve"]) or "-"
        lines.append(f"| {r['model']} | {row_batch(r)} | {r.get('lr', 1e-3):g}, {SCHEDULE_NAMES[r['lr_schedule']]} | "
                     f"{r['epochs']} | "
                     f"{r['train_min']} min on {r['threads']} thread{'s' * (r['threads'] > 1)}{wall(r)} | "
                     f"{r['test_elbo']:.2f} | **{r['test_nll']:.2f}** "
                     f"({r['eval_images']} images) | {curve} ({r['curve_images']} images) | {r['published_nll']} |")
    lines += ["", "Dynamically binarized MNIST; the test images binarized once (seed 0). Net 784-200-200-50 (tanh), "
              "Adam. Training time is the CPU time of the model's process. NLL: minus the IWAE bound "
              "with k = 5,000, in nats.", ""]
    lines += [f"- {r['model']}: {footer(r['provenance'])}" for r in results["rows"]]
    return "\n".join(lines) + "\n"


def row_batch(row: dict) -> int:
    """The row's batch size (rows measured before it was an option ran at 100, whatever BATCH is now)."""
    return row.get("batch_size", 100)


def wall(row: dict) -> str:
    """The wall-clock minutes of a row trained on more than one thread (its CPU minutes count every thread)."""
    return f" ({row['train_wall_min']} min wall)" if row["threads"] > 1 and "train_wall_min" in row else ""


SCHEDULE_NAMES = {None: "constant", "burda": "Burda et al.'s stages", "cosine": "cosine to 0",
                  "cosine-clock": "cosine to 0 over the wall-clock budget"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs (default 50); with --reproduce, exactly this many instead of filling --minutes")
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--figure-epochs", type=int, default=10, help="0 skips the latent-space figures")
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    parser.add_argument("--reproduce", action="store_true", help="Burda et al.'s VAE and IWAE on a time budget")
    parser.add_argument("--minutes", type=float, default=15, help="--reproduce: training minutes per model")
    parser.add_argument("--wall-minutes", type=float, default=None,
                        help="--reproduce: train for this many minutes of wall clock, the learning rate on half a "
                             "cosine over them (instead of --minutes, --epochs and --lr-schedule)")
    parser.add_argument("--curve", type=float, nargs="+", default=[5, 10], help="--reproduce: minutes to measure at")
    parser.add_argument("--curve-images", type=int, default=1000)
    parser.add_argument("--eval-images", type=int, default=10000)
    parser.add_argument("--lr-schedule", choices=["burda", "cosine", "none"], default="none",
                        help="--reproduce: Burda et al.'s stages or a cosine anneal fitted into the budget, or constant")
    parser.add_argument("--lr", type=float, default=1e-3, help="--reproduce: Adam's base learning rate")
    parser.add_argument("--batch-size", type=int, default=BATCH, help="--reproduce: images per step (Burda et al.: 20)")
    parser.add_argument("--models", nargs="+", choices=list(REPRODUCE), default=list(REPRODUCE))
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--save", help="--reproduce: save each trained model in this folder (a run folder per model)")
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs {args.epochs}: use an integer >= 1")
    if args.wall_minutes is not None and (args.wall_minutes <= 0 or args.epochs is not None):
        parser.error(f"--wall-minutes {args.wall_minutes:g}: use minutes > 0, without --epochs")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.reproduce:
        new = reproduce(args.data_dir, args.models, args.minutes, args.curve, args.curve_images, args.eval_images,
                        args.k, None if args.lr_schedule == "none" else args.lr_schedule, args.lr, args.batch_size,
                        args.save, args.epochs, args.wall_minutes)
        path = ROOT / "results" / "vae-reproduce.json"  # read now: a model run beside this one may have written it
        old = json.loads(path.read_text()).get("rows", []) if path.exists() else []
        order = [name for name, _ in REPRODUCE.values()]
        def key(r: dict) -> tuple:  # a row per model, learning rate, batch and thread count (and --epochs N, and
            fixed = "--epochs" in r["provenance"]["command"]  # whether the clock kept it): a probe's epochs vary
            return (r["model"], r.get("lr", 1e-3), row_batch(r), r["threads"], r["epochs"] if fixed else None,
                    r["lr_schedule"] == "cosine-clock")
        run = {key(n) for n in new}
        rows = sorted([r for r in old if "provenance" in r and key(r) not in run] + new,
                      key=lambda r: (order.index(r["model"]), r.get("lr", 1e-3), r["threads"], -row_batch(r)))
        results = {"rows": rows}
        path.write_text(json.dumps(results, indent=1))
        (ROOT / "results" / "vae-reproduce.md").write_text(reproduce_markdown(results))
        print(reproduce_markdown(results))
        return
    started = provenance()
    new = [likelihood(d, args.data_dir, args.epochs or 50, args.k) | {"provenance": started} for d in args.datasets]
    if args.figure_epochs:
        figures(args.data_dir, args.figure_epochs)
    path = ROOT / "results" / "vae.json"
    earlier = json.loads(path.read_text()) if path.exists() else {}
    old, machine = earlier.get("rows", []), earlier.get("machine", "")  # machine: of rows measured before provenance
    rows = [r for r in old if r["data"] not in args.datasets] + new  # keep the other datasets' last figures
    results = {"rows": rows, "published": PUBLISHED, **({"machine": machine} if machine else {})}
    path.write_text(json.dumps(results, indent=1))
    (ROOT / "results" / "vae.md").write_text(markdown(results))
    print(markdown(results))


def markdown(results: dict) -> str:
    rows = results["rows"]
    lines = ["| data | model | epochs | train s | test ELBO (nats) | k | test NLL, IWAE bound (nats) | eval s |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['data']} | {r['model']} | {r['epochs']} | {r['train_s']} | {r['test_elbo']:.2f} | {r['k']} | "
              f"{r['test_nll_iwae']:.2f} | {r['eval_s']} |" for r in rows]
    lines += ["", f"Published, for context: {PUBLISHED}.", ""]
    lines += [f"- {r['data']}: {footer_or_missing(r.get('provenance'), results.get('machine', ''))}" for r in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""Semi-supervised MNIST: M2 and M1+M2 (Kingma et al. 2014) with 100 and 1,000 labels, accuracy against CPU minutes.

    python benchmarks/semisupervised.py [--labels 100 1000] [--curve 1 3 10] [--data-dir ../shared/data]

The labelled images are a class-balanced subset drawn with seed 0 (``genzoo train m2 --labels N`` draws the same);
every other training image is unlabelled. Rows: logistic regression on the labelled images' pixels; M2 with its
defaults; M1, a VAE (784-500-50, dynamically binarized, 10 epochs) on all 60,000 images, then logistic regression on
its codes of the labelled images; and M1+M2 (M2 on M1's codes). Each model trains in stages (``--curve``: the epochs
after which the test accuracy is measured) that resume its run folder bit for bit, so one run gives the curve.
Minutes are wall-clock minutes on this machine's cores (the table says how many). Writes
benchmarks/results/semisupervised.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from genzoo import M1M2, M2, VAE, load_dataset
from genzoo.models.labels import labelled_subset
from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent
# Kingma et al. 2014 (Semi-supervised learning with deep generative models), Table 1: test error (%) on MNIST,
# transcribed from the paper (check against it before quoting); shown here as accuracy.
PUBLISHED = {100: {"M1+TSVM": 88.18, "M2": 88.03, "M1+M2": 96.67},
             1000: {"M1+TSVM": 95.76, "M2": 96.40, "M1+M2": 97.60}}


def logistic(train: np.ndarray, y: np.ndarray, test: np.ndarray, yt: np.ndarray) -> float:
    return float(LogisticRegression(max_iter=5000).fit(train, y).score(test, yt))


def staged(make, x, ys, xt, yt, curve: list[int], folder: Path, offset: float = 0.0) -> tuple[list, float]:
    """Train ``make(epochs)`` to each epoch count of ``curve`` in turn (resuming); the test accuracy after each, with
    the minutes spent so far (plus ``offset`` minutes spent before, e.g. on M1)."""
    points, spent = [], 0.0
    for epochs in curve:
        t0 = time.perf_counter()
        model = make(epochs).fit(x, ys, run_dir=folder, resume=folder.exists())
        spent += time.perf_counter() - t0
        points.append({"epochs": epochs, "minutes": round(offset + spent / 60, 2), "accuracy": model.score(xt, yt)})
        print(points[-1], flush=True)
    return points, offset + spent / 60


def run(labels: list[int], curve: list[int], data_dir: str) -> list[dict]:
    (x, y), (xt, yt) = (load_dataset("mnist", s, data_dir) for s in ("train", "test"))
    flat, flat_t = x.reshape(len(x), -1) / 255.0, xt.reshape(len(xt), -1) / 255.0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        m1 = VAE(hidden=(500,), latent_dim=50, binarize=True, epochs=10).fit(x)
        m1_minutes = (time.perf_counter() - t0) / 60
        codes, codes_t = m1.transform(x), m1.transform(xt)
        for n in labels:
            ys = labelled_subset(y, n, 0)
            kept = ys >= 0
            rows.append({"labels": n, "model": "logistic regression on the labelled pixels",
                         "curve": [{"minutes": 0.0, "accuracy": logistic(flat[kept], y[kept], flat_t, yt)}]})
            rows.append({"labels": n, "model": "M1 (VAE codes) + logistic regression on the labelled codes",
                         "curve": [{"minutes": round(m1_minutes, 2),
                                    "accuracy": logistic(codes[kept], y[kept], codes_t, yt)}]})
            m2, _ = staged(lambda e: M2(epochs=e), x, ys, xt, yt, curve, Path(tmp) / f"m2-{n}")
            rows.append({"labels": n, "model": "M2 (defaults)", "curve": m2})
            m1m2, _ = staged(lambda e: M1M2(m1=m1, epochs=e), x, ys, xt, yt, curve, Path(tmp) / f"m1m2-{n}",
                             offset=m1_minutes)
            rows.append({"labels": n, "model": "M1+M2 (defaults, on M1's codes)", "curve": m1m2})
            print(rows[-4:], flush=True)
    return rows


def markdown(results: dict) -> str:
    lines = ["| labels | model | test accuracy | CPU minutes | accuracy during training | Kingma et al. 2014 |",
             "|---|---|---|---|---|---|"]
    names = {"M2 (defaults)": "M2", "M1+M2 (defaults, on M1's codes)": "M1+M2",
             "M1 (VAE codes) + logistic regression on the labelled codes": "M1+TSVM"}
    for r in results["rows"]:
        last = r["curve"][-1]
        during = "; ".join(f"{p['epochs']} ep, {p['minutes']:.1f} min: {100 * p['accuracy']:.2f}%"
                           for p in r["curve"][:-1]) or "-"
        published = PUBLISHED[r["labels"]].get(names.get(r["model"], ""))
        lines.append(f"| {r['labels']:,} | {r['model']} | **{100 * last['accuracy']:.2f}%** | {last['minutes']:.1f} | "
                     f"{during} | {f'{published:.2f}%' if published else '-'} |")
    lines += ["", "MNIST test split (10,000 images); the labelled images a class-balanced draw (seed 0), the other "
              "training images unlabelled. M2: MLPs 784-500-{10, 50}, batch 100 + 100 labelled, Adam 0.001, "
              "α = 0.1 × 60,000 / labels. M1: a VAE 784-500-50 on dynamically binarized images, 10 epochs; M1+M2's "
              "minutes include M1's. Published: Kingma et al.'s Table 1 as accuracy (their M1+TSVM row beside "
              "genzoo's M1 + logistic regression).", "", f"- {footer(results['provenance'])}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--curve", type=int, nargs="+", default=[1, 3, 10], help="epochs to measure after")
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    started = provenance()
    results = {"rows": run(args.labels, sorted(args.curve), args.data_dir), "provenance": started}
    (ROOT / "results" / "semisupervised.json").write_text(json.dumps(results, indent=1))
    (ROOT / "results" / "semisupervised.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

"""M2's α, the weight of its classifier's cross-entropy on the labelled images, measured on MNIST.

    python benchmarks/m2_alpha.py [--labels 100 1000] [--scales 0.3 1 3] [--epochs 5] [--data-dir ../shared/data]

For each number of labels (a class-balanced draw, seed 0, as ``genzoo train m2 --labels N`` draws), M2 with its
defaults but α = scale × the default α (Kingma et al.'s 0.1 × training images / labelled images), trained for
``--epochs`` epochs; the test accuracy and the wall-clock minutes each took. The table that chose M2's default α.
Writes benchmarks/results/m2-alpha.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from genzoo import M2, load_dataset
from genzoo.models.labels import labelled_subset
from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent


def run(labels: list[int], scales: list[float], epochs: int, data_dir: str) -> list[dict]:
    (x, y), (xt, yt) = (load_dataset("mnist", s, data_dir) for s in ("train", "test"))
    rows = []
    for n in labels:
        ys = labelled_subset(y, n, 0)
        for scale in scales:
            alpha = scale * 0.1 * len(x) / n
            t0 = time.perf_counter()
            model = M2(alpha=alpha, epochs=epochs).fit(x, ys)
            rows.append({"labels": n, "scale": scale, "alpha": alpha, "epochs": epochs,
                         "minutes": round((time.perf_counter() - t0) / 60, 2), "accuracy": model.score(xt, yt)})
            print(rows[-1], flush=True)
    return rows


def markdown(results: dict) -> str:
    lines = ["| labels | α | × the default | epochs | test accuracy | minutes |", "|---|---|---|---|---|---|"]
    for r in results["rows"]:
        lines.append(f"| {r['labels']:,} | {r['alpha']:g} | {r['scale']:g}{' (default)' if r['scale'] == 1 else ''} "
                     f"| {r['epochs']} | **{100 * r['accuracy']:.2f}%** | {r['minutes']:.1f} |")
    lines += ["", "MNIST test split; M2 with its defaults (MLPs 784-500-{10, 50}, batch 100 + 100 labelled, Adam "
              "0.001) but α; the default α is 0.1 × 60,000 / labels (Kingma et al.'s α = 0.1·N with N the training "
              "images per labelled image, as their code computes it).", "", f"- {footer(results['provenance'])}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.3, 1.0, 3.0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    started = provenance()
    results = {"rows": run(args.labels, args.scales, args.epochs, args.data_dir), "provenance": started}
    (ROOT / "results" / "m2-alpha.json").write_text(json.dumps(results, indent=1))
    (ROOT / "results" / "m2-alpha.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

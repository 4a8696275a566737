"""What the defaults learn: every model as `genzoo train MODEL --data D` trains it, with no other flag.

    python benchmarks/defaults.py [--data mnist fashion-mnist] [--data-dir ../shared/data]
    python benchmarks/defaults.py --sweep [--models ae sparse-ae ...]   # the candidates the defaults were chosen from

Defaults table: each model with its defaults on the full training split; on the test split its MSE per pixel
beside PCA with the same code size and beside the mean training image, the seconds it trained, and for the sparse
autoencoder its mean code activation against the target rate.
Sweep table: the candidate settings each default was chosen from, measured the same way (the defaults are the
rows marked as such); the sparse autoencoder's trade-off curve across the penalty weight λ is one of them.
Writes benchmarks/results/defaults.{json,md} (the sweep keeps the other table, and vice versa).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from genzoo import PCA, Autoencoder, BinaryAutoencoder, DenoisingAutoencoder, SparseAutoencoder, load_dataset
from genzoo.models import NeuralEstimator
from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
DATASETS = ("mnist", "fashion-mnist")

# what `genzoo train NAME` builds with no flag but --data (the deep AE: the notes' architecture, defaults otherwise)
DEFAULTS: dict[str, Callable[..., NeuralEstimator]] = {
    "ae": Autoencoder,
    "dae": DenoisingAutoencoder,
    "sparse-ae": SparseAutoencoder,
    "binary-ae": BinaryAutoencoder,
    "ae --arch conv": lambda **kw: Autoencoder(arch="conv", **kw),
    "notes' deep AE 784-128-64-10-2": lambda **kw: Autoencoder(hidden=(128, 64, 10), latent_dim=2, **kw),
}

# the settings tried for each default (parameters on top of the model's constructor defaults)
SWEEP: dict[str, list[dict]] = {
    "ae": [{"lr": lr, "code_activation": act} for act, lrs in (("sigmoid", (1e-3, 3e-3, 1e-2)), ("linear", (3e-3, 1e-2)))
           for lr in lrs],
    "notes' deep AE 784-128-64-10-2": [{"lr": 1e-3, "code_activation": "sigmoid"}, {"lr": 1e-3, "code_activation": "linear"},
                                       {"lr": 3e-3, "code_activation": "linear"}],
    "sparse-ae": [{"weight": w, "lr": 1e-3} for w in (0.0, 0.03, 0.1, 0.3, 1.0, 3.0)]
                 + [{"weight": w, "lr": 3e-3} for w in (1.0, 3.0, 10.0)],
    "binary-ae": [{"lr": 1e-3}, {"lr": 3e-3}],
    "dae": [{"noise_level": level} for level in (0.5, 0.3, 0.2)],
    "ae --arch conv": [{"lr": 1e-3, "code_activation": "sigmoid"}, {"lr": 3e-3, "code_activation": "linear"}],
}


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a.reshape(len(a), -1) - b.reshape(len(b), -1)) ** 2))


def measure(name: str, params: dict, data: dict, pca_cache: dict) -> dict:
    (x, _), (xt, _) = data["train"], data["test"]
    target = xt / 255.0
    model = DEFAULTS[name](**params)
    t0 = time.perf_counter()
    model.fit(x)
    seconds = time.perf_counter() - t0
    codes = model.transform(xt)
    k = codes.shape[1]
    if k not in pca_cache:
        pca_cache[k] = mse(PCA(n_components=k).fit(x).reconstruct(xt), target)
    row = {"model": name, "params": params, "epochs": model.epochs_, "code": k, "seconds": round(seconds, 1),
           "mse": mse(model.reconstruct(xt), target), "pca_mse": pca_cache[k],
           "mean_image_mse": mse(np.broadcast_to(x.mean(0) / 255.0, xt.shape), target)}
    if isinstance(model, SparseAutoencoder):
        row["mean_activation"] = float(codes.mean())
        row["target_rate"] = model.target_rate
    print(row, flush=True)
    return row


def markdown(results: dict) -> str:
    lines = []
    titles = {"defaults": "Defaults, no flag but --data", "sweep": "Candidates the defaults were chosen from"}
    for table, title in titles.items():
        rows = results.get(table)
        if not rows:
            continue
        lines += [f"### {title}", "", "| data | model | settings | epochs | code | train s | test MSE/pixel | "
                  "PCA, same code | mean image | vs PCA | mean code activation |", "|---" * 11 + "|"]
        for r in rows:
            settings = ", ".join(f"{k}={v}" for k, v in r["params"].items()) or "defaults"
            act = f"{r['mean_activation']:.3f} (target {r['target_rate']})" if "mean_activation" in r else "-"
            lines.append(f"| {r['data']} | {r['model']} | {settings} | {r['epochs']} | {r['code']} | {r['seconds']} | "
                         f"{r['mse']:.4f} | {r['pca_mse']:.4f} | {r['mean_image_mse']:.4f} | "
                         f"{r['pca_mse'] / r['mse']:.2f}× | {act} |")
        runs = [footer(p) for key, p in results.items() if key.startswith(f"{table}_provenance")]
        lines += ["", *[f"- {run}" for run in runs], ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    parser.add_argument("--sweep", action="store_true", help="measure the candidate settings instead of the defaults")
    parser.add_argument("--models", nargs="+", choices=list(DEFAULTS), help="only these models")
    parser.add_argument("--skip-done", action="store_true", help="--sweep: keep the rows already measured")
    args = parser.parse_args()
    started = provenance()  # the tree as the run starts
    path = RESULTS / "defaults.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    table = "sweep" if args.sweep else "defaults"
    names = args.models or list(SWEEP if args.sweep else DEFAULTS)
    rows = []
    for dataset in args.data:
        data = {s: load_dataset(dataset, s, args.data_dir) for s in ("train", "test")}
        pca_cache: dict[int, float] = {}
        for name in names:
            for params in SWEEP[name] if args.sweep else [{}]:
                if args.sweep and args.skip_done and any(r["data"] == dataset and r["model"] == name
                                                         and r["params"] == params for r in results.get(table, [])):
                    continue
                rows.append({"data": dataset, **measure(name, params, data, pca_cache)})
    fresh = {(r["data"], r["model"], json.dumps(r["params"], sort_keys=True)) for r in rows}
    kept = [r for r in results.get(table, [])
            if (r["data"], r["model"], json.dumps(r["params"], sort_keys=True)) not in fresh]
    results[table] = kept + rows
    results[f"{table}_provenance"] = started
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
    (RESULTS / "defaults.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

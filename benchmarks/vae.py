"""VAE likelihoods and latent-space figures on full MNIST (and Fashion-MNIST).

    python benchmarks/vae.py [--epochs 50] [--k 5000] [--datasets mnist fashion-mnist]

Trains the MLP VAE 784-400-20 on dynamically binarized training images and reports, on the test
split binarized once with a fixed seed, the ELBO and the importance-weighted NLL (k samples) in nats,
beside the published figures. Also trains 2-D VAE and AE models on MNIST for the manifold figure
(decodes of a 20×20 grid over N(0, I) quantiles) and the 7 → 9 interpolation, AE and VAE side by side.
Writes benchmarks/results/vae.{json,md} and docs/vae-manifold.png, docs/interpolation.png.
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
from genzoo.plots import mosaic

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
    ae = Autoencoder(hidden=(512, 256), latent_dim=2, code_activation="linear", epochs=epochs).fit(x)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--figure-epochs", type=int, default=10, help="0 skips the latent-space figures")
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    new = [likelihood(d, args.data_dir, args.epochs, args.k) for d in args.datasets]
    if args.figure_epochs:
        figures(args.data_dir, args.figure_epochs)
    path = ROOT / "results" / "vae.json"
    old = json.loads(path.read_text())["rows"] if path.exists() else []
    rows = [r for r in old if r["data"] not in args.datasets] + new  # keep the other datasets' last figures
    results = {"rows": rows, "published": PUBLISHED,
               "machine": f"{torch.get_num_threads()} CPU threads, torch {torch.__version__}"}
    path.write_text(json.dumps(results, indent=1))
    lines = ["| data | model | epochs | train s | test ELBO (nats) | k | test NLL, IWAE bound (nats) | eval s |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['data']} | {r['model']} | {r['epochs']} | {r['train_s']} | {r['test_elbo']:.2f} | {r['k']} | "
              f"{r['test_nll_iwae']:.2f} | {r['eval_s']} |" for r in rows]
    lines += ["", f"Published, for context: {PUBLISHED}.", f"Machine: {results['machine']}."]
    (ROOT / "results" / "vae.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

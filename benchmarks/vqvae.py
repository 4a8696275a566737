"""Discrete codes at an equal bit budget: the VQ-VAE against the binary autoencoder and PCA.

    python benchmarks/vqvae.py [--data mnist fashion-mnist] [--bits 128] [--data-dir ../shared/data]

Each image gets ``bits`` bits: the VQ-VAE 16 indices into a codebook of 256 (16 × 8 bits), the binary autoencoder
``bits`` bits, PCA ``bits / 32`` float32 components (stated as such: a float32 component costs 32 bits). The VQ-VAE
runs with its EMA codebook and with the codebook loss, each with and without the reset of dead entries. Every model
keeps its other defaults. Reports test MSE and PSNR, and for the VQ-VAE the test perplexity (entries in effective
use, out of 256) and the entries no test code chose. Writes benchmarks/results/vqvae.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from genzoo import PCA, BinaryAutoencoder, load_dataset
from genzoo.metrics import psnr
from genzoo.models import VQVAE, Estimator
from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent


def models(bits: int) -> dict[str, Callable[[], Estimator]]:
    n_codes = bits // 8
    return {
        f"VQ-VAE, {n_codes} × K=256, EMA codebook + reset (defaults)": lambda: VQVAE(n_codes=n_codes),
        f"VQ-VAE, {n_codes} × K=256, EMA codebook, no reset": lambda: VQVAE(n_codes=n_codes, reset_dead=False),
        f"VQ-VAE, {n_codes} × K=256, codebook loss + reset": lambda: VQVAE(n_codes=n_codes, codebook="loss"),
        f"VQ-VAE, {n_codes} × K=256, codebook loss, no reset": lambda: VQVAE(n_codes=n_codes, codebook="loss",
                                                                            reset_dead=False),
        f"binary AE, {bits} bits": lambda: BinaryAutoencoder(code_bits=bits),
        f"PCA, {bits // 32} float32 components ({bits} bits)": lambda: PCA(n_components=bits // 32),
    }


def run(dataset: str, bits: int, data_dir: str) -> list[dict]:
    (x, _), (xt, _) = (load_dataset(dataset, s, data_dir) for s in ("train", "test"))
    u = xt.astype(np.float32) / 255.0
    rows = []
    for name, make in models(bits).items():
        model = make()
        t0 = time.perf_counter()
        model.fit(x)
        seconds = time.perf_counter() - t0
        recon = model.reconstruct(xt).reshape(u.shape)
        row = {"data": dataset, "model": name, "bits": bits, "mse": float(((recon - u) ** 2).mean()),
               "psnr": float(psnr(u, recon).mean()), "train_s": round(seconds, 1)}
        if isinstance(model, VQVAE):
            row.update(model.codebook_usage(xt))
        rows.append(row)
        print(row, flush=True)
    return rows


def markdown(results: dict) -> str:
    lines = ["| data | model | test MSE | test PSNR (dB) | perplexity (of 256) | dead entries | train s |",
             "|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        usage = (f"{r['perplexity']:.1f} | {r['dead_codes']}" if "perplexity" in r else "- | -")
        lines.append(f"| {r['data']} | {r['model']} | {r['mse']:.4f} | {r['psnr']:.2f} | {usage} | {r['train_s']} |")
    lines += ["", "Test split; every model with its defaults but for the code size (the VQ-VAE: MLP 784-512-256, "
              "d = 16, β = 0.25, 10 epochs; the binary AE: 784-256-bits, its default epochs). Perplexity: exp of the "
              "entropy of the entries the test codes chose; dead entries: those no test code chose.", "",
              f"- {footer(results['provenance'])}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--bits", type=int, default=128, help="a multiple of 32")
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    started = provenance()
    results = {"rows": [row for dataset in args.data for row in run(dataset, args.bits, args.data_dir)],
               "provenance": started}
    (ROOT / "results" / "vqvae.json").write_text(json.dumps(results, indent=1))
    (ROOT / "results" / "vqvae.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
